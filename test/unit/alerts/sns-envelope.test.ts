import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSnsEnvelope, type SnsMessage, snsStringToSign } from '../../../src/alerts/index.ts';
import { loadFixture } from './fixtures.ts';

function messageOf(body: unknown): SnsMessage {
  const result = parseSnsEnvelope(body);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

describe('parseSnsEnvelope', () => {
  it('parses the fixture notification from an object, JSON text or a Buffer', () => {
    const fixture = loadFixture('sns-notification-guardduty.json');
    const fromObject = messageOf(fixture);
    expect(fromObject).toMatchObject({
      Type: 'Notification',
      MessageId: '5b7e6c3a-2d1f-4e8b-9a0c-1d2e3f4a5b6c',
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:security-alerts',
      Timestamp: '2025-01-13T03:31:12.345Z',
      SignatureVersion: '2',
      SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
    });
    expect(fromObject.Message).toBe(fixture['Message']);
    expect('Subject' in fromObject).toBe(false);
    expect(messageOf(JSON.stringify(fixture))).toEqual(fromObject);
    expect(messageOf(Buffer.from(JSON.stringify(fixture)))).toEqual(fromObject);
  });

  it('parses a subscription confirmation with its token and URL', () => {
    const message = messageOf(loadFixture('sns-subscription-confirmation.json'));
    expect(message.Type).toBe('SubscriptionConfirmation');
    if (message.Type === 'Notification') throw new Error('unreachable');
    expect(message.SubscribeURL).toMatch(
      /^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription/,
    );
    expect(message.Token).toMatch(/^2336412f/);
  });

  it('treats a null Subject as absent and drops unknown fields', () => {
    const fixture = loadFixture('sns-notification-guardduty.json');
    fixture['Subject'] = null;
    fixture['MessageAttributes'] = { a: { Type: 'String', Value: 'b' } };
    const message = messageOf(fixture);
    expect('Subject' in message).toBe(false);
    expect('MessageAttributes' in message).toBe(false);
  });

  it.each([
    'Signature',
    'SigningCertURL',
    'Timestamp',
    'TopicArn',
    'MessageId',
    'Message',
    'SignatureVersion',
  ])('names a missing %s', (field) => {
    const fixture = loadFixture('sns-notification-guardduty.json');
    delete fixture[field];
    expect(parseSnsEnvelope(fixture)).toEqual({ ok: false, reason: `SNS message: ${field} is missing` });
  });

  it('names a confirmation without Token or SubscribeURL', () => {
    const fixture = loadFixture('sns-subscription-confirmation.json');
    delete fixture['Token'];
    expect(parseSnsEnvelope(fixture)).toEqual({ ok: false, reason: 'SNS message: Token is missing' });
  });

  it('refuses bodies that are not SNS messages', () => {
    expect(parseSnsEnvelope('{oops')).toEqual({ ok: false, reason: 'SNS message is not valid JSON' });
    expect(parseSnsEnvelope([])).toEqual({ ok: false, reason: 'SNS message must be a JSON object' });
    expect(parseSnsEnvelope({})).toEqual({ ok: false, reason: 'SNS message: Type is missing' });
    const wrongType = loadFixture('sns-notification-guardduty.json');
    wrongType['Type'] = 'Hello';
    expect(parseSnsEnvelope(wrongType).ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.anything()), (value) => {
        const result = parseSnsEnvelope(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('snsStringToSign', () => {
  const base = {
    MessageId: 'id-1',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:t',
    Message: 'line one\nline two',
    Timestamp: '2025-01-13T03:31:12.345Z',
    SignatureVersion: '2',
    Signature: 'AAAA',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/x.pem',
  };

  it('signs Message, MessageId, Subject, Timestamp, TopicArn, Type for a notification', () => {
    const text = snsStringToSign({
      ...base,
      Type: 'Notification',
      Subject: 'Hi',
      UnsubscribeURL: 'https://x',
    });
    expect(text).toBe(
      'Message\nline one\nline two\nMessageId\nid-1\nSubject\nHi\nTimestamp\n2025-01-13T03:31:12.345Z\n' +
        'TopicArn\narn:aws:sns:us-east-1:111122223333:t\nType\nNotification\n',
    );
  });

  it('leaves Subject out when there is none, but keeps an empty one', () => {
    expect(snsStringToSign({ ...base, Type: 'Notification' })).not.toContain('Subject');
    expect(snsStringToSign({ ...base, Type: 'Notification', Subject: '' })).toContain(
      'MessageId\nid-1\nSubject\n\nTimestamp',
    );
  });

  it('signs SubscribeURL and Token for confirmations', () => {
    const text = snsStringToSign({
      ...base,
      Type: 'UnsubscribeConfirmation',
      Token: 'tok',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    });
    expect(text).toBe(
      'Message\nline one\nline two\nMessageId\nid-1\n' +
        'SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n' +
        'Timestamp\n2025-01-13T03:31:12.345Z\nToken\ntok\nTopicArn\narn:aws:sns:us-east-1:111122223333:t\n' +
        'Type\nUnsubscribeConfirmation\n',
    );
  });
});

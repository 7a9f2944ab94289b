import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cacheCertificates,
  isSigningCertUrlAllowed,
  isTopicAllowed,
  parseAlert,
  type SnsVerification,
  verifySnsSignature,
} from '../../../src/alerts/index.ts';
import {
  createSnsSigner,
  type SnsSigner,
  snsConfirmation,
  snsNotification,
} from '../../helpers/sns-signer.ts';
import { loadFixture } from './fixtures.ts';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:security-alerts';
const NOW = new Date('2025-01-13T03:32:00.000Z');
const now = () => NOW;

let signer: SnsSigner;
let stranger: SnsSigner;

beforeAll(async () => {
  [signer, stranger] = await Promise.all([createSnsSigner(), createSnsSigner()]);
});

function notification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...snsNotification({ topicArn: TOPIC, message: '{"hello":"world"}', timestamp: NOW }),
    ...overrides,
  };
}

async function verify(
  message: unknown,
  fetchCertificate = signer.fetchCertificate,
): Promise<SnsVerification> {
  return verifySnsSignature(message, { fetchCertificate, now });
}

function reasonOf(result: SnsVerification): string {
  if (result.ok) throw new Error('expected the verification to fail');
  return result.reason;
}

describe('verifySnsSignature accepts what SNS signs', () => {
  it.each(['1', '2'] as const)('a notification with SignatureVersion %s', async (version) => {
    const signed = signer.sign(notification(), { signatureVersion: version });
    const result = await verify(signed);
    expect(result.ok).toBe(true);
    expect(result.ok && result.message.Type).toBe('Notification');
  });

  it('a notification with a Subject, and one with Subject null', async () => {
    expect((await verify(signer.sign(notification({ Subject: 'ALARM: "x" in US East' })))).ok).toBe(true);
    expect(await verify(signer.sign(notification({ Subject: null })))).toMatchObject({ ok: true });
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)('a %s', async (type) => {
    const signed = signer.sign(snsConfirmation({ topicArn: TOPIC, type, timestamp: NOW }), {
      signatureVersion: '1',
    });
    expect(await verify(signed)).toMatchObject({ ok: true, message: { Type: type, TopicArn: TOPIC } });
  });

  it('the GuardDuty fixture envelope, re-signed, verifies and then parses into its alert', async () => {
    const signed = signer.sign(loadFixture('sns-notification-guardduty.json'));
    const result = await verify(signed);
    if (!result.ok) throw new Error(result.reason);
    const parsed = parseAlert(result.message.Message);
    expect(parsed.kind === 'alert' && parsed.alert.accessKeyIds).toEqual(['AKIAEXAMPLEKEY000001']);
  });

  it('a JSON text body', async () => {
    expect((await verify(JSON.stringify(signer.sign(notification())))).ok).toBe(true);
  });
});

describe('verifySnsSignature refuses', () => {
  it.each([
    ['Message', '{"hello":"World"}'],
    ['MessageId', 'another-id'],
    ['TopicArn', 'arn:aws:sns:us-east-1:111122223333:other-topic'],
    ['Timestamp', '2025-01-13T03:31:59.000Z'],
    ['Subject', 'added after signing'],
  ])('a message whose %s changed after signing', async (field, value) => {
    const signed = signer.sign(notification());
    expect(reasonOf(await verify({ ...signed, [field]: value }))).toBe(
      'signature does not match the message',
    );
  });

  it('any single changed character of the message', async () => {
    const signed = signer.sign(
      notification({ Message: loadFixture('sns-notification-guardduty.json')['Message'] }),
    );
    const text = signed['Message'] as string;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: text.length - 1 }),
        fc.integer({ min: 1, max: 0xfff }),
        async (index, delta) => {
          const changed = String.fromCharCode(((text.charCodeAt(index) + delta) % 0xd700) + 1);
          const tampered = { ...signed, Message: text.slice(0, index) + changed + text.slice(index + 1) };
          expect((await verify(tampered)).ok).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a changed byte of the signature', async () => {
    const signed = signer.sign(notification());
    const bytes = Buffer.from(signed.Signature, 'base64');
    bytes[17] = (bytes[17] ?? 0) ^ 0x01;
    expect(reasonOf(await verify({ ...signed, Signature: bytes.toString('base64') }))).toBe(
      'signature does not match the message',
    );
  });

  it('a signature made with another key, whatever certificate is served', async () => {
    const forged = stranger.sign(notification());
    expect(reasonOf(await verify(forged, signer.fetchCertificate))).toBe(
      'signature does not match the message',
    );
  });

  it('a version-2 signature claimed as version 1', async () => {
    const signed = signer.sign(notification(), { signatureVersion: '2' });
    expect((await verify({ ...signed, SignatureVersion: '1' })).ok).toBe(false);
  });

  it('an unknown SignatureVersion', async () => {
    const signed = signer.sign(notification());
    expect(reasonOf(await verify({ ...signed, SignatureVersion: '3' }))).toBe(
      'unsupported SignatureVersion 3',
    );
    expect(reasonOf(await verify({ ...signed, SignatureVersion: 'toString' }))).toMatch(/unsupported/);
  });

  it.each([
    'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem',
    'https://sns.evil.com/SimpleNotificationService-x.pem',
    'https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-x.pem',
    'https://evil.com/sns.us-east-1.amazonaws.com/x.pem',
    'https://sns.us-east-1.amazonaws.com@evil.com/x.pem',
    'https://user@sns.us-east-1.amazonaws.com/x.pem',
    'https://sns.us-east-1.amazonaws.com:8443/x.pem',
    'https://sns.us-east-1.amazonaws.com/x.pem?u=https://evil.com/y.pem',
    'https://sns.us-east-1.amazonaws.com/x.txt',
    'https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem',
    'not a url',
  ])('a certificate at %s, without fetching it', async (url) => {
    const fetched: string[] = [];
    const fetchCertificate = async (u: string) => {
      fetched.push(u);
      return signer.certPem;
    };
    const signed = signer.sign(notification(), { certUrl: url });
    expect(reasonOf(await verify(signed, fetchCertificate))).toMatch(/^SigningCertURL is not/);
    expect(fetched).toEqual([]);
  });

  it('a confirmation whose SubscribeURL leaves SNS', async () => {
    const signed = signer.sign(
      snsConfirmation({ topicArn: TOPIC, timestamp: NOW, subscribeUrl: 'https://evil.example/confirm' }),
    );
    expect(reasonOf(await verify(signed))).toMatch(/^SubscribeURL is not/);
  });

  it('a message older than an hour, or than the configured age', async () => {
    const old = signer.sign(notification({ Timestamp: '2025-01-13T02:31:59.000Z' }));
    expect(reasonOf(await verify(old))).toMatch(/^message is stale/);
    const recent = signer.sign(notification({ Timestamp: '2025-01-13T03:31:00.000Z' }));
    expect((await verify(recent)).ok).toBe(true);
    const strict = await verifySnsSignature(recent, {
      fetchCertificate: signer.fetchCertificate,
      now,
      maxAgeMs: 30_000,
    });
    expect(reasonOf(strict)).toMatch(/^message is stale/);
  });

  it('a message from the future beyond clock skew, but not one within it', async () => {
    const far = signer.sign(notification({ Timestamp: '2025-01-13T03:40:00.000Z' }));
    expect(reasonOf(await verify(far))).toMatch(/in the future/);
    const near = signer.sign(notification({ Timestamp: '2025-01-13T03:34:00.000Z' }));
    expect((await verify(near)).ok).toBe(true);
  });

  it('a timestamp that is not a time', async () => {
    const signed = signer.sign(notification({ Timestamp: 'yesterday' }));
    expect(reasonOf(await verify(signed))).toBe('Timestamp is not an ISO 8601 time');
  });

  it('when the certificate cannot be fetched or is not a certificate', async () => {
    const signed = signer.sign(notification());
    const failing = async () => {
      throw new Error('connect ETIMEDOUT');
    };
    expect(reasonOf(await verify(signed, failing))).toBe(
      'signing certificate could not be fetched: connect ETIMEDOUT',
    );
    expect(reasonOf(await verify(signed, async () => 'hello'))).toBe(
      'signing certificate is not a valid X.509 certificate',
    );
  });

  it('malformed envelopes, with the reason from the parser', async () => {
    const signed = signer.sign(notification());
    const { Signature: _dropped, ...unsigned } = signed;
    expect(reasonOf(await verify(unsigned))).toBe('SNS message: Signature is missing');
    expect(reasonOf(await verify({ ...signed, Signature: 'not base64!' }))).toBe('Signature is not base64');
  });

  it('never rejects, whatever it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.anything()), async (value) => {
        const result = await verify(value);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('certificate caching during verification', () => {
  it('fetches each certificate URL once', async () => {
    const local = await createSnsSigner();
    const fetchCertificate = cacheCertificates(local.fetchCertificate);
    const otherUrl = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-other.pem';
    for (let i = 0; i < 5; i++) {
      const signed = local.sign(notification({ MessageId: `m-${i}` }));
      expect((await verify(signed, fetchCertificate)).ok).toBe(true);
    }
    expect((await verify(local.sign(notification(), { certUrl: otherUrl }), fetchCertificate)).ok).toBe(true);
    expect(local.fetchedUrls).toEqual([local.certUrl, otherUrl]);
  });
});

describe('URL and topic checks', () => {
  it('accepts the SNS certificate hosts of every partition shape', () => {
    expect(
      isSigningCertUrlAllowed('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem'),
    ).toBe(true);
    expect(
      isSigningCertUrlAllowed('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-a.pem'),
    ).toBe(true);
    expect(isSigningCertUrlAllowed('https://sns.us-gov-west-1.amazonaws.com/a.pem')).toBe(true);
    expect(isSigningCertUrlAllowed('https://SNS.US-EAST-1.AMAZONAWS.COM/a.pem')).toBe(true);
  });

  it('allows only configured topics, exactly', () => {
    expect(isTopicAllowed(TOPIC, [TOPIC])).toBe(true);
    expect(isTopicAllowed(TOPIC, [])).toBe(false);
    expect(isTopicAllowed(`${TOPIC}-2`, [TOPIC])).toBe(false);
    expect(isTopicAllowed(TOPIC.toUpperCase(), [TOPIC])).toBe(false);
    expect(isTopicAllowed('', [''])).toBe(false);
  });
});

// The JSON document SNS POSTs to an HTTPS subscription, and the exact string SNS signs.
// Field values are kept byte for byte: the signature covers them as sent.

import { z } from 'zod';
import { describeIssues, requiredString } from './schema.ts';
import { isRecord } from './values.ts';

interface SnsBase {
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

export interface SnsNotification extends SnsBase {
  Type: 'Notification';
  Subject?: string;
  UnsubscribeURL?: string;
}

export interface SnsConfirmation extends SnsBase {
  Type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  Token: string;
  SubscribeURL: string;
}

export type SnsMessage = SnsNotification | SnsConfirmation;

export type SnsEnvelopeResult = { ok: true; message: SnsMessage } | { ok: false; reason: string };

const presentString = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is missing' : 'must be a string') });

const baseShape = {
  MessageId: requiredString(),
  TopicArn: requiredString(),
  // An empty message is unusual but signable; only its presence is required.
  Message: presentString(),
  Timestamp: requiredString(),
  SignatureVersion: requiredString(),
  Signature: requiredString(),
  SigningCertURL: requiredString(),
};

const notificationSchema = z.object({
  ...baseShape,
  Type: z.literal('Notification'),
  // SNS omits Subject when there is none; some relays write null, which means the same.
  Subject: z.string().nullish().catch(undefined),
  UnsubscribeURL: z.string().optional().catch(undefined),
});

const confirmationSchema = z.object({
  ...baseShape,
  Type: z.enum(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  Token: requiredString(),
  SubscribeURL: requiredString(),
});

const MESSAGE_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

export function parseSnsEnvelope(body: unknown): SnsEnvelopeResult {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, reason: 'SNS message is not valid JSON' };
    }
  }
  if (!isRecord(value)) return { ok: false, reason: 'SNS message must be a JSON object' };
  const type = value['Type'];
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
    return {
      ok: false,
      reason:
        type === undefined
          ? 'SNS message: Type is missing'
          : `SNS message: Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation`,
    };
  }
  const schema = type === 'Notification' ? notificationSchema : confirmationSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: describeIssues('SNS message', parsed.error, '') };
  const message = parsed.data as SnsMessage;
  if (message.Type === 'Notification') {
    if (message.Subject === null || message.Subject === undefined) delete message.Subject;
    if (message.UnsubscribeURL === undefined) delete message.UnsubscribeURL;
  }
  return { ok: true, message };
}

/**
 * The string SNS signs: `name\nvalue\n` for each field, in this fixed order, Subject only when
 * present. Notifications and (un)subscribe confirmations sign different fields.
 */
export function snsStringToSign(message: SnsMessage): string {
  const fields: [string, string | undefined][] =
    message.Type === 'Notification'
      ? [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['Subject', message.Subject],
          ['Timestamp', message.Timestamp],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ]
      : [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['SubscribeURL', message.SubscribeURL],
          ['Timestamp', message.Timestamp],
          ['Token', message.Token],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ];
  return fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `${name}\n${value}\n`)
    .join('');
}

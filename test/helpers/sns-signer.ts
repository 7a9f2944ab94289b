// Signs SNS messages the way SNS does, with a key pair and self-signed certificate made at test
// time, so route and unit tests can exercise real signature verification. The string to sign is
// written out here independently of src/alerts, following the AWS documentation, so a mistake
// in the verifier's canonical string cannot be mirrored by the signer and go unnoticed.

import { execFile } from 'node:child_process';
import { randomUUID, sign as rsaSign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test0123456789.pem';

export interface SignOptions {
  signatureVersion?: '1' | '2';
  /** SigningCertURL to put in the message (default: the signer's certUrl). */
  certUrl?: string;
}

export type SignedSnsMessage<T> = T & { SignatureVersion: string; Signature: string; SigningCertURL: string };

export interface SnsSigner {
  certUrl: string;
  certPem: string;
  sign<T extends Record<string, unknown>>(message: T, options?: SignOptions): SignedSnsMessage<T>;
  /** Serves certPem for any URL (host checks belong to the verifier) and records each call. */
  fetchCertificate: (url: string) => Promise<string>;
  fetchedUrls: string[];
}

export async function createSnsSigner(options: { certUrl?: string } = {}): Promise<SnsSigner> {
  const dir = await mkdtemp(join(tmpdir(), 'sns-signer-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=sns.amazonaws.com',
    ]);
    const [keyPem, certPem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    const certUrl = options.certUrl ?? TEST_CERT_URL;
    const fetchedUrls: string[] = [];
    return {
      certUrl,
      certPem,
      fetchedUrls,
      fetchCertificate: async (url) => {
        fetchedUrls.push(url);
        return certPem;
      },
      sign(message, signOptions = {}) {
        const version = signOptions.signatureVersion ?? (message['SignatureVersion'] === '1' ? '1' : '2');
        const unsigned = {
          ...message,
          SignatureVersion: version,
          SigningCertURL: signOptions.certUrl ?? certUrl,
        };
        const digest = version === '1' ? 'sha1' : 'sha256';
        const signature = rsaSign(digest, Buffer.from(stringToSign(unsigned), 'utf8'), keyPem).toString(
          'base64',
        );
        return { ...unsigned, Signature: signature };
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per "Verifying the signatures of Amazon SNS messages": fixed order, `name\nvalue\n`. */
function stringToSign(message: Record<string, unknown>): string {
  const fields =
    message['Type'] === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let out = '';
  for (const field of fields) {
    const value = message[field];
    if (field === 'Subject' && (value === undefined || value === null)) continue;
    out += `${field}\n${String(value)}\n`;
  }
  return out;
}

export interface NotificationFields {
  topicArn: string;
  message: string;
  subject?: string;
  messageId?: string;
  timestamp?: Date;
}

/** An unsigned Notification; pass it to `sign`. */
export function snsNotification(fields: NotificationFields): Record<string, unknown> {
  const topicArn = fields.topicArn;
  const message: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: fields.messageId ?? randomUUID(),
    TopicArn: topicArn,
    Message: fields.message,
    Timestamp: (fields.timestamp ?? new Date()).toISOString(),
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:test`,
  };
  if (fields.subject !== undefined) message['Subject'] = fields.subject;
  return message;
}

export interface ConfirmationFields {
  topicArn: string;
  type?: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  token?: string;
  subscribeUrl?: string;
  messageId?: string;
  timestamp?: Date;
}

/** An unsigned SubscriptionConfirmation (or UnsubscribeConfirmation); pass it to `sign`. */
export function snsConfirmation(fields: ConfirmationFields): Record<string, unknown> {
  const token = fields.token ?? 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  return {
    Type: fields.type ?? 'SubscriptionConfirmation',
    MessageId: fields.messageId ?? randomUUID(),
    Token: token,
    TopicArn: fields.topicArn,
    Message: `You have chosen to subscribe to the topic ${fields.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL:
      fields.subscribeUrl ??
      `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${fields.topicArn}&Token=${token}`,
    Timestamp: (fields.timestamp ?? new Date()).toISOString(),
  };
}

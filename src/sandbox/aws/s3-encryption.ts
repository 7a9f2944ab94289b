// Which encryption a new version gets (SSE-C from the request, SSE-KMS from the request or the
// bucket default, else SSE-S3) and the encryption headers S3 answers with.

import type { S3Context } from './s3-context.ts';
import { invalidArgument } from './s3-errors.ts';
import type { Bucket, ObjectEncryption } from './s3-model.ts';
import { readSseCHeaders, SSE_C_HEADERS, type SseC, sseCResponseHeaders } from './s3-sse-c.ts';
import { assertSseCWriteAllowed } from './s3-write-guard.ts';

export interface WriteEncryption {
  encryption: ObjectEncryption | undefined;
  /** Set when the request carried a customer key, so the response echoes it. */
  sseC: SseC | undefined;
}

/**
 * Validates a write's encryption headers and applies the bucket's SSE-C block (403) before any
 * state changes. `key` is the destination key, used by the bucket policy's Resource.
 */
export function encryptionForWrite(ctx: S3Context, bucket: Bucket, key: string): WriteEncryption {
  const headers = ctx.req.headers;
  const sseC = readSseCHeaders(headers, SSE_C_HEADERS);
  const requested = headers['x-amz-server-side-encryption'];
  if (sseC && requested !== undefined) {
    throw invalidArgument(
      'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
      'x-amz-server-side-encryption',
      requested,
    );
  }
  if (sseC) {
    assertSseCWriteAllowed(bucket, key, ctx.caller);
    return { encryption: sseC, sseC };
  }
  if (requested !== undefined && !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(requested)) {
    throw invalidArgument(
      'The encryption method specified is not supported',
      'x-amz-server-side-encryption',
      requested,
    );
  }
  if (requested?.startsWith('aws:kms')) {
    return {
      encryption: { kind: 'aws:kms', kmsKeyId: headers['x-amz-server-side-encryption-aws-kms-key-id'] },
      sseC: undefined,
    };
  }
  const defaultRule = bucket.encryption?.[0];
  if (requested === undefined && defaultRule?.sseAlgorithm?.startsWith('aws:kms')) {
    return { encryption: { kind: 'aws:kms', kmsKeyId: defaultRule.kmsMasterKeyId }, sseC: undefined };
  }
  return { encryption: undefined, sseC: undefined };
}

/** Encryption headers on object responses; SSE-C is only echoed when the key was sent. */
export function encryptionHeaders(
  encryption: ObjectEncryption | undefined,
  sseC: SseC | undefined,
): Record<string, string> {
  if (encryption?.kind === 'SSE-C') return sseCResponseHeaders(sseC);
  if (encryption?.kind === 'aws:kms') {
    const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'aws:kms' };
    if (encryption.kmsKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = encryption.kmsKeyId;
    return headers;
  }
  return { 'x-amz-server-side-encryption': 'AES256' };
}

// SSE-C as S3 enforces it. Only the algorithm and the key's MD5 are ever kept (S3 itself keeps a
// salted HMAC of the key and discards the key); the key is checked against its MD5 header and then
// dropped, so the sandbox can never leak an attacker's key into logs or listings.

import { createHash } from 'node:crypto';
import { accessDenied, invalidArgument, invalidRequest, S3Error } from './s3-errors.ts';
import type { ObjectEncryption, ObjectVersion } from './s3-model.ts';

export const SSE_C_HEADERS = 'x-amz-server-side-encryption-customer-';
export const COPY_SOURCE_SSE_C_HEADERS = 'x-amz-copy-source-server-side-encryption-customer-';

export type SseC = Extract<ObjectEncryption, { kind: 'SSE-C' }>;

/** MD5 of a customer key, base64 — what the SDK sends as `...-customer-key-MD5`. */
export function sseCKeyMd5(key: Buffer | string): string {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : key;
  return createHash('md5').update(bytes).digest('base64');
}

const interned = new Map<string, SseC>();

/** One shared descriptor per key digest: a million versions encrypted with one key share it. */
export function sseCDescriptor(algorithm: string, keyMd5: string): SseC {
  const id = `${algorithm}:${keyMd5}`;
  let descriptor = interned.get(id);
  if (!descriptor) {
    descriptor = { kind: 'SSE-C', algorithm, keyMd5 };
    interned.set(id, descriptor);
  }
  return descriptor;
}

/**
 * Reads and validates one set of SSE-C headers (`prefix` selects the object's own or the copy
 * source's). Returns undefined when none are present.
 */
export function readSseCHeaders(headers: Record<string, string>, prefix: string): SseC | undefined {
  const algorithm = headers[`${prefix}algorithm`];
  const key = headers[`${prefix}key`];
  const keyMd5 = headers[`${prefix}key-md5`];
  if (algorithm === undefined && key === undefined && keyMd5 === undefined) return undefined;
  if (algorithm === undefined) {
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
      `${prefix}algorithm`,
    );
  }
  if (algorithm !== 'AES256') {
    throw new S3Error(
      400,
      'InvalidEncryptionAlgorithmError',
      'The Encryption request you specified is not valid. Supported value: AES256.',
      { ArgumentName: `${prefix}algorithm`, ArgumentValue: algorithm },
    );
  }
  if (key === undefined) {
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
      `${prefix}algorithm`,
      algorithm,
    );
  }
  const keyBytes = Buffer.from(key, 'base64');
  if (keyBytes.length !== 32) {
    throw invalidArgument('The secret key was invalid for the specified algorithm.', `${prefix}key`);
  }
  if (keyMd5 === undefined) {
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
      `${prefix}key-MD5`,
    );
  }
  if (sseCKeyMd5(keyBytes) !== keyMd5) {
    throw invalidArgument(
      'The calculated MD5 hash of the key did not match the hash that was provided.',
      `${prefix}key-MD5`,
    );
  }
  return sseCDescriptor(algorithm, keyMd5);
}

/**
 * Whether the caller may read a version's bytes or metadata (GET, HEAD, GetObjectAttributes, copy
 * source). Without the key S3 answers 400 InvalidRequest; with a different key, 403 AccessDenied;
 * with a key for an object that is not SSE-C, 400.
 */
export function assertSseCReadable(version: ObjectVersion, provided: SseC | undefined): void {
  const stored = version.encryption?.kind === 'SSE-C' ? version.encryption : undefined;
  if (stored && !provided) {
    throw invalidRequest(
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    );
  }
  if (stored && provided && stored.keyMd5 !== provided.keyMd5) throw accessDenied();
  if (!stored && provided)
    throw invalidRequest('The encryption parameters are not applicable to this object.');
}

/** Response headers S3 echoes when a request carried the customer key. */
export function sseCResponseHeaders(sse: SseC | undefined): Record<string, string> {
  if (!sse) return {};
  return {
    'x-amz-server-side-encryption-customer-algorithm': sse.algorithm,
    'x-amz-server-side-encryption-customer-key-md5': sse.keyMd5,
  };
}

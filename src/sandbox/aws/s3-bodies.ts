// How versions hold their bytes and ETags compactly: small bodies as latin1 strings shared by every
// version written from the same Buffer, ETags as flat strings, and ETags that, as S3 documents, are
// the MD5 of the data only for SSE-S3 objects.

import { createHash } from 'node:crypto';
import type { ObjectEncryption } from './s3-model.ts';

/** Bodies up to this size are held as strings (see ObjectVersion.data). */
const SMALL_BODY = 4096;

export function quoteEtag(etag: string): string {
  return etag.startsWith('"') ? etag : quotedHex(etag);
}

export function md5Etag(body: Buffer | string): string {
  return quotedHex(createHash('md5').update(body).digest('hex'));
}

/**
 * `"hex"` as one flat string: a template literal would leave a chain of V8 cons strings (about
 * 100 extra bytes per version) — and every version keeps its ETag.
 */
function quotedHex(hex: string): string {
  return JSON.stringify(hex);
}

export class BodyStore {
  // Bulk seeds reuse a few Buffers a million times: remember the last few (a WeakMap would keep
  // a table slot per distinct body, as much memory again as the bodies themselves).
  private readonly recentBodies = new Map<Buffer, { etag: string; text: string | undefined }>();
  private readonly metadataOnlyEtags = new Map<number, string>();

  /** Small bodies become latin1 strings, once per Buffer, so a body seeded a million times is stored once. */
  stored(body: Buffer | undefined): Buffer | string | undefined {
    if (body === undefined || body.length > SMALL_BODY) return body;
    return this.recent(body).text;
  }

  /**
   * MD5 of the bytes for SSE-S3 — but not for SSE-C or SSE-KMS objects, whose ETag is no digest of
   * the data; so re-encrypting identical bytes still changes the ETag.
   */
  etagOf(
    body: Buffer | string | undefined,
    size: number,
    encryption: ObjectEncryption | undefined,
    plainEtag: string | undefined,
  ): string {
    let etag: string;
    if (plainEtag !== undefined) {
      etag = plainEtag;
    } else if (body === undefined) {
      etag = this.metadataOnlyEtags.get(size) ?? md5Etag(`metadata-only:${size}`);
      if (this.metadataOnlyEtags.size < 10_000) this.metadataOnlyEtags.set(size, etag);
    } else if (typeof body === 'string') {
      etag = md5Etag(Buffer.from(body, 'latin1'));
    } else {
      etag = this.recent(body).etag;
    }
    if (!encryption) return etag;
    const salt = encryption.kind === 'SSE-C' ? encryption.keyMd5 : (encryption.kmsKeyId ?? 'aws/s3');
    return md5Etag(`${salt}:${etag}`);
  }

  private recent(body: Buffer): { etag: string; text: string | undefined } {
    let entry = this.recentBodies.get(body);
    if (!entry) {
      if (this.recentBodies.size >= 16) this.recentBodies.clear();
      entry = { etag: md5Etag(body), text: body.length > SMALL_BODY ? undefined : body.toString('latin1') };
      this.recentBodies.set(body, entry);
    }
    return entry;
  }
}

// CopyObject — the restore primitive (copy an old version onto its own key) and the attacker's
// re-encryption primitive (copy a key onto itself with SSE-C) — and the copy-source rules it shares
// with UploadPartCopy.

import { keyOf, type S3Context } from './s3-context.ts';
import { encryptionForWrite, encryptionHeaders } from './s3-encryption.ts';
import {
  invalidArgument,
  invalidRequest,
  noSuchBucket,
  noSuchKey,
  noSuchVersion,
  S3Error,
} from './s3-errors.ts';
import { type Bucket, MAX_COPY_SIZE, type ObjectVersion } from './s3-model.ts';
import { assertKeyLength, assertNotArchived, storageClassFrom } from './s3-objects.ts';
import { isoDate, metadataFromHeaders, tagsFromHeader, xmlResponse } from './s3-protocol.ts';
import { assertSseCReadable, COPY_SOURCE_SSE_C_HEADERS, readSseCHeaders } from './s3-sse-c.ts';
import type { SandboxResponse } from './types.ts';
import { xmlLeaf } from './xml.ts';

export interface CopySource {
  bucket: Bucket;
  key: string;
  version: ObjectVersion;
  /** Whether the request named the source version explicitly. */
  versionIdGiven: boolean;
}

/** `x-amz-copy-source: [/]bucket/<url-encoded key>[?versionId=ID]`, decoded exactly once. */
export function parseCopySourceHeader(header: string): { bucket: string; key: string; versionId?: string } {
  const question = header.indexOf('?');
  const path = question === -1 ? header : header.slice(0, question);
  const query = new URLSearchParams(question === -1 ? '' : header.slice(question + 1));
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.startsWith('/') ? path.slice(1) : path);
  } catch {
    decoded = '';
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      header,
    );
  }
  const versionId = query.get('versionId') ?? undefined;
  return {
    bucket: decoded.slice(0, slash),
    key: decoded.slice(slash + 1),
    ...(versionId === undefined ? {} : { versionId }),
  };
}

/** Resolves and authorizes the copy source, including its SSE-C key and archive state. */
export function resolveCopySource(ctx: S3Context): CopySource {
  const header = ctx.req.headers['x-amz-copy-source'] as string;
  const { bucket: bucketName, key, versionId } = parseCopySourceHeader(header);
  const bucket = ctx.store.getBucket(bucketName);
  if (!bucket) throw noSuchBucket(bucketName);
  const version = ctx.store.findVersion(bucket, key, versionId);
  if (!version) throw versionId === undefined ? noSuchKey(key) : noSuchVersion(key, versionId);
  if (version.deleteMarker) {
    if (versionId === undefined) throw noSuchKey(key);
    throw invalidRequest(
      'The source of a copy request may not specifically refer to a delete marker by version id.',
    );
  }
  assertSseCReadable(version, readSseCHeaders(ctx.req.headers, COPY_SOURCE_SSE_C_HEADERS));
  assertNotArchived(version);
  assertCopySourceConditions(ctx.req.headers, version);
  return { bucket, key, version, versionIdGiven: versionId !== undefined };
}

function assertCopySourceConditions(headers: Record<string, string>, version: ObjectVersion): void {
  const ifMatch = headers['x-amz-copy-source-if-match'];
  const ifNoneMatch = headers['x-amz-copy-source-if-none-match'];
  const unquoted = version.etag.slice(1, -1);
  const matches = (value: string) =>
    value.split(',').some((e) => [version.etag, unquoted].includes(e.trim()));
  if ((ifMatch !== undefined && !matches(ifMatch)) || (ifNoneMatch !== undefined && matches(ifNoneMatch))) {
    throw new S3Error(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: ifMatch !== undefined ? 'x-amz-copy-source-If-Match' : 'x-amz-copy-source-If-None-Match',
      },
    );
  }
}

function directive(ctx: S3Context, header: string): 'COPY' | 'REPLACE' {
  const value = ctx.req.headers[header] ?? 'COPY';
  if (value !== 'COPY' && value !== 'REPLACE')
    throw invalidArgument(`Unknown ${header} value.`, header, value);
  return value;
}

export function copyObject(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const key = keyOf(ctx);
  assertKeyLength(key);
  const headers = ctx.req.headers;
  const source = resolveCopySource(ctx);
  if (source.version.size > MAX_COPY_SIZE) {
    throw invalidRequest(
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SIZE}`,
    );
  }
  const metadataDirective = directive(ctx, 'x-amz-metadata-directive');
  const taggingDirective = directive(ctx, 'x-amz-tagging-directive');
  const storageClass = storageClassFrom(headers['x-amz-storage-class']);
  const { encryption, sseC } = encryptionForWrite(ctx, bucket, key);
  assertCopyChangesSomething(ctx, source, bucket, key, metadataDirective, storageClass);
  const src = source.version;
  const replace = metadataDirective === 'REPLACE';
  const version = ctx.store.writeVersion(bucket, key, {
    // Versions share the source's bytes: a restore costs no extra memory.
    body: src.data,
    size: src.size,
    etag: src.data === undefined ? src.etag : undefined,
    // An SSE-S3 source's ETag is the MD5 of its bytes: no need to hash them again.
    plainEtag: src.encryption === undefined && src.partsCount === undefined ? src.etag : undefined,
    contentType: replace ? headers['content-type'] : src.contentType,
    metadata: replace ? metadataFromHeaders(headers) : src.metadata,
    storageClass,
    tags: taggingDirective === 'REPLACE' ? tagsFromHeader(headers['x-amz-tagging']) : src.tags,
    encryption,
  });
  const responseHeaders: Record<string, string> = encryptionHeaders(encryption, sseC);
  if (version.id !== 'null') responseHeaders['x-amz-version-id'] = version.id;
  if (src.id !== 'null') responseHeaders['x-amz-copy-source-version-id'] = src.id;
  return xmlResponse(
    'CopyObjectResult',
    xmlLeaf('LastModified', isoDate(version.lastModifiedSec)) + xmlLeaf('ETag', version.etag),
    responseHeaders,
  );
}

/**
 * S3 refuses to copy an object onto itself unless something changes (metadata, storage class,
 * encryption) — but copying a named older version onto its key is the documented restore.
 */
function assertCopyChangesSomething(
  ctx: S3Context,
  source: CopySource,
  bucket: Bucket,
  key: string,
  metadataDirective: string,
  storageClass: string | undefined,
): void {
  if (source.bucket !== bucket || source.key !== key) return;
  if (source.versionIdGiven && bucket.versioning !== 'Unversioned') return;
  const headers = ctx.req.headers;
  const changes =
    metadataDirective === 'REPLACE' ||
    storageClass !== undefined ||
    headers['x-amz-server-side-encryption'] !== undefined ||
    headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined ||
    headers['x-amz-website-redirect-location'] !== undefined ||
    source.version.encryption !== undefined;
  if (!changes) {
    throw invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
}

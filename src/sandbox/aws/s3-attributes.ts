// GetObjectAttributes: size, ETag, storage class and part count without reading the object. Like
// HEAD it needs the customer key for an SSE-C version (400 without it).

import { keyOf, type S3Context } from './s3-context.ts';
import { invalidArgument } from './s3-errors.ts';
import { addressedVersion, versionIdHeader } from './s3-objects.ts';
import { httpDate, xmlResponse } from './s3-protocol.ts';
import { assertSseCReadable, readSseCHeaders, SSE_C_HEADERS } from './s3-sse-c.ts';
import type { SandboxResponse } from './types.ts';
import { xmlLeaf } from './xml.ts';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

export function getObjectAttributes(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const requested = (ctx.req.headers['x-amz-object-attributes'] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (requested.length === 0 || requested.some((a) => !ATTRIBUTES.has(a))) {
    throw invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes');
  }
  const version = addressedVersion(ctx, bucket, keyOf(ctx));
  assertSseCReadable(version, readSseCHeaders(ctx.req.headers, SSE_C_HEADERS));
  const wanted = new Set(requested);
  let inner = '';
  if (wanted.has('ETag')) inner += xmlLeaf('ETag', version.etag.slice(1, -1));
  if (wanted.has('ObjectParts') && version.partsCount !== undefined) {
    inner += `<ObjectParts>${xmlLeaf('PartsCount', version.partsCount)}</ObjectParts>`;
  }
  if (wanted.has('StorageClass')) inner += xmlLeaf('StorageClass', version.storageClass);
  if (wanted.has('ObjectSize')) inner += xmlLeaf('ObjectSize', version.size);
  return xmlResponse('GetObjectAttributesResponse', inner, {
    'last-modified': httpDate(version.lastModifiedSec),
    ...versionIdHeader(bucket, version),
  });
}

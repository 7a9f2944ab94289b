// PutObject, GetObject, HeadObject and DeleteObject with S3's versioning, delete-marker, SSE-C,
// range and conditional-request behaviour.

import { createHash } from 'node:crypto';
import { keyOf, type S3Context, versionIdParam } from './s3-context.ts';
import { encryptionForWrite, encryptionHeaders } from './s3-encryption.ts';
import { invalidArgument, noSuchKey, noSuchVersion, S3Error } from './s3-errors.ts';
import type { Bucket, ObjectVersion } from './s3-model.ts';
import {
  httpDate,
  metadataFromHeaders,
  metadataHeaders,
  requestBody,
  tagsFromHeader,
} from './s3-protocol.ts';
import { assertSseCReadable, readSseCHeaders, SSE_C_HEADERS, type SseC } from './s3-sse-c.ts';
import type { SandboxResponse } from './types.ts';

const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'OUTPOSTS',
  'SNOW',
  'EXPRESS_ONEZONE',
]);

/** Archived versions must be restored before their bytes can be read or copied. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** Largest body served for a version whose bytes the sandbox does not hold. */
const MAX_SYNTHETIC_BODY = 16 * 1024 * 1024;

export function storageClassFrom(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!STORAGE_CLASSES.has(value)) {
    throw new S3Error(400, 'InvalidStorageClass', 'The storage class you specified is not valid', {
      StorageClassRequested: value,
    });
  }
  return value;
}

export function assertNotArchived(version: ObjectVersion): void {
  if (ARCHIVED.has(version.storageClass)) {
    throw new S3Error(
      403,
      'InvalidObjectState',
      "The operation is not valid for the object's storage class",
      {
        StorageClass: version.storageClass,
      },
    );
  }
}

export function assertKeyLength(key: string): void {
  if (Buffer.byteLength(key) > 1024) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', {
      Size: String(Buffer.byteLength(key)),
    });
  }
}

/** `x-amz-version-id` is only sent once a bucket has ever had versioning enabled. */
export function versionIdHeader(bucket: Bucket, version: ObjectVersion): Record<string, string> {
  return bucket.versioning === 'Unversioned' ? {} : { 'x-amz-version-id': version.id };
}

export function putObject(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const key = keyOf(ctx);
  assertKeyLength(key);
  const headers = ctx.req.headers;
  const body = requestBody(headers, ctx.req.body);
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined && createHash('md5').update(body).digest('base64') !== contentMd5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const storageClass = storageClassFrom(headers['x-amz-storage-class']);
  const tags = tagsFromHeader(headers['x-amz-tagging']);
  const { encryption, sseC } = encryptionForWrite(ctx, bucket, key);
  const version = ctx.store.writeVersion(bucket, key, {
    body,
    contentType: headers['content-type'],
    metadata: metadataFromHeaders(headers),
    storageClass,
    tags,
    encryption,
  });
  return {
    status: 200,
    headers: {
      etag: version.etag,
      ...(version.id === 'null' ? {} : { 'x-amz-version-id': version.id }),
      ...encryptionHeaders(encryption, sseC),
    },
  };
}

/**
 * The version a GET or HEAD addresses, or S3's error: NoSuchKey (with `x-amz-delete-marker` when
 * the current version is a delete marker), NoSuchVersion, or 405 for a delete marker named by id.
 */
export function addressedVersion(ctx: S3Context, bucket: Bucket, key: string): ObjectVersion {
  const versionId = versionIdParam(ctx);
  const version = ctx.store.findVersion(bucket, key, versionId);
  if (!version) throw versionId === undefined ? noSuchKey(key) : noSuchVersion(key, versionId);
  if (version.deleteMarker) {
    const markerHeaders = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': version.id };
    if (versionId === undefined) throw noSuchKey(key, markerHeaders);
    throw new S3Error(
      405,
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
      { Method: ctx.req.method, ResourceType: 'DeleteMarker' },
      { ...markerHeaders, 'last-modified': httpDate(version.lastModifiedSec), allow: 'DELETE' },
    );
  }
  return version;
}

function objectHeaders(
  bucket: Bucket,
  version: ObjectVersion,
  sseC: SseC | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': version.contentType ?? 'binary/octet-stream',
    etag: version.etag,
    'last-modified': httpDate(version.lastModifiedSec),
    'accept-ranges': 'bytes',
    ...versionIdHeader(bucket, version),
    ...metadataHeaders(version.metadata),
    ...encryptionHeaders(version.encryption, sseC),
  };
  if (version.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = version.storageClass;
  if (version.partsCount !== undefined && version.partsCount > 0) {
    headers['x-amz-mp-parts-count'] = String(version.partsCount);
  }
  return headers;
}

/** Evaluates If-Match / If-None-Match / If-(Un)Modified-Since as S3 does for GET and HEAD. */
function conditionalStatus(headers: Record<string, string>, version: ObjectVersion): number | undefined {
  const modifiedMs = version.lastModifiedSec * 1000;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined && !etagListMatches(ifMatch, version.etag)) return 412;
  const ifUnmodified = headers['if-unmodified-since'];
  if (ifMatch === undefined && ifUnmodified !== undefined && modifiedMs > Date.parse(ifUnmodified))
    return 412;
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, version.etag)) return 304;
  const ifModified = headers['if-modified-since'];
  if (ifNoneMatch === undefined && ifModified !== undefined && modifiedMs <= Date.parse(ifModified))
    return 304;
  return undefined;
}

function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((e) => {
    const candidate = e.trim();
    return candidate === '*' || candidate === etag || `"${candidate}"` === etag;
  });
}

function readVersion(ctx: S3Context): { bucket: Bucket; version: ObjectVersion; sseC: SseC | undefined } {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const version = addressedVersion(ctx, bucket, keyOf(ctx));
  const sseC = readSseCHeaders(ctx.req.headers, SSE_C_HEADERS);
  assertSseCReadable(version, sseC);
  return { bucket, version, sseC };
}

export function headObject(ctx: S3Context): SandboxResponse {
  const { bucket, version, sseC } = readVersion(ctx);
  const headers = objectHeaders(bucket, version, sseC);
  const condition = conditionalStatus(ctx.req.headers, version);
  if (condition === 412)
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions failed');
  if (condition === 304) return { status: 304, headers };
  return { status: 200, headers: { ...headers, 'content-length': String(version.size) } };
}

export function getObject(ctx: S3Context): SandboxResponse {
  const { bucket, version, sseC } = readVersion(ctx);
  assertNotArchived(version);
  const headers = objectHeaders(bucket, version, sseC);
  const condition = conditionalStatus(ctx.req.headers, version);
  if (condition === 412) {
    throw new S3Error(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: 'If-Match',
      },
    );
  }
  if (condition === 304) return { status: 304, headers };
  if (version.tags) headers['x-amz-tagging-count'] = String(Object.keys(version.tags).length);
  const range = parseRange(ctx.req.headers['range'], version.size);
  const [start, end] = range ?? [0, version.size - 1];
  const body = bytesOf(version, start, end);
  if (!range) return { status: 200, headers, body };
  return {
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${start}-${end}/${version.size}` },
    body,
  };
}

function bytesOf(version: ObjectVersion, start: number, end: number): Buffer {
  if (end < start) return Buffer.alloc(0);
  if (version.body) return version.body.subarray(start, end + 1);
  if (end - start + 1 > MAX_SYNTHETIC_BODY) {
    throw new S3Error(
      501,
      'NotImplemented',
      'The sandbox holds no bytes for this object; request a Range of at most 16 MiB',
    );
  }
  // Metadata-only versions (seeded huge objects) read as zeros.
  return Buffer.alloc(end - start + 1);
}

/** Inclusive byte range, undefined for no (or an unparseable) Range header; 416 when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
    if (suffix === 0) throw invalidRange(header, size);
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(header, size);
  return [start, end];
}

function invalidRange(header: string, size: number): S3Error {
  return new S3Error(
    416,
    'InvalidRange',
    'The requested range is not satisfiable',
    { RangeRequested: header, ActualObjectSize: String(size) },
    { 'content-range': `bytes */${size}` },
  );
}

export function deleteObject(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const key = keyOf(ctx);
  const versionId = versionIdParam(ctx);
  if (versionId !== undefined) {
    if (versionId === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
    const removed = ctx.store.deleteVersion(bucket, key, versionId);
    const headers: Record<string, string> = { 'x-amz-version-id': versionId };
    if (removed?.deleteMarker) headers['x-amz-delete-marker'] = 'true';
    return { status: 204, headers };
  }
  const marker = ctx.store.writeDeleteMarker(bucket, key);
  if (!marker) return { status: 204 };
  return { status: 204, headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.id } };
}

// Multipart upload, including UploadPartCopy of byte ranges: the only way to copy (and so to
// restore) a version over 5 GB. Parts copied from metadata-only sources stay metadata-only, so a
// 6 GB restore is tested without holding 6 GB.

import { createHash } from 'node:crypto';
import { md5Etag } from './s3-bodies.ts';
import { keyOf, type S3Context } from './s3-context.ts';
import { resolveCopySource } from './s3-copy.ts';
import { encryptionForWrite, encryptionHeaders } from './s3-encryption.ts';
import { invalidArgument, invalidRequest, malformedXml, S3Error } from './s3-errors.ts';
import { type Bucket, MAX_COPY_SIZE, type MultipartPart, type MultipartUpload } from './s3-model.ts';
import { assertKeyLength, storageClassFrom } from './s3-objects.ts';
import {
  isoDate,
  metadataFromHeaders,
  parseMaxKeys,
  requestBody,
  tagsFromHeader,
  xmlResponse,
} from './s3-protocol.ts';
import { readSseCHeaders, SSE_C_HEADERS, type SseC } from './s3-sse-c.ts';

import { assertSseCWriteAllowed } from './s3-write-guard.ts';
import type { SandboxResponse } from './types.ts';
import { childElements, childText, parseXml, XmlParseError, xmlLeaf } from './xml.ts';

const MIN_PART_SIZE = 5 * 1024 * 1024;

function requireUpload(ctx: S3Context, bucket: Bucket): MultipartUpload {
  const uploadId = ctx.req.query.get('uploadId') ?? '';
  const upload = bucket.uploads.get(uploadId);
  if (!upload || upload.key !== ctx.key) {
    throw new S3Error(
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    );
  }
  return upload;
}

function partNumberParam(ctx: S3Context): number {
  const raw = ctx.req.query.get('partNumber') ?? '';
  const partNumber = Number(raw);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  }
  return partNumber;
}

/** Parts of an SSE-C upload must carry the same key as its initiation, as S3 requires. */
function assertPartEncryption(ctx: S3Context, bucket: Bucket, upload: MultipartUpload): SseC | undefined {
  const sseC = readSseCHeaders(ctx.req.headers, SSE_C_HEADERS);
  const expected = upload.encryption?.kind === 'SSE-C' ? upload.encryption : undefined;
  if (expected && !sseC) {
    throw invalidRequest(
      'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
    );
  }
  if (sseC && (!expected || expected.keyMd5 !== sseC.keyMd5)) {
    throw invalidRequest('The provided encryption parameters did not match the ones used originally.');
  }
  if (sseC) assertSseCWriteAllowed(bucket, upload.key, ctx.caller);
  return sseC;
}

export function createMultipartUpload(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const key = keyOf(ctx);
  assertKeyLength(key);
  const headers = ctx.req.headers;
  const storageClass = storageClassFrom(headers['x-amz-storage-class']) ?? 'STANDARD';
  const tags = tagsFromHeader(headers['x-amz-tagging']);
  const { encryption, sseC } = encryptionForWrite(ctx, bucket, key);
  const uploadId = ctx.store.newUploadId();
  bucket.uploads.set(uploadId, {
    uploadId,
    key,
    initiatedSec: ctx.store.nowSec(),
    contentType: headers['content-type'],
    metadata: metadataFromHeaders(headers),
    tags,
    storageClass,
    encryption,
    parts: new Map(),
  });
  return xmlResponse(
    'InitiateMultipartUploadResult',
    xmlLeaf('Bucket', bucket.name) + xmlLeaf('Key', key) + xmlLeaf('UploadId', uploadId),
    encryptionHeaders(encryption, sseC),
  );
}

export function uploadPart(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const upload = requireUpload(ctx, bucket);
  const partNumber = partNumberParam(ctx);
  const sseC = assertPartEncryption(ctx, bucket, upload);
  const body = requestBody(ctx.req.headers, ctx.req.body);
  const part: MultipartPart = {
    partNumber,
    etag: md5Etag(body),
    size: body.length,
    body,
    lastModifiedSec: ctx.store.nowSec(),
  };
  upload.parts.set(partNumber, part);
  return { status: 200, headers: { etag: part.etag, ...encryptionHeaders(upload.encryption, sseC) } };
}

/** `x-amz-copy-source-range: bytes=first-last`, inclusive, within the source. */
function copyRange(header: string | undefined, size: number): [number, number] {
  if (header === undefined) return [0, size - 1];
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!match) {
    throw invalidArgument(
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      'x-amz-copy-source-range',
      header,
    );
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (first > last || last >= size) {
    throw invalidArgument(
      `Range specified is not valid for source object of size: ${size}`,
      'x-amz-copy-source-range',
      header,
    );
  }
  return [first, last];
}

export function uploadPartCopy(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const upload = requireUpload(ctx, bucket);
  const partNumber = partNumberParam(ctx);
  const sseC = assertPartEncryption(ctx, bucket, upload);
  const source = resolveCopySource(ctx);
  const src = source.version;
  const [first, last] = copyRange(ctx.req.headers['x-amz-copy-source-range'], src.size);
  const size = last - first + 1;
  if (size > MAX_COPY_SIZE) {
    throw invalidRequest(
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SIZE}`,
    );
  }
  const body = src.body?.subarray(first, last + 1);
  const part: MultipartPart = {
    partNumber,
    etag: body
      ? md5Etag(body)
      : `"${createHash('md5').update(`${src.etag}:${first}-${last}`).digest('hex')}"`,
    size,
    body,
    lastModifiedSec: ctx.store.nowSec(),
  };
  upload.parts.set(partNumber, part);
  const headers = encryptionHeaders(upload.encryption, sseC);
  if (src.id !== 'null') headers['x-amz-copy-source-version-id'] = src.id;
  return xmlResponse(
    'CopyPartResult',
    xmlLeaf('LastModified', isoDate(part.lastModifiedSec)) + xmlLeaf('ETag', part.etag),
    headers,
  );
}

function requestedParts(ctx: S3Context): Array<{ partNumber: number; etag: string }> {
  try {
    const root = parseXml(ctx.req.body.toString('utf8'));
    const parts = childElements(root, 'Part').map((p) => ({
      partNumber: Number(childText(p, 'PartNumber')),
      etag: childText(p, 'ETag') ?? '',
    }));
    if (root.name !== 'CompleteMultipartUpload' || parts.length === 0) throw malformedXml();
    return parts;
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
}

export function completeMultipartUpload(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const upload = requireUpload(ctx, bucket);
  const requested = requestedParts(ctx);
  const parts: MultipartPart[] = [];
  requested.forEach(({ partNumber, etag }, index) => {
    const previous = requested[index - 1];
    if (previous && previous.partNumber >= partNumber) {
      throw new S3Error(
        400,
        'InvalidPartOrder',
        'The list of parts was not in ascending order. Parts must be ordered by part number.',
        { UploadId: upload.uploadId },
      );
    }
    const part = upload.parts.get(partNumber);
    if (!part || (part.etag !== etag && part.etag !== `"${etag}"`)) {
      throw new S3Error(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
        { UploadId: upload.uploadId, PartNumber: String(partNumber), ETag: etag },
      );
    }
    parts.push(part);
  });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_SIZE) {
      throw new S3Error(
        400,
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size',
        {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      );
    }
  });
  const digests = parts.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex'));
  const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
  const allBytes = parts.every((p) => p.body !== undefined);
  const version = ctx.store.writeVersion(bucket, upload.key, {
    body: allBytes ? Buffer.concat(parts.map((p) => p.body as Buffer)) : undefined,
    size: parts.reduce((sum, p) => sum + p.size, 0),
    etag,
    contentType: upload.contentType,
    metadata: upload.metadata,
    storageClass: upload.storageClass,
    tags: upload.tags,
    encryption: upload.encryption,
    partsCount: parts.length,
  });
  bucket.uploads.delete(upload.uploadId);
  const headers: Record<string, string> = encryptionHeaders(upload.encryption, undefined);
  if (version.id !== 'null') headers['x-amz-version-id'] = version.id;
  return xmlResponse(
    'CompleteMultipartUploadResult',
    xmlLeaf('Location', `/${bucket.name}/${encodeURIComponent(upload.key)}`) +
      xmlLeaf('Bucket', bucket.name) +
      xmlLeaf('Key', upload.key) +
      xmlLeaf('ETag', etag),
    headers,
  );
}

export function abortMultipartUpload(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  bucket.uploads.delete(requireUpload(ctx, bucket).uploadId);
  return { status: 204 };
}

export function listParts(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const upload = requireUpload(ctx, bucket);
  const maxParts = parseMaxKeys(ctx.req.query.get('max-parts'));
  const marker = Number(ctx.req.query.get('part-number-marker') ?? '0');
  const all = [...upload.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  let inner =
    xmlLeaf('Bucket', bucket.name) +
    xmlLeaf('Key', upload.key) +
    xmlLeaf('UploadId', upload.uploadId) +
    xmlLeaf('PartNumberMarker', marker) +
    xmlLeaf('NextPartNumberMarker', page.at(-1)?.partNumber ?? marker) +
    xmlLeaf('MaxParts', maxParts) +
    xmlLeaf('IsTruncated', truncated) +
    xmlLeaf('StorageClass', upload.storageClass);
  for (const part of page) {
    inner += `<Part>${xmlLeaf('PartNumber', part.partNumber)}${xmlLeaf('LastModified', isoDate(part.lastModifiedSec))}${xmlLeaf('ETag', part.etag)}${xmlLeaf('Size', part.size)}</Part>`;
  }
  return xmlResponse('ListPartsResult', inner);
}

export function listMultipartUploads(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const prefix = ctx.req.query.get('prefix') ?? '';
  const uploads = [...bucket.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => (a.key === b.key ? a.initiatedSec - b.initiatedSec : a.key < b.key ? -1 : 1));
  let inner =
    xmlLeaf('Bucket', bucket.name) +
    xmlLeaf('Prefix', prefix) +
    xmlLeaf('MaxUploads', 1000) +
    xmlLeaf('IsTruncated', false);
  for (const u of uploads) {
    inner += `<Upload>${xmlLeaf('Key', u.key)}${xmlLeaf('UploadId', u.uploadId)}${xmlLeaf('StorageClass', u.storageClass)}${xmlLeaf('Initiated', isoDate(u.initiatedSec))}</Upload>`;
  }
  return xmlResponse('ListMultipartUploadsResult', inner);
}

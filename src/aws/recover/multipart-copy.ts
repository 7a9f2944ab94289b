import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type S3Client,
  type ServerSideEncryption,
  type StorageClass,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { RESTORE_RETRY, withRetry } from '../retry.ts';
import type { CopyOptions, CopySpec } from './copy-version.ts';
import { copySource } from './copy-version.ts';

const MIN_PART = 5 * 1024 ** 2;
const MAX_PART = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;

/** Inclusive byte ranges covering `size` in parts of at least `partSize`, at most 10,000 of them. */
export function partRanges(
  size: number,
  partSize: number,
): Array<{ partNumber: number; first: number; last: number }> {
  const part = Math.min(MAX_PART, Math.max(MIN_PART, partSize, Math.ceil(size / MAX_PARTS)));
  const ranges: Array<{ partNumber: number; first: number; last: number }> = [];
  for (let first = 0, n = 1; first < size; first += part, n++) {
    ranges.push({ partNumber: n, first, last: Math.min(size, first + part) - 1 });
  }
  return ranges;
}

/**
 * CopyObject stops at 5 GB: larger versions are copied with CreateMultipartUpload +
 * UploadPartCopy (byte ranges) + Complete. A multipart upload copies nothing of the source's
 * metadata by itself, so the content headers, user metadata, tags and storage class are read from
 * the source version and set on the upload. A failure aborts the upload (no orphaned parts).
 */
export async function multipartCopy(
  s3: S3Client,
  spec: CopySpec,
  opts: CopyOptions,
): Promise<{ versionId: string | null; requestIds: string[] }> {
  const retry = { ...RESTORE_RETRY, ...opts.retry, signal: opts.signal };
  const send = <T>(fn: () => Promise<T>) => withRetry(fn, retry);
  const requestIds: string[] = [];
  const note = (o: { $metadata: { requestId?: string } }) => {
    if (o.$metadata.requestId) requestIds.push(o.$metadata.requestId);
  };
  const source = { Bucket: spec.sourceBucket, Key: spec.sourceKey, VersionId: spec.sourceVersionId };
  const head = await send(() => s3.send(new HeadObjectCommand(source), { abortSignal: opts.signal }));
  const tagging = await send(() =>
    s3.send(new GetObjectTaggingCommand(source), { abortSignal: opts.signal }),
  );
  // encodeURIComponent, not URLSearchParams: a space must travel as %20, never as '+'.
  const tags = (tagging.TagSet ?? [])
    .map((t) => `${encodeURIComponent(t.Key ?? '')}=${encodeURIComponent(t.Value ?? '')}`)
    .join('&');
  const kms = head.ServerSideEncryption?.startsWith('aws:kms');
  const created = await send(() =>
    s3.send(
      new CreateMultipartUploadCommand({
        Bucket: spec.bucket,
        Key: spec.key,
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        Expires: head.Expires,
        WebsiteRedirectLocation: head.WebsiteRedirectLocation,
        Metadata: head.Metadata,
        StorageClass: (head.StorageClass ?? spec.storageClass ?? undefined) as StorageClass | undefined,
        ...(tags ? { Tagging: tags } : {}),
        ...(kms
          ? {
              ServerSideEncryption: head.ServerSideEncryption as ServerSideEncryption,
              SSEKMSKeyId: head.SSEKMSKeyId,
              BucketKeyEnabled: head.BucketKeyEnabled,
            }
          : {}),
      }),
      { abortSignal: opts.signal },
    ),
  );
  note(created);
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  const upload = { Bucket: spec.bucket, Key: spec.key, UploadId: uploadId };
  try {
    const ranges = partRanges(head.ContentLength ?? spec.size, opts.partSize ?? 512 * 1024 ** 2);
    const parts: Array<{ PartNumber: number; ETag: string }> = [];
    let next = 0;
    const lanes = Math.max(1, Math.min(opts.partConcurrency ?? 4, ranges.length));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < ranges.length) {
          const r = ranges[next++]!;
          const out = await send(() =>
            s3.send(
              new UploadPartCopyCommand({
                ...upload,
                PartNumber: r.partNumber,
                CopySource: copySource(spec.sourceBucket, spec.sourceKey, spec.sourceVersionId),
                CopySourceRange: `bytes=${r.first}-${r.last}`,
                // The source must not change under us (it cannot: a version id names immutable bytes).
                ...(head.ETag ? { CopySourceIfMatch: head.ETag } : {}),
              }),
              { abortSignal: opts.signal },
            ),
          );
          const etag = out.CopyPartResult?.ETag;
          if (!etag) throw new Error(`UploadPartCopy of part ${r.partNumber} returned no ETag`);
          parts.push({ PartNumber: r.partNumber, ETag: etag });
        }
      }),
    );
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    const done = await send(() =>
      s3.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } }), {
        abortSignal: opts.signal,
      }),
    );
    note(done);
    return { versionId: done.VersionId ?? null, requestIds };
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand(upload)).catch(() => undefined);
    throw error;
  }
}

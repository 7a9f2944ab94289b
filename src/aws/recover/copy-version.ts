import { CopyObjectCommand, type S3Client, type StorageClass } from '@aws-sdk/client-s3';
import { RESTORE_RETRY, type RetryOptions, withRetry } from '../retry.ts';
import { multipartCopy } from './multipart-copy.ts';
import { MAX_SINGLE_COPY } from './restore-decision.ts';

export interface CopySpec {
  bucket: string;
  key: string;
  sourceBucket: string;
  sourceKey: string;
  /** Undefined copies the source's current version (a bucket restored from backup). */
  sourceVersionId: string | undefined;
  size: number;
  storageClass: string | undefined;
}

export interface CopyOptions {
  signal?: AbortSignal | undefined;
  retry?: RetryOptions;
  /** Above this size the copy is multipart (default 5 GiB, CopyObject's limit). */
  multipartThreshold?: number;
  partSize?: number;
  partConcurrency?: number;
}

export interface CopyResult {
  versionId: string | null;
  requestIds: string[];
  multipart: boolean;
}

/** `bucket/key?versionId=…` with the key URL-encoded (slashes kept), as CopySource must be. */
export function copySource(bucket: string, key: string, versionId: string | undefined): string {
  const path = `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
  return versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(versionId)}`;
}

/**
 * Copies a version onto its key as a new current version. The copy is plain (no SSE-C headers),
 * so it passes the SSE-C block; metadata, content type and tags are copied by S3 (directives
 * COPY), the storage class is sent explicitly because CopyObject would otherwise make it STANDARD.
 */
export async function copyVersion(s3: S3Client, spec: CopySpec, opts: CopyOptions = {}): Promise<CopyResult> {
  if (spec.size > (opts.multipartThreshold ?? MAX_SINGLE_COPY)) {
    return { ...(await multipartCopy(s3, spec, opts)), multipart: true };
  }
  const storageClass = spec.storageClass && spec.storageClass !== 'STANDARD' ? spec.storageClass : undefined;
  const out = await withRetry(
    () =>
      s3.send(
        new CopyObjectCommand({
          Bucket: spec.bucket,
          Key: spec.key,
          CopySource: copySource(spec.sourceBucket, spec.sourceKey, spec.sourceVersionId),
          ...(storageClass ? { StorageClass: storageClass as StorageClass } : {}),
        }),
        { abortSignal: opts.signal },
      ),
    { ...RESTORE_RETRY, ...opts.retry, signal: opts.signal },
  );
  return {
    versionId: out.VersionId ?? null,
    requestIds: out.$metadata.requestId ? [out.$metadata.requestId] : [],
    multipart: false,
  };
}

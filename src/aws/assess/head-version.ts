import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../aws-errors.ts';
import { AbortedError, type RetryOptions, withRetry } from '../retry.ts';
import type { HeadOutcome } from './types.ts';

export interface HeadOptions {
  signal?: AbortSignal | undefined;
  retry?: RetryOptions;
  onRequest?: () => void;
}

/**
 * HEADs one version without an SSE-C key. S3 answers 400 for an SSE-C object; a HEAD error has no
 * body, so the SDK names it `Unknown` and only the status code can be trusted. Anything else that
 * is not a 200 (403 AccessDenied, 404 after a concurrent delete, 405 on a delete marker) is
 * reported as it is, never guessed into an answer.
 */
export async function headVersion(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string,
  opts: HeadOptions = {},
): Promise<HeadOutcome> {
  opts.onRequest?.();
  try {
    // No abortSignal on the request itself: a HEAD is over in moments, and a listener per request
    // on the scan's signal costs more CPU than that wait is worth. Retries still stop at once.
    await withRetry(
      () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
      opts.retry,
    );
    return { kind: 'plain' };
  } catch (error) {
    if (opts.signal?.aborted) throw new AbortedError();
    const status = httpStatusOf(error);
    if (status === 400) return { kind: 'sse-c' };
    const e = error as { name?: string; message?: string };
    return {
      kind: 'error',
      status,
      code: e.name ?? 'Error',
      message: status === undefined ? (e.message ?? String(error)) : `HEAD answered HTTP ${status}`,
    };
  }
}

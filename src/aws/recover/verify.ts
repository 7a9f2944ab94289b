import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Store } from '../../store/store.ts';
import { describeAwsError, httpStatusOf } from '../aws-errors.ts';
import { RESTORE_RETRY, type RetryOptions, withRetry } from '../retry.ts';
import { runPool } from './pool.ts';
import { type ProgressListener, throttledProgress } from './progress.ts';

export type RemainingState = 'sse-c' | 'missing' | 'error';

export interface VerifyReport {
  checked: number;
  clean: number;
  /** Current version still SSE-C: HEAD without a key answered 400. */
  stillSseC: number;
  /** No current object (a delete marker on top). */
  missing: number;
  errors: number;
  /** True only when every affected key reads back without a customer key. */
  done: boolean;
  remainingCount: number;
  /** A bounded sample of what is left, for the responder. */
  remaining: Array<{ bucket: string; key: string; state: RemainingState; detail?: string }>;
  requestIds: string[];
}

export interface VerifyParams {
  s3: S3Client;
  store: Store;
  runIds: number[];
  concurrency?: number;
  sampleSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  retry?: RetryOptions;
}

/**
 * Re-checks every affected key by HEAD of its current version without any customer key: 200 is
 * readable again, 400 means still SSE-C (DESIGN.md §2: decide on the status, HEAD errors have no
 * body), 404 means a delete marker hides it.
 */
export async function verifyRecovery(params: VerifyParams): Promise<VerifyReport> {
  const { s3, store, signal } = params;
  const sampleSize = params.sampleSize ?? 20;
  const report: VerifyReport = {
    checked: 0,
    clean: 0,
    stillSseC: 0,
    missing: 0,
    errors: 0,
    done: false,
    remainingCount: 0,
    remaining: [],
    requestIds: [],
  };
  const total = params.runIds.reduce((n, id) => n + store.assessments.counts(id).total, 0);
  const progress = throttledProgress(params.onProgress);
  const remember = (bucket: string, key: string, state: RemainingState, detail?: string) => {
    report.remainingCount++;
    if (report.remaining.length < sampleSize)
      report.remaining.push({ bucket, key, state, ...(detail ? { detail } : {}) });
  };

  const snapshot = () => ({
    phase: 'verifying' as const,
    total,
    done: report.checked,
    restored: report.clean,
    failed: report.remainingCount,
    skipped: 0,
    unrecoverable: 0,
  });

  function* keys(): Generator<{ bucket: string; key: string }> {
    for (const runId of params.runIds) {
      const run = store.assessments.getRun(runId);
      if (!run) throw new Error(`assessment run ${runId} does not exist`);
      for (const row of store.assessments.affected(runId)) yield { bucket: run.bucket, key: row.key };
    }
  }

  await runPool(
    keys(),
    params.concurrency ?? 32,
    async ({ bucket, key }) => {
      try {
        const out = await withRetry(
          () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }),
          { ...RESTORE_RETRY, ...params.retry, signal },
        );
        if (out.$metadata.requestId && report.requestIds.length < 20)
          report.requestIds.push(out.$metadata.requestId);
        report.clean++;
      } catch (error) {
        if (signal?.aborted) throw error;
        const status = httpStatusOf(error);
        if (status === 400) {
          report.stillSseC++;
          remember(bucket, key, 'sse-c');
        } else if (status === 404) {
          report.missing++;
          remember(bucket, key, 'missing');
        } else {
          report.errors++;
          remember(bucket, key, 'error', describeAwsError(error));
        }
      }
      report.checked++;
      progress.report(snapshot());
    },
    signal,
  );
  // The last word is always sent: a throttled run would otherwise end its progress short of the total.
  progress.report(snapshot(), true);
  report.done = report.checked === total && report.remainingCount === 0;
  return report;
}

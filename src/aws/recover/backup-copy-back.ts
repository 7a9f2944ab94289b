import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AffectedObject } from '../../store/assessments.ts';
import { describeAwsError, httpStatusOf } from '../aws-errors.ts';
import { RESTORE_RETRY, type RetryOptions, withRetry } from '../retry.ts';
import type { BackupBucketOutcome, BackupRestoreParams, StartedJob } from './backup-restore.ts';
import { copyVersion } from './copy-version.ts';
import { runPool } from './pool.ts';
import { throttledProgress } from './progress.ts';
import { RecoveryLog } from './recovery-log.ts';
import type { RestoreTally } from './restore-versions.ts';

const SAMPLE = 20;

type Head = {
  status: number;
  versionId?: string | undefined;
  etag?: string | undefined;
  size?: number;
  storageClass?: string | undefined;
};

async function head(s3: S3Client, bucket: string, key: string, retry: RetryOptions): Promise<Head> {
  try {
    const out = await withRetry(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), retry);
    return {
      status: 200,
      versionId: out.VersionId,
      etag: out.ETag,
      size: out.ContentLength ?? 0,
      storageClass: out.StorageClass,
    };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === undefined) throw error;
    return { status };
  }
}

/**
 * Copies each affected key back from the bucket AWS Backup restored into. A key the recovery point
 * did not hold is unrecoverable (and reported); one whose current version already has the
 * restored bytes is recorded, not copied again; a newer plain version is never overwritten.
 */
export async function copyBack(
  params: BackupRestoreParams,
  bucket: string,
  runId: number,
  job: StartedJob,
  result: BackupBucketOutcome,
  tally: RestoreTally,
): Promise<void> {
  const { store, s3, signal } = params;
  const retry: RetryOptions = { ...RESTORE_RETRY, ...params.retry, signal, onRetry: () => tally.retries++ };
  const log = new RecoveryLog(store);
  const todo = new Set(['pending', 'failed', 'unrecoverable']);
  const c = store.assessments.counts(runId);
  const total = c.pending + c.failed + c.unrecoverable;
  let done = 0;
  const snapshot = () => ({
    phase: 'restoring' as const,
    total,
    done,
    restored: tally.copied + tally.alreadyRestored,
    failed: tally.failed,
    skipped: tally.skipped,
    unrecoverable: tally.unrecoverable,
    detail: `copying back from ${job.restoreBucket}`,
  });
  const progress = throttledProgress(params.onProgress);
  function* rows(): Generator<AffectedObject> {
    for (const row of store.assessments.affected(runId)) if (todo.has(row.recoveryStatus)) yield row;
  }
  const fail = (row: AffectedObject, status: 'failed' | 'unrecoverable', reason: string) => {
    tally[status]++;
    log.mark({ runId, key: row.key, status, error: reason });
    if (status === 'failed' && tally.failures.length < 100)
      tally.failures.push({ bucket, key: row.key, reason });
  };
  try {
    await runPool(
      rows(),
      params.concurrency ?? 32,
      async (row) => {
        try {
          const saved = await head(s3, job.restoreBucket, row.key, retry);
          if (saved.status === 404) {
            result.notInRecoveryPoint++;
            if (result.notInRecoveryPointSample.length < SAMPLE)
              result.notInRecoveryPointSample.push(row.key);
            fail(row, 'unrecoverable', `not in recovery point ${job.recoveryPointArn}`);
            return;
          }
          if (saved.status !== 200)
            return fail(row, 'failed', `HEAD in the restore bucket answered ${saved.status}`);
          const current = await head(s3, bucket, row.key, retry);
          if (current.status === 200 && current.etag === saved.etag && current.versionId) {
            tally.alreadyRestored++;
            log.mark({ runId, key: row.key, status: 'restored', restoredVersionId: current.versionId });
            return;
          }
          const attackersStill =
            current.status === 400 || current.status === 404 || current.versionId === row.versionId;
          if (!attackersStill) {
            return fail(
              row,
              'failed',
              `current version ${current.versionId ?? '?'} is newer than the attacker's and not SSE-C: not overwriting it`,
            );
          }
          const out = await copyVersion(
            s3,
            {
              bucket,
              key: row.key,
              sourceBucket: job.restoreBucket,
              sourceKey: row.key,
              sourceVersionId: saved.versionId,
              size: saved.size ?? 0,
              storageClass: saved.storageClass,
            },
            { signal, retry },
          );
          tally.copied++;
          log.mark({ runId, key: row.key, status: 'restored', restoredVersionId: out.versionId });
        } catch (error) {
          if (signal?.aborted) return;
          fail(row, 'failed', describeAwsError(error));
        } finally {
          done++;
          tally.considered++;
          progress.report(snapshot());
        }
      },
      signal,
    );
    // The last word is always sent: a throttled run would otherwise end its progress short of the total.
    progress.report(snapshot(), true);
  } finally {
    log.flush();
  }
}

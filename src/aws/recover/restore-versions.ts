import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AffectedObject, RecoveryStatus } from '../../store/assessments.ts';
import type { Store } from '../../store/store.ts';
import { describeAwsError, errorCodeOf, httpStatusOf } from '../aws-errors.ts';
import { RESTORE_RETRY, type RetryOptions, withRetry } from '../retry.ts';
import { type CopyOptions, copyVersion } from './copy-version.ts';
import { runPool } from './pool.ts';
import { type ProgressListener, throttledProgress } from './progress.ts';
import { RecoveryLog } from './recovery-log.ts';
import {
  type Decision,
  decideAfterHead,
  decideFromListing,
  type HeadResult,
  type KeyVersions,
} from './restore-decision.ts';
import { lookupVersions } from './version-lookup.ts';

export interface RestoreVersionsParams {
  s3: S3Client;
  store: Store;
  runIds: number[];
  concurrency?: number;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  retry?: RetryOptions;
  copy?: Pick<CopyOptions, 'multipartThreshold' | 'partSize' | 'partConcurrency'>;
  /** Rows to work on; default pending and failed, so a re-run retries what failed. */
  statuses?: RecoveryStatus[];
  /** Leaves rows another strategy handles (e.g. Batch Operations) alone. */
  include?: (row: AffectedObject) => boolean;
  /** Keys looked up per listing walk. */
  chunkSize?: number;
  logBatch?: { maxRows?: number; maxDelayMs?: number };
}

export interface FailureSample {
  bucket: string;
  key: string;
  reason: string;
}

export interface RestoreTally {
  considered: number;
  /** New versions written by this run: exactly one per object it restored. */
  copied: number;
  /** Found already restored (a run that died after copying, before recording it). */
  alreadyRestored: number;
  skipped: number;
  failed: number;
  unrecoverable: number;
  multipart: number;
  retries: number;
  aborted: boolean;
  /** A bounded sample, for the audit log. */
  requestIds: string[];
  failures: FailureSample[];
}

const SAMPLE = 100;

interface WorkItem {
  bucket: string;
  row: AffectedObject;
  versions: KeyVersions;
}

export function emptyTally(): RestoreTally {
  return {
    considered: 0,
    copied: 0,
    alreadyRestored: 0,
    skipped: 0,
    failed: 0,
    unrecoverable: 0,
    multipart: 0,
    retries: 0,
    aborted: false,
    requestIds: [],
    failures: [],
  };
}

async function headCurrent(
  s3: S3Client,
  bucket: string,
  key: string,
  retry: RetryOptions,
): Promise<HeadResult> {
  try {
    const out = await withRetry(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), retry);
    return { status: 200, versionId: out.VersionId, etag: out.ETag, size: out.ContentLength };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === undefined) throw error;
    return { status };
  }
}

/**
 * Restores each affected object by copying its clean version onto the same key (the attacker's
 * version stays as evidence). Resumable and exactly-once: the state of every object lives in
 * SQLite, and before copying, the listing tells whether the attacker's version is still current;
 * an object whose current version is already our copy is recorded, not copied again.
 */
export async function restoreFromVersions(params: RestoreVersionsParams): Promise<RestoreTally> {
  const { s3, store, signal } = params;
  const statuses = params.statuses ?? ['pending', 'failed'];
  const tally = emptyTally();
  const retry: RetryOptions = {
    ...RESTORE_RETRY,
    ...params.retry,
    signal,
    onRetry: (error, attempt, delay) => {
      tally.retries++;
      params.retry?.onRetry?.(error, attempt, delay);
    },
  };
  const log = new RecoveryLog(store, params.logBatch);
  const total = params.runIds.reduce((n, id) => {
    const c = store.assessments.counts(id);
    return n + statuses.reduce((m, s) => m + c[s], 0);
  }, 0);
  const progress = throttledProgress(params.onProgress);
  const report = (force = false) =>
    progress.report(
      {
        phase: 'restoring',
        total,
        done: tally.considered,
        restored: tally.copied + tally.alreadyRestored,
        failed: tally.failed,
        skipped: tally.skipped,
        unrecoverable: tally.unrecoverable,
      },
      force,
    );
  const noteRequest = (id: string | undefined) => {
    if (id && tally.requestIds.length < SAMPLE) tally.requestIds.push(id);
  };

  async function* work(): AsyncGenerator<WorkItem> {
    const chunkSize = params.chunkSize ?? 1000;
    for (const runId of params.runIds) {
      const run = store.assessments.getRun(runId);
      if (!run) throw new Error(`assessment run ${runId} does not exist`);
      const lookup = (rows: AffectedObject[]) => {
        const items = lookupVersions(s3, run.bucket, rows, { retry, onRequest: noteRequest }).then((map) =>
          rows.map((row) => ({ bucket: run.bucket, row, versions: map.get(row.key)! })),
        );
        // A look-ahead may fail after the consumer stopped (abort): it must not go unhandled.
        items.catch(() => undefined);
        return items;
      };
      // One chunk's listing runs while the previous chunk is being copied.
      let ahead: Promise<WorkItem[]> | undefined;
      let chunk: AffectedObject[] = [];
      for (const row of store.assessments.affected(runId)) {
        if (signal?.aborted) return;
        if (!statuses.includes(row.recoveryStatus) || (params.include && !params.include(row))) continue;
        chunk.push(row);
        if (chunk.length < chunkSize) continue;
        const next = lookup(chunk);
        chunk = [];
        if (ahead) yield* await ahead;
        ahead = next;
      }
      const last = chunk.length > 0 ? lookup(chunk) : undefined;
      if (ahead) yield* await ahead;
      if (last) yield* await last;
    }
  }

  const record = (item: WorkItem, d: Exclude<Decision, { action: 'copy' } | { action: 'check' }>) => {
    const { row } = item;
    if (d.status === 'restored') {
      tally.alreadyRestored++;
      log.mark({
        runId: row.runId,
        key: row.key,
        status: 'restored',
        restoredVersionId: d.restoredVersionId,
      });
      return;
    }
    tally[d.status]++;
    log.mark({ runId: row.runId, key: row.key, status: d.status, error: d.reason });
    if (d.status === 'failed' && tally.failures.length < SAMPLE) {
      tally.failures.push({ bucket: item.bucket, key: row.key, reason: d.reason });
    }
  };

  async function restoreOne(item: WorkItem): Promise<void> {
    const { row, bucket } = item;
    try {
      let decision = decideFromListing(row, item.versions);
      if (decision.action === 'check' && item.versions.source) {
        decision = decideAfterHead(item.versions.source, await headCurrent(s3, bucket, row.key, retry));
      }
      if (decision.action === 'copy') {
        const out = await copyVersion(
          s3,
          {
            bucket,
            key: row.key,
            sourceBucket: bucket,
            sourceKey: row.key,
            sourceVersionId: decision.source.versionId,
            size: decision.source.size ?? row.restoreSize ?? 0,
            storageClass: decision.source.storageClass,
          },
          { ...params.copy, signal, retry },
        );
        tally.copied++;
        if (out.multipart) tally.multipart++;
        for (const id of out.requestIds) noteRequest(id);
        log.mark({ runId: row.runId, key: row.key, status: 'restored', restoredVersionId: out.versionId });
      } else if (decision.action === 'mark') {
        record(item, decision);
      }
    } catch (error) {
      // Stopped on purpose: the object stays pending and the next run picks it up.
      if (signal?.aborted) return;
      const reason =
        errorCodeOf(error) === 'InvalidObjectState' && row.restoreVersionId
          ? archivedSourceReason(bucket, row.key, row.restoreVersionId, item.versions.source?.storageClass)
          : describeAwsError(error);
      record(item, { action: 'mark', status: 'failed', reason });
    } finally {
      if (!signal?.aborted) tally.considered++;
      report();
    }
  }

  try {
    await runPool(work(), params.concurrency ?? 32, restoreOne, signal);
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    log.flush();
  }
  tally.aborted = signal?.aborted === true;
  report(true);
  return tally;
}

/**
 * S3 will not copy a version archived in Glacier Flexible Retrieval or Deep Archive (or an
 * Intelligent-Tiering archive tier) until it is restored, which takes hours and costs money: a
 * decision for the responder, so the object is left failed with the command that starts it.
 */
export function archivedSourceReason(
  bucket: string,
  key: string,
  versionId: string,
  storageClass: string | undefined,
): string {
  return (
    `the clean version is archived${storageClass ? ` (${storageClass})` : ''} and must be restored before it can be copied: ` +
    `aws s3api restore-object --bucket ${bucket} --key ${shellQuote(key)} --version-id ${shellQuote(versionId)} ` +
    `--restore-request Days=7, then run the recovery again once it is readable`
  );
}

/** Single quotes for a POSIX shell: a key pasted into a terminal must stay one literal argument. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

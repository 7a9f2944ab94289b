import type { BackupClient } from '@aws-sdk/client-backup';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { RecoveryStatus } from '../../store/assessments.ts';
import type { Store } from '../../store/store.ts';
import type { RetryOptions } from '../retry.ts';
import { type BackupOptions, type BackupOutcome, restoreFromBackup } from './backup-restore.ts';
import { type BatchOptions, type BatchOutcome, restoreWithBatch } from './batch-restore.ts';
import type { RecoveryStrategy } from './choose-strategy.ts';
import type { CopyOptions } from './copy-version.ts';
import type { ProgressListener } from './progress.ts';
import { MAX_SINGLE_COPY } from './restore-decision.ts';
import { type FailureSample, type RestoreTally, restoreFromVersions } from './restore-versions.ts';

export interface RecoverParams {
  clients: {
    s3: S3Client;
    backup?: BackupClient;
    s3control?: S3ControlClient;
    accountId?: string | undefined;
  };
  store: Store;
  incidentId?: number | null;
  runIds: number[];
  strategy?: RecoveryStrategy;
  concurrency?: number;
  dryRun?: boolean;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Names the Backup restore jobs and Batch jobs this recovery starts, so a re-run resumes them. */
  idempotencyKey?: string;
  batch?: BatchOptions;
  backup?: BackupOptions;
  retry?: RetryOptions;
  copy?: Pick<CopyOptions, 'multipartThreshold' | 'partSize' | 'partConcurrency'>;
  sampleSize?: number;
}

export interface RecoveryPlanRun {
  runId: number;
  bucket: string;
  counts: Record<RecoveryStatus, number> & { total: number };
  toRestore: number;
  bytes: number;
  large: number;
  sample: string[];
}

export interface RecoverResult {
  strategy: RecoveryStrategy;
  dryRun: boolean;
  /** Totals over the runs' objects as recorded after this call. */
  restored: number;
  failed: number;
  unrecoverable: number;
  skipped: number;
  pending: number;
  total: number;
  /** What this call did. */
  copied: number;
  alreadyRestored: number;
  retries: number;
  aborted: boolean;
  jobIds: string[];
  awsRequestIds: string[];
  failures: FailureSample[];
  plan?: RecoveryPlanRun[];
  backup?: BackupOutcome;
  batch?: BatchOutcome;
}

/** What a recovery would do, from SQLite alone: counts, bytes, objects over 5 GB, a sample. */
export function planRecovery(store: Store, runIds: number[], sampleSize = 10): RecoveryPlanRun[] {
  return runIds.map((runId) => {
    const run = store.assessments.getRun(runId);
    if (!run) throw new Error(`assessment run ${runId} does not exist`);
    const { changed: _changed, ...counts } = store.assessments.counts(runId);
    const plan: RecoveryPlanRun = {
      runId,
      bucket: run.bucket,
      counts,
      toRestore: 0,
      bytes: 0,
      large: 0,
      sample: [],
    };
    for (const row of store.assessments.affected(runId)) {
      if (row.recoveryStatus !== 'pending' && row.recoveryStatus !== 'failed') continue;
      plan.toRestore++;
      plan.bytes += row.restoreSize ?? 0;
      if ((row.restoreSize ?? 0) > MAX_SINGLE_COPY) plan.large++;
      if (plan.sample.length < sampleSize) plan.sample.push(row.key);
    }
    return plan;
  });
}

function totals(store: Store, runIds: number[]) {
  const t = { restored: 0, failed: 0, unrecoverable: 0, skipped: 0, pending: 0, total: 0 };
  for (const id of runIds) {
    const c = store.assessments.counts(id);
    for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += c[k];
  }
  return t;
}

/**
 * Recovers the affected objects of the given assessment runs with one strategy. Returns counts,
 * never per-object lists (those are in SQLite); safe to call again after a crash or an abort.
 */
export async function recover(params: RecoverParams): Promise<RecoverResult> {
  const strategy = params.strategy ?? 'versions';
  const { store, runIds } = params;
  const base = {
    strategy,
    copied: 0,
    alreadyRestored: 0,
    retries: 0,
    aborted: false,
    jobIds: [] as string[],
    awsRequestIds: [] as string[],
    failures: [] as FailureSample[],
  };
  if (params.dryRun) {
    return {
      ...base,
      dryRun: true,
      ...totals(store, runIds),
      plan: planRecovery(store, runIds, params.sampleSize),
    };
  }
  const idempotencyKey = params.idempotencyKey ?? `recover/${runIds.join(',')}/${strategy}`;
  const versions = (): Promise<RestoreTally> =>
    restoreFromVersions({
      s3: params.clients.s3,
      store,
      runIds,
      concurrency: params.concurrency,
      signal: params.signal,
      onProgress: params.onProgress,
      ...(params.retry ? { retry: params.retry } : {}),
      ...(params.copy ? { copy: params.copy } : {}),
    });
  const absorb = (t: RestoreTally) => {
    base.copied += t.copied;
    base.alreadyRestored += t.alreadyRestored;
    base.retries += t.retries;
    base.aborted ||= t.aborted;
    base.awsRequestIds.push(...t.requestIds);
    base.failures.push(...t.failures);
  };
  let backup: BackupOutcome | undefined;
  let batch: BatchOutcome | undefined;
  if (strategy === 'versions') {
    absorb(await versions());
  } else if (strategy === 'backup') {
    if (!params.backup || !params.clients.backup)
      throw new Error('the backup strategy needs backup options and a Backup client');
    backup = await restoreFromBackup({
      ...params,
      backupClient: params.clients.backup,
      s3: params.clients.s3,
      options: params.backup,
      idempotencyKey,
    });
    absorb(backup.tally);
    base.jobIds.push(...backup.restoreJobIds);
  } else {
    if (!params.batch || !params.clients.s3control)
      throw new Error('the batch strategy needs batch options and an S3 Control client');
    batch = await restoreWithBatch({
      ...params,
      s3control: params.clients.s3control,
      s3: params.clients.s3,
      options: params.batch,
      idempotencyKey,
    });
    base.jobIds.push(...batch.jobs.map((j) => j.jobId));
    base.awsRequestIds.push(...batch.requestIds);
    // Batch copies stop at 5 GB: larger objects, and any the job did not restore, are copied here.
    if (!batch.awaitingConfirmation && !params.signal?.aborted) {
      absorb(await versions());
    }
  }
  return {
    ...base,
    dryRun: false,
    ...totals(store, runIds),
    ...(backup ? { backup } : {}),
    ...(batch ? { batch } : {}),
  };
}

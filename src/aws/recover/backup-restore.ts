import { createHash } from 'node:crypto';
import {
  type BackupClient,
  DescribeRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByResourceCommand,
  type RecoveryPointByResource,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Store } from '../../store/store.ts';
import { RESTORE_RETRY, type RetryOptions, sleep, withRetry } from '../retry.ts';
import { copyBack } from './backup-copy-back.ts';
import { type ProgressListener, throttledProgress } from './progress.ts';
import { jobLedgerKey } from './recovery-log.ts';
import { emptyTally, type RestoreTally } from './restore-versions.ts';

export interface BackupOptions {
  /** The role AWS Backup assumes to create and write the restore bucket. */
  roleArn: string;
  /** Consider only recovery points in this vault. */
  vaultName?: string;
  /** Use the latest recovery point created before this; default the assessment window's start. */
  before?: Date;
  restoreBucketName?: (bucket: string, runId: number) => string;
  pollMs?: number;
}

export interface BackupBucketOutcome {
  runId: number;
  bucket: string;
  recoveryPointArn: string | null;
  recoveryPointDate: string | null;
  restoreBucket: string | null;
  restoreJobId: string | null;
  status: string;
  /** Affected keys the recovery point did not hold (they stay unrecovered). */
  notInRecoveryPoint: number;
  notInRecoveryPointSample: string[];
}

export interface BackupOutcome {
  restoreJobIds: string[];
  buckets: BackupBucketOutcome[];
  notInRecoveryPoint: number;
  tally: RestoreTally;
}

export interface StartedJob {
  restoreJobId: string;
  restoreBucket: string;
  recoveryPointArn: string;
  recoveryPointDate: string | null;
}

const TERMINAL = new Set(['COMPLETED', 'ABORTED', 'FAILED']);

/** The latest completed recovery point created before `before`; pure. */
export function chooseRecoveryPoint(
  points: RecoveryPointByResource[],
  before: Date,
  vaultName?: string,
): RecoveryPointByResource | undefined {
  return points
    .filter((p) => p.CreationDate && p.CreationDate.getTime() < before.getTime())
    .filter((p) => p.Status === undefined || p.Status === 'COMPLETED')
    .filter((p) => !vaultName || p.BackupVaultName === vaultName)
    .sort((a, b) => b.CreationDate!.getTime() - a.CreationDate!.getTime())[0];
}

/** A fresh, valid bucket name per run: a restore must never land on keys that exist. */
export function defaultRestoreBucket(bucket: string, runId: number, token: string): string {
  const suffix = `-ssec-r${runId}-${token.slice(0, 6)}`;
  return `${bucket.slice(0, 63 - suffix.length).replace(/[.-]+$/, '')}${suffix}`;
}

async function listPoints(backup: BackupClient, bucket: string): Promise<RecoveryPointByResource[]> {
  const points: RecoveryPointByResource[] = [];
  let token: string | undefined;
  do {
    const page = await backup.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: `arn:aws:s3:::${bucket}`, NextToken: token }),
    );
    points.push(...(page.RecoveryPoints ?? []));
    token = page.NextToken;
  } while (token);
  return points;
}

export interface BackupRestoreParams {
  s3: S3Client;
  backupClient: BackupClient;
  store: Store;
  incidentId?: number | null;
  runIds: number[];
  options: BackupOptions;
  idempotencyKey: string;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  retry?: RetryOptions;
}

/**
 * Restores from AWS Backup: the latest recovery point before the incident window goes into a NEW
 * bucket (an in-place restore skips every key that exists, i.e. exactly the attacker's), then the
 * affected keys are copied back from it. Keys the recovery point lacks are reported, not guessed.
 */
export async function restoreFromBackup(params: BackupRestoreParams): Promise<BackupOutcome> {
  const outcome: BackupOutcome = {
    restoreJobIds: [],
    buckets: [],
    notInRecoveryPoint: 0,
    tally: emptyTally(),
  };
  for (const runId of params.runIds) {
    const b = await restoreRun(params, runId, outcome.tally);
    outcome.buckets.push(b);
    if (b.restoreJobId) outcome.restoreJobIds.push(b.restoreJobId);
    outcome.notInRecoveryPoint += b.notInRecoveryPoint;
    if (params.signal?.aborted) break;
  }
  outcome.tally.aborted = params.signal?.aborted === true;
  return outcome;
}

async function restoreRun(
  params: BackupRestoreParams,
  runId: number,
  tally: RestoreTally,
): Promise<BackupBucketOutcome> {
  const { store, options } = params;
  const run = store.assessments.getRun(runId);
  if (!run) throw new Error(`assessment run ${runId} does not exist`);
  const result: BackupBucketOutcome = {
    runId,
    bucket: run.bucket,
    recoveryPointArn: null,
    recoveryPointDate: null,
    restoreBucket: null,
    restoreJobId: null,
    status: 'NO_RECOVERY_POINT',
    notInRecoveryPoint: 0,
    notInRecoveryPointSample: [],
  };
  const ledgerKey = jobLedgerKey(store, `${params.idempotencyKey}/backup/${runId}`);
  const record = store.effects.begin(ledgerKey, 'recover:backup', params.incidentId ?? null);
  let job = record.beforeState as StartedJob | undefined;
  if (!job) {
    const point = chooseRecoveryPoint(
      await listPoints(params.backupClient, run.bucket),
      options.before ?? run.windowStart,
      options.vaultName,
    );
    if (!point?.RecoveryPointArn || !point.BackupVaultName) {
      store.effects.succeed(ledgerKey, result);
      return result;
    }
    job = await startJob(params, run.bucket, runId, point, ledgerKey);
    // Saved once: a re-run follows this job instead of starting another.
    store.effects.saveBeforeState(ledgerKey, job);
  }
  Object.assign(result, {
    recoveryPointArn: job.recoveryPointArn,
    recoveryPointDate: job.recoveryPointDate,
    restoreBucket: job.restoreBucket,
    restoreJobId: job.restoreJobId,
  });
  const finished = await waitForJob(params, job.restoreJobId, run.bucket);
  result.status = finished?.Status ?? 'ABORTED_BY_CALLER';
  if (finished?.Status !== 'COMPLETED') {
    if (finished)
      store.effects.fail(ledgerKey, `restore job ${result.status}: ${finished.StatusMessage ?? ''}`);
    if (!finished) return result;
    throw new Error(
      `AWS Backup restore job ${job.restoreJobId} ended ${result.status}: ${finished.StatusMessage ?? 'no message'}`,
    );
  }
  await copyBack(params, run.bucket, runId, job, result, tally);
  if (!params.signal?.aborted) store.effects.succeed(ledgerKey, result);
  return result;
}

async function startJob(
  params: BackupRestoreParams,
  bucket: string,
  runId: number,
  point: RecoveryPointByResource,
  ledgerKey: string,
): Promise<StartedJob> {
  const token = createHash('sha256').update(ledgerKey).digest('hex');
  const restoreBucket =
    params.options.restoreBucketName?.(bucket, runId) ?? defaultRestoreBucket(bucket, runId, token);
  const meta = await params.backupClient.send(
    new GetRecoveryPointRestoreMetadataCommand({
      BackupVaultName: point.BackupVaultName,
      RecoveryPointArn: point.RecoveryPointArn,
    }),
  );
  const started = await params.backupClient.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: point.RecoveryPointArn,
      IamRoleArn: params.options.roleArn,
      ResourceType: 'S3',
      IdempotencyToken: token,
      Metadata: {
        ...(meta.RestoreMetadata ?? {}),
        DestinationBucketName: restoreBucket,
        NewBucket: 'true',
        CreationToken: token.slice(0, 32),
      },
    }),
  );
  if (!started.RestoreJobId) throw new Error('StartRestoreJob returned no RestoreJobId');
  return {
    restoreJobId: started.RestoreJobId,
    restoreBucket,
    recoveryPointArn: point.RecoveryPointArn!,
    recoveryPointDate: point.CreationDate?.toISOString() ?? null,
  };
}

async function waitForJob(
  params: BackupRestoreParams,
  jobId: string,
  bucket: string,
): Promise<DescribeRestoreJobCommandOutput | undefined> {
  const progress = throttledProgress(params.onProgress, 0);
  for (;;) {
    const job = await withRetry(
      () => params.backupClient.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId })),
      {
        ...RESTORE_RETRY,
        ...params.retry,
        signal: params.signal,
      },
    );
    const percent = Number.parseFloat(job.PercentDone ?? '0') || 0;
    progress.report({
      phase: 'backup-restore',
      total: 100,
      done: Math.round(percent),
      restored: 0,
      failed: 0,
      skipped: 0,
      unrecoverable: 0,
      detail: `AWS Backup restore of ${bucket}: ${job.Status ?? '?'} ${job.PercentDone ?? ''}`.trim(),
    });
    if (job.Status && TERMINAL.has(job.Status)) return job;
    try {
      await sleep(params.options.pollMs ?? 15_000, params.signal);
    } catch {
      return undefined;
    }
  }
}

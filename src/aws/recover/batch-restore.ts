import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  type JobDescriptor,
  type S3ControlClient,
  UpdateJobStatusCommand,
} from '@aws-sdk/client-s3-control';
import type { Store } from '../../store/store.ts';
import { RESTORE_RETRY, type RetryOptions, sleep, withRetry } from '../retry.ts';
import { manifestLine, parseReport } from './batch-csv.ts';
import type { ProgressListener } from './progress.ts';
import { throttledProgress } from './progress.ts';
import { jobLedgerKey, RecoveryLog } from './recovery-log.ts';
import { MAX_SINGLE_COPY } from './restore-decision.ts';

export interface BatchOptions {
  /** The account the job runs in (S3 Control addresses jobs by account). */
  accountId: string;
  /** A role trusted by batchoperations.s3.amazonaws.com that may read the manifest and copy. */
  roleArn: string;
  /** Where the manifest and the completion report go. */
  manifestBucket: string;
  manifestPrefix?: string;
  /**
   * The job is created with ConfirmationRequired; it runs only once confirmed. `true` confirms at
   * once (the workflow's approval already covered it); a function is asked when the job is ready.
   */
  confirm: boolean | (() => Promise<boolean>);
  pollMs?: number;
  priority?: number;
}

export interface BatchJobOutcome {
  runId: number;
  bucket: string;
  jobId: string;
  manifestKey: string;
  status: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Objects whose state the completion report settled. */
  reconciled: number;
}

export interface BatchOutcome {
  jobs: BatchJobOutcome[];
  /** A job waits for confirmation: call again (same idempotency key) once approved. */
  awaitingConfirmation: boolean;
  requestIds: string[];
}

interface CreatedJob {
  jobId: string;
  manifestKey: string;
  objects: number;
}

const RUNNING_DONE = new Set(['Complete', 'Failed', 'Cancelled']);

export interface BatchRestoreParams {
  s3: S3Client;
  s3control: S3ControlClient;
  store: Store;
  incidentId?: number | null;
  runIds: number[];
  options: BatchOptions;
  idempotencyKey: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  retry?: RetryOptions;
}

const tokenOf = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** Confirms a job created with ConfirmationRequired (S3 holds it Suspended until then). */
export async function confirmBatchJob(
  s3control: S3ControlClient,
  accountId: string,
  jobId: string,
): Promise<string[]> {
  const out = await s3control.send(
    new UpdateJobStatusCommand({
      AccountId: accountId,
      JobId: jobId,
      RequestedJobStatus: 'Ready',
      StatusUpdateReason: 'approved in ssec-responder',
    }),
  );
  return out.$metadata.requestId ? [out.$metadata.requestId] : [];
}

/**
 * Hands a large restore to S3 Batch Operations: a CSV manifest of (bucket, key, clean version) to
 * the configured bucket, an S3PutObjectCopy job onto the same bucket, confirmation, progress, and
 * the completion report reconciled into each object's state. Objects over 5 GB are left for the
 * multipart restorer (Batch copies stop at 5 GB).
 */
export async function restoreWithBatch(params: BatchRestoreParams): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { jobs: [], awaitingConfirmation: false, requestIds: [] };
  for (const runId of params.runIds) {
    const job = await runJob(params, runId, outcome);
    if (job) outcome.jobs.push(job);
    if (params.signal?.aborted || outcome.awaitingConfirmation) break;
  }
  return outcome;
}

async function runJob(
  params: BatchRestoreParams,
  runId: number,
  outcome: BatchOutcome,
): Promise<BatchJobOutcome | undefined> {
  const { store, options, s3control } = params;
  const run = store.assessments.getRun(runId);
  if (!run) throw new Error(`assessment run ${runId} does not exist`);
  const ledgerKey = jobLedgerKey(store, `${params.idempotencyKey}/batch/${runId}`);
  const record = store.effects.begin(ledgerKey, 'recover:batch', params.incidentId ?? null);
  // Done before (or nothing to do): what is left over is the per-object restorer's.
  if (record.status === 'succeeded') return (record.result as BatchJobOutcome | null) ?? undefined;
  let created = record.beforeState as CreatedJob | undefined;
  if (!created) {
    created = await createJob(params, run.bucket, runId, ledgerKey, outcome);
    if (!created) {
      store.effects.succeed(ledgerKey, null);
      return undefined;
    }
    store.effects.saveBeforeState(ledgerKey, created);
  }
  const retry = { ...RESTORE_RETRY, ...params.retry, signal: params.signal };
  const describe = async () => {
    const out = await withRetry(
      () => s3control.send(new DescribeJobCommand({ AccountId: options.accountId, JobId: created.jobId })),
      retry,
    );
    return out.Job ?? {};
  };
  const result: BatchJobOutcome = {
    runId,
    bucket: run.bucket,
    jobId: created.jobId,
    manifestKey: created.manifestKey,
    status: 'New',
    total: created.objects,
    succeeded: 0,
    failed: 0,
    reconciled: 0,
  };
  const progress = throttledProgress(params.onProgress, 0);
  let confirmed = false;
  let job: JobDescriptor;
  for (;;) {
    job = await describe();
    result.status = job.Status ?? 'unknown';
    const p = job.ProgressSummary;
    progress.report({
      phase: 'batch',
      total: p?.TotalNumberOfTasks ?? created.objects,
      done: (p?.NumberOfTasksSucceeded ?? 0) + (p?.NumberOfTasksFailed ?? 0),
      restored: p?.NumberOfTasksSucceeded ?? 0,
      failed: p?.NumberOfTasksFailed ?? 0,
      skipped: 0,
      unrecoverable: 0,
      detail: `Batch job ${created.jobId}: ${result.status}`,
    });
    if (RUNNING_DONE.has(result.status)) break;
    if (result.status === 'Suspended' && !confirmed) {
      const yes = typeof options.confirm === 'function' ? await options.confirm() : options.confirm;
      if (!yes) {
        outcome.awaitingConfirmation = true;
        return result;
      }
      outcome.requestIds.push(...(await confirmBatchJob(s3control, options.accountId, created.jobId)));
      confirmed = true;
      continue;
    }
    try {
      await sleep(options.pollMs ?? 10_000, params.signal);
    } catch {
      return result;
    }
  }
  result.succeeded = job.ProgressSummary?.NumberOfTasksSucceeded ?? 0;
  result.failed = job.ProgressSummary?.NumberOfTasksFailed ?? 0;
  result.reconciled = await reconcile(params, runId, job, retry);
  if (result.status === 'Complete') store.effects.succeed(ledgerKey, result);
  else store.effects.fail(ledgerKey, `batch job ${created.jobId} ended ${result.status}`);
  return result;
}

async function createJob(
  params: BatchRestoreParams,
  bucket: string,
  runId: number,
  ledgerKey: string,
  outcome: BatchOutcome,
): Promise<CreatedJob | undefined> {
  const { store, options } = params;
  const lines: string[] = [];
  for (const row of store.assessments.affected(runId)) {
    if (row.recoveryStatus !== 'pending' && row.recoveryStatus !== 'failed') continue;
    if (row.restoreVersionId === null || (row.restoreSize ?? 0) > MAX_SINGLE_COPY) continue;
    lines.push(manifestLine(bucket, row.key, row.restoreVersionId));
  }
  if (lines.length === 0) return undefined;
  const token = tokenOf(ledgerKey);
  const prefix = options.manifestPrefix ?? 'ssec-responder/batch/';
  const manifestKey = `${prefix}${token}/run-${runId}.csv`;
  const put = await withRetry(
    () =>
      params.s3.send(
        new PutObjectCommand({
          Bucket: options.manifestBucket,
          Key: manifestKey,
          Body: lines.join(''),
          ContentType: 'text/csv',
        }),
      ),
    { ...RESTORE_RETRY, ...params.retry, signal: params.signal },
  );
  if (put.$metadata.requestId) outcome.requestIds.push(put.$metadata.requestId);
  const out = await params.s3control.send(
    new CreateJobCommand({
      AccountId: options.accountId,
      ConfirmationRequired: true,
      ClientRequestToken: token,
      Description: `ssec-responder restore of ${bucket} (assessment ${runId})`.slice(0, 256),
      Priority: options.priority ?? 10,
      RoleArn: options.roleArn,
      Operation: { S3PutObjectCopy: { TargetResource: `arn:aws:s3:::${bucket}`, MetadataDirective: 'COPY' } },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
        Location: {
          ObjectArn: `arn:aws:s3:::${options.manifestBucket}/${manifestKey}`,
          ETag: put.ETag?.replace(/"/g, ''),
        },
      },
      Report: {
        Bucket: `arn:aws:s3:::${options.manifestBucket}`,
        Prefix: `${prefix}${token}/report`,
        Format: 'Report_CSV_20180820',
        Enabled: true,
        ReportScope: 'AllTasks',
      },
    }),
  );
  if (out.$metadata.requestId) outcome.requestIds.push(out.$metadata.requestId);
  if (!out.JobId) throw new Error('CreateJob returned no JobId');
  return { jobId: out.JobId, manifestKey, objects: lines.length };
}

const bucketOfArn = (arn: string) => arn.replace(/^arn:aws[a-z-]*:s3:::/, '');

async function readText(s3: S3Client, bucket: string, key: string, retry: RetryOptions): Promise<string> {
  const out = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), retry);
  return (await out.Body?.transformToString('utf8')) ?? '';
}

/** Reads the completion report (`<prefix>/job-<id>/manifest.json` and its CSVs) into SQLite. */
async function reconcile(
  params: BatchRestoreParams,
  runId: number,
  job: JobDescriptor,
  retry: RetryOptions,
): Promise<number> {
  const report = job.Report;
  if (!report?.Bucket || !job.JobId) return 0;
  const bucket = bucketOfArn(report.Bucket);
  const base = report.Prefix ? `${report.Prefix.replace(/\/$/, '')}/` : '';
  const manifest = JSON.parse(
    await readText(params.s3, bucket, `${base}job-${job.JobId}/manifest.json`, retry),
  ) as {
    Results?: Array<{ Key?: string; Bucket?: string; TaskExecutionStatus?: string }>;
  };
  const log = new RecoveryLog(params.store, { maxRows: 500 });
  let count = 0;
  try {
    for (const file of manifest.Results ?? []) {
      if (!file.Key) continue;
      const text = await readText(
        params.s3,
        file.Bucket ? bucketOfArn(file.Bucket) : bucket,
        file.Key,
        retry,
      );
      for (const row of parseReport(text)) {
        log.mark(
          row.succeeded
            ? { runId, key: row.key, status: 'restored' }
            : {
                runId,
                key: row.key,
                status: 'failed',
                error:
                  `batch: ${[row.httpStatus, row.errorCode].filter(Boolean).join(' ')}: ${row.message}`.slice(
                    0,
                    500,
                  ),
              },
        );
        count++;
      }
    }
  } finally {
    log.flush();
  }
  return count;
}

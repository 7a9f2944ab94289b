import type { BackupClient } from '@aws-sdk/client-backup';
import type { S3Client } from '@aws-sdk/client-s3';
import { SsecError } from '../../errors.ts';
import type { Assessments } from '../../store/assessments.ts';
import { AbortedError, type RetryOptions } from '../retry.ts';
import {
  type BucketFindings,
  buildFindings,
  findRecoveryPoints,
  readBucketState,
} from './bucket-findings.ts';
import { makeWindow } from './classify-key.ts';
import { type ScanCursor, scanBucket } from './scan-bucket.ts';
import type { AssessProgress } from './types.ts';

export interface AssessBucketOptions {
  s3: S3Client;
  /** To look for recovery points when prior versions are missing; left out, the findings say so. */
  backup?: BackupClient | undefined;
  store: { assessments: Assessments };
  incidentId?: number | null | undefined;
  bucket: string;
  since: Date;
  until?: Date | undefined;
  prefix?: string | undefined;
  /** Keys decided at once (each runs its HEADs in turn). Default 32. */
  concurrency?: number | undefined;
  /** Slices of the bucket listed at once, found by Delimiter '/'; 1 turns slicing off. Default 4. */
  listConcurrency?: number | undefined;
  /** Folders that get a slice of their own before the rest is listed as one tail. Default 64. */
  maxPartitions?: number | undefined;
  onProgress?: ((p: AssessProgress) => void) | undefined;
  /** Default 2000. */
  progressIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Continue a run that crashed or was stopped, from its last committed key. */
  resumeRunId?: number | undefined;
  /** Listing pages fetched ahead of the HEADs per slice. Default 2. */
  aheadPages?: number | undefined;
  /** Page size, for tests; S3's maximum of 1,000 otherwise. */
  maxKeys?: number | undefined;
  retry?: RetryOptions | undefined;
}

/** Small on purpose: per-object results live in the store (see `assessmentReport`). */
export interface AssessSummary {
  runId: number;
  bucket: string;
  prefix: string;
  since: string;
  until: string | null;
  counts: AssessProgress & { recoverable: number };
  findings: BucketFindings;
}

export const ASSESS_DEFAULTS = {
  concurrency: 32,
  listConcurrency: 4,
  maxPartitions: 64,
  progressIntervalMs: 2_000,
  aheadPages: 2,
} as const;

/**
 * Finds every object whose current version the attacker encrypted with SSE-C inside the window,
 * and the clean version to bring back; streams the results into the store and returns a summary.
 * Read-only towards AWS. A run that throws (it is then marked failed) or dies with its process
 * (left running) keeps its cursor: pass its id as `resumeRunId`.
 *
 * Request contract: ListObjectVersions ≤ ceil(versions / 1000) + one per listing slice; HeadObject
 * ≤ the in-window versions of candidate keys (keys whose newest entry is in the window) + one per
 * affected key (the clean version before the window that the walk back lands on); plus four
 * bucket-configuration reads and, when versions cannot help, one Backup listing.
 */
export async function assessBucket(opts: AssessBucketOptions): Promise<AssessSummary> {
  const repo = opts.store.assessments;
  const resumed = opts.resumeRunId === undefined ? undefined : repo.getRun(opts.resumeRunId);
  if (opts.resumeRunId !== undefined) {
    if (!resumed) throw new SsecError('SSEC_NOT_FOUND', `Assessment run ${opts.resumeRunId} does not exist`);
    if (resumed.bucket !== opts.bucket)
      throw new SsecError(
        'SSEC_USAGE',
        `Assessment run ${resumed.id} is for bucket ${resumed.bucket}, not ${opts.bucket}`,
      );
    if (resumed.status === 'completed') return summaryOf(repo, resumed.id);
    repo.reopenRun(resumed.id);
  }
  const run =
    resumed ??
    repo.startRun({
      incidentId: opts.incidentId ?? null,
      bucket: opts.bucket,
      prefix: opts.prefix ?? '',
      windowStart: opts.since,
      windowEnd: opts.until ?? null,
    });
  // A resumed run keeps the window it started with, whatever the caller passes now.
  const window = makeWindow(run.windowStart, run.windowEnd ?? undefined);
  const retry = opts.retry ?? {};
  try {
    const state = await readBucketState(opts.s3, opts.bucket, { signal: opts.signal, retry });
    const progress = await scanBucket({
      s3: opts.s3,
      bucket: opts.bucket,
      prefix: run.prefix,
      window,
      versioning: state.versioning === 'Unknown' ? 'Enabled' : state.versioning,
      commit: (page) => repo.commitPage(run.id, { ...page, progress: { ...page.progress } }),
      concurrency: opts.concurrency ?? ASSESS_DEFAULTS.concurrency,
      listConcurrency: opts.listConcurrency ?? ASSESS_DEFAULTS.listConcurrency,
      maxPartitions: opts.maxPartitions ?? ASSESS_DEFAULTS.maxPartitions,
      cursor: isCursor(run.cursor) ? run.cursor : undefined,
      progress: resumed ? (run.progress as unknown as AssessProgress) : undefined,
      onProgress: opts.onProgress,
      progressIntervalMs: opts.progressIntervalMs ?? ASSESS_DEFAULTS.progressIntervalMs,
      signal: opts.signal,
      maxKeys: opts.maxKeys,
      aheadPages: opts.aheadPages ?? ASSESS_DEFAULTS.aheadPages,
      retry,
    });
    const backup =
      state.versioning !== 'Enabled' || progress.unrecoverable > 0
        ? await findRecoveryPoints(opts.backup, opts.bucket, window.since, { signal: opts.signal, retry })
        : undefined;
    const findings = buildFindings({
      bucket: opts.bucket,
      state,
      overwrittenAt: progress.firstOverwriteAt ? new Date(progress.firstOverwriteAt) : window.since,
      ...(backup ? { backup } : {}),
      restoreStorageClasses: repo.restoreStorageClasses(run.id),
    });
    repo.finishRun(run.id, 'completed', findings as unknown as Record<string, unknown>, { ...progress });
    return summaryOf(repo, run.id);
  } catch (caught) {
    // Deep down a stop is a bare 'aborted'; the run's record and `ssec assess` name what was stopped.
    const error = caught instanceof AbortedError ? new AbortedError('The assessment was stopped') : caught;
    repo.finishRun(run.id, 'failed', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw error;
  }
}

function isCursor(c: unknown): c is ScanCursor {
  return (
    typeof c === 'object' &&
    c !== null &&
    (c as ScanCursor).version === 1 &&
    Array.isArray((c as ScanCursor).partitions)
  );
}

function summaryOf(repo: Assessments, runId: number): AssessSummary {
  const run = repo.getRun(runId)!;
  const progress = run.progress as unknown as AssessProgress;
  return {
    runId,
    bucket: run.bucket,
    prefix: run.prefix,
    since: run.windowStart.toISOString(),
    until: run.windowEnd?.toISOString() ?? null,
    counts: { ...progress, recoverable: progress.affected - progress.unrecoverable },
    findings: run.findings as unknown as BucketFindings,
  };
}

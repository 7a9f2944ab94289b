import type { Writable } from 'node:stream';
import { SsecError } from '../../errors.ts';
import type {
  AffectedObject,
  AssessError,
  Assessments,
  AssessRun,
  ChangedObject,
} from '../../store/assessments.ts';
import type { BucketFindings } from './bucket-findings.ts';
import type { AssessProgress } from './types.ts';

export interface AffectedEntry {
  key: string;
  /** The attacker's current version, or the delete marker over it. */
  versionId: string;
  /** The clean version to bring back; null when none exists (see `reason`). */
  restoreVersionId: string | null;
  reason: string | null;
  isDeleteMarker: boolean;
  lastModified: string;
  size: number;
  restoreSize: number | null;
  restoreEtag: string | null;
  /**
   * The clean version's storage class; null without one, or for a run assessed before this was
   * recorded. `GLACIER` and `DEEP_ARCHIVE` must be restored (RestoreObject) before recovery can copy.
   */
  restoreStorageClass: string | null;
  recoveryStatus: AffectedObject['recoveryStatus'];
}

export interface ChangedEntry {
  key: string;
  versionId: string;
  lastModified: string;
  size: number;
  /** Deleted during the window: `versionId` is the delete marker. */
  deleted: boolean;
  previousVersionId: string | null;
}

export interface ErrorEntry {
  key: string;
  versionId: string;
  httpStatus: number | null;
  code: string;
  message: string;
}

/**
 * The `ssec assess --format json` document (DESIGN §4). `affected` holds every key whose current
 * version the attacker encrypted — the unrecoverable ones too, with `restoreVersionId: null` and
 * a reason; `unrecoverable` counts those. `changed` lists plain writes and deletions inside the
 * window (ransom notes land here); `errors` lists keys that could not be decided.
 */
export interface AssessmentReport {
  bucket: string;
  prefix: string;
  since: string;
  until: string | null;
  runId: number;
  status: AssessRun['status'];
  startedAt: string;
  finishedAt: string | null;
  counts: AssessProgress & { recoverable: number };
  unrecoverable: number;
  affected: AffectedEntry[];
  changed: ChangedEntry[];
  errors: ErrorEntry[];
  findings: BucketFindings | Record<string, unknown>;
}

type Header = Omit<AssessmentReport, 'affected' | 'changed' | 'errors' | 'findings'>;

function requireRun(repo: Assessments, runId: number): AssessRun {
  const run = repo.getRun(runId);
  if (!run) throw new SsecError('SSEC_NOT_FOUND', `Assessment run ${runId} does not exist`);
  return run;
}

function header(run: AssessRun): Header {
  const progress = run.progress as unknown as AssessProgress;
  const affected = progress.affected ?? 0;
  const unrecoverable = progress.unrecoverable ?? 0;
  return {
    bucket: run.bucket,
    prefix: run.prefix,
    since: run.windowStart.toISOString(),
    until: run.windowEnd?.toISOString() ?? null,
    runId: run.id,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    counts: { ...progress, recoverable: affected - unrecoverable },
    unrecoverable,
  };
}

export function toAffectedEntry(a: AffectedObject): AffectedEntry {
  return {
    key: a.key,
    versionId: a.versionId,
    restoreVersionId: a.restoreVersionId,
    reason: a.reason,
    isDeleteMarker: a.isDeleteMarker,
    lastModified: a.lastModified.toISOString(),
    size: a.size,
    restoreSize: a.restoreSize,
    restoreEtag: a.restoreEtag,
    restoreStorageClass: a.restoreStorageClass,
    recoveryStatus: a.recoveryStatus,
  };
}

export function toChangedEntry(c: ChangedObject): ChangedEntry {
  return {
    key: c.key,
    versionId: c.versionId,
    lastModified: c.lastModified.toISOString(),
    size: c.size,
    deleted: c.isDeleteMarker ?? false,
    previousVersionId: c.previousVersionId ?? null,
  };
}

export function toErrorEntry(e: AssessError): ErrorEntry {
  return { key: e.key, versionId: e.versionId, httpStatus: e.httpStatus, code: e.code, message: e.message };
}

/** The whole report in memory: fine for a Slack summary or a test; the CLI streams instead. */
export function assessmentReport(store: { assessments: Assessments }, runId: number): AssessmentReport {
  const repo = store.assessments;
  const run = requireRun(repo, runId);
  return {
    ...header(run),
    affected: [...repo.affected(runId)].map(toAffectedEntry),
    changed: [...repo.changed(runId)].map(toChangedEntry),
    errors: [...repo.errors(runId)].map(toErrorEntry),
    findings: run.findings,
  };
}

/**
 * Writes the same document as `assessmentReport`, row by row with backpressure, so a report of
 * millions of objects never sits in memory.
 */
export async function writeAssessmentJson(
  store: { assessments: Assessments },
  runId: number,
  out: Writable,
  indent = '',
): Promise<void> {
  const repo = store.assessments;
  const run = requireRun(repo, runId);
  const write = (s: string) => writeChunk(out, s);
  const head = JSON.stringify(header(run));
  await write(`${indent}${head.slice(0, -1)}`);
  await writeArray(write, 'affected', repo.affected(runId), toAffectedEntry);
  await writeArray(write, 'changed', repo.changed(runId), toChangedEntry);
  await writeArray(write, 'errors', repo.errors(runId), toErrorEntry);
  await write(`,"findings":${JSON.stringify(run.findings)}}`);
}

async function writeArray<T, U>(
  write: (s: string) => Promise<void>,
  name: string,
  rows: Iterable<T>,
  map: (row: T) => U,
): Promise<void> {
  let chunk = `,${JSON.stringify(name)}:[`;
  let first = true;
  for (const row of rows) {
    chunk += (first ? '' : ',') + JSON.stringify(map(row));
    first = false;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(`${chunk}]`);
}

export function writeChunk(out: Writable, s: string): Promise<void> {
  if (s.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const ok = out.write(s, (error) => {
      if (error) reject(error);
    });
    if (ok) resolve();
    else out.once('drain', () => resolve());
  });
}

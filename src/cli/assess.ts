import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSESS_DEFAULTS, assessBucket } from '../aws/assess/assess-bucket.ts';
import { ARCHIVED_STORAGE_CLASSES, type BucketFindings } from '../aws/assess/bucket-findings.ts';
import { writeAssessmentCsv } from '../aws/assess/csv.ts';
import { writeAssessmentJson, writeChunk } from '../aws/assess/report.ts';
import type { AssessProgress } from '../aws/assess/types.ts';
import type { Config } from '../config/config.ts';
import { UsageError } from '../errors.ts';
import { createStore, type Store } from '../store/store.ts';
import { cliAwsClients } from './aws-context.ts';
import { parseCommandLine, prepareCommand } from './command-line.ts';
import { type CliIo, EXIT, printable } from './io.ts';

const HELP = `Usage: ssec assess --bucket BUCKET [--bucket BUCKET2 ...] [options]

Finds every object whose current version was encrypted with SSE-C inside the incident window, and
the clean version to restore. Read-only: it lists versions and sends HEAD requests without a key.

Options:
  --bucket B             Bucket to assess (repeat for several)
  --since ISO-8601       Window start (default: now minus SSEC_LOOKBACK_HOURS, 24 h)
  --until ISO-8601       Window end (default: open)
  --prefix P             Only keys under this prefix
  --concurrency N        Keys decided at once (default SSEC_SCAN_CONCURRENCY, 32)
  --list-concurrency N   Folders listed in parallel; 1 lists in one sequence (default ${ASSESS_DEFAULTS.listConcurrency})
  --format F             json (default; one JSON document), csv, or table
  --db PATH              SQLite file for the results (default SSEC_DB_PATH, ./data/ssec.db);
                         ":memory:" uses a temporary file deleted on exit (no resume then)
  --resume RUN_ID        Continue an interrupted run (same --db, one --bucket)

AWS access comes from the SDK's credential chain and region; AWS_ENDPOINT_URL points it elsewhere,
SSEC_S3_FORCE_PATH_STYLE=true for S3 servers that need path-style addressing.
With several buckets, json prints {"buckets": [report, ...]}. Exit codes: 0 done, 1 failed,
2 bad usage or configuration.

Example:
  ssec assess --bucket prod-data --since 2025-01-13T00:00:00Z --format json > affected.json`;

export type AssessFormat = 'json' | 'csv' | 'table';

export interface AssessArgs {
  buckets: string[];
  since: Date;
  until: Date | undefined;
  prefix: string | undefined;
  concurrency: number;
  listConcurrency: number;
  format: AssessFormat;
  db: string;
  resumeRunId: number | undefined;
}

const ISO_HINT = 'use ISO-8601, e.g. 2025-01-13T00:00:00Z';

function parseDate(flag: string, raw: string): Date {
  // Date.parse accepts "1" or "March 7"; an incident window deserves an unambiguous timestamp.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) {
    throw new UsageError(`--${flag} "${raw}" is not a date: ${ISO_HINT}`);
  }
  const d = new Date(raw.trim());
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} "${raw}" is not a date: ${ISO_HINT}`);
  return d;
}

function parseCount(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1024) {
    throw new UsageError(`--${flag} must be a whole number from 1 to 1024, got "${raw}"`);
  }
  return Number(raw);
}

/** Validates the command line; every problem is a UsageError saying what to type instead. */
export function parseAssessArgs(args: string[], config: Config, now: Date): AssessArgs | 'help' {
  const values = parseCommandLine(
    args,
    {
      bucket: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      prefix: { type: 'string' },
      concurrency: { type: 'string' },
      'list-concurrency': { type: 'string' },
      format: { type: 'string' },
      db: { type: 'string' },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
  );
  if (values.help) return 'help';
  const buckets = (values.bucket as string[] | undefined) ?? [];
  if (buckets.length === 0) {
    throw new UsageError(
      'ssec assess needs a bucket: ssec assess --bucket my-bucket --since 2025-01-13T00:00:00Z (see ssec assess --help)',
    );
  }
  const since =
    values.since === undefined
      ? new Date(now.getTime() - config.aws.lookbackMs)
      : parseDate('since', values.since as string);
  const until = values.until === undefined ? undefined : parseDate('until', values.until as string);
  if (since.getTime() > now.getTime())
    throw new UsageError(`--since ${since.toISOString()} is in the future`);
  if (until && until.getTime() < since.getTime()) {
    throw new UsageError(`--until ${until.toISOString()} is before --since ${since.toISOString()}`);
  }
  const format = (values.format as string | undefined) ?? 'json';
  if (format !== 'json' && format !== 'csv' && format !== 'table') {
    throw new UsageError(`--format must be json, csv or table, got "${format}"`);
  }
  let resumeRunId: number | undefined;
  if (values.resume !== undefined) {
    if (!/^\d+$/.test(values.resume as string))
      throw new UsageError(`--resume takes a run id, got "${values.resume}"`);
    if (buckets.length !== 1) throw new UsageError('--resume continues one run: give exactly one --bucket');
    resumeRunId = Number(values.resume);
  }
  return {
    buckets,
    since,
    until,
    prefix: values.prefix as string | undefined,
    concurrency: parseCount(
      'concurrency',
      values.concurrency as string | undefined,
      config.aws.scanConcurrency,
    ),
    listConcurrency: parseCount(
      'list-concurrency',
      values['list-concurrency'] as string | undefined,
      ASSESS_DEFAULTS.listConcurrency,
    ),
    format,
    db: (values.db as string | undefined) ?? config.dbPath,
    resumeRunId,
  };
}

type Outcome = { bucket: string; runId: number } | { bucket: string; error: string };

export async function runAssessCommand(
  args: string[],
  io: CliIo,
  deps: { clock?: () => Date } = {},
): Promise<number> {
  const clock = deps.clock ?? (() => new Date());
  const prepared = prepareCommand(io, HELP, (config) => parseAssessArgs(args, config, clock()));
  if (typeof prepared === 'number') return prepared;
  const { config, args: a } = prepared;
  const temp = a.db === ':memory:' ? mkdtempSync(join(tmpdir(), 'ssec-assess-')) : undefined;
  const store = createStore(temp ? join(temp, 'assess.db') : a.db);
  const { clients: aws, factory } = cliAwsClients(io, config, a.concurrency + a.listConcurrency * 2 + 8);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  if (io.interactive) process.once('SIGINT', onSigint);
  try {
    const outcomes: Outcome[] = [];
    for (const bucket of a.buckets) {
      const progress = io.interactive ? progressLine(io, bucket) : undefined;
      try {
        const summary = await assessBucket({
          s3: aws.s3,
          backup: aws.backup,
          store,
          bucket,
          since: a.since,
          until: a.until,
          prefix: a.prefix,
          concurrency: a.concurrency,
          listConcurrency: a.listConcurrency,
          resumeRunId: a.resumeRunId,
          signal: stop.signal,
          onProgress: progress?.update,
        });
        progress?.done(summary.counts);
        outcomes.push({ bucket, runId: summary.runId });
      } catch (error) {
        progress?.clear();
        const runId = latestRunId(store, bucket);
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        io.stderr.write(`ssec assess: ${bucket} failed: ${message}\n`);
        if (runId !== undefined && !temp) {
          io.stderr.write(
            `  The results so far are kept: resume with ssec assess --bucket ${bucket} --resume ${runId} --db ${a.db}\n`,
          );
        }
        outcomes.push({ bucket, error: message });
        if (stop.signal.aborted) break;
      }
    }
    await writeResult(store, outcomes, a.format, io);
    return outcomes.every((o) => 'runId' in o) ? EXIT.ok : EXIT.failed;
  } finally {
    if (io.interactive) process.removeListener('SIGINT', onSigint);
    factory.destroy();
    store.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

function latestRunId(store: Store, bucket: string): number | undefined {
  const row = store.db
    .prepare<[string], { id: number | null }>('SELECT max(id) AS id FROM assess_runs WHERE bucket = ?')
    .get(bucket);
  return row?.id ?? undefined;
}

async function writeResult(
  store: Store,
  outcomes: Outcome[],
  format: AssessFormat,
  io: CliIo,
): Promise<void> {
  const out = io.stdout;
  const done = outcomes.filter((o): o is { bucket: string; runId: number } => 'runId' in o);
  if (format === 'json') {
    if (outcomes.length === 1) {
      if (done[0]) await writeAssessmentJson(store, done[0].runId, out);
      else return;
    } else {
      await writeChunk(out, '{"buckets":[');
      for (const [i, o] of outcomes.entries()) {
        if (i > 0) await writeChunk(out, ',');
        if ('runId' in o) await writeAssessmentJson(store, o.runId, out);
        else await writeChunk(out, JSON.stringify({ bucket: o.bucket, error: o.error }));
      }
      await writeChunk(out, ']}');
    }
    await writeChunk(out, '\n');
  } else if (format === 'csv') {
    for (const [i, o] of done.entries()) await writeAssessmentCsv(store, o.runId, out, { header: i === 0 });
  } else {
    for (const o of done) await writeTable(store, o.runId, io);
  }
}

async function writeTable(store: Store, runId: number, io: CliIo): Promise<void> {
  const run = store.assessments.getRun(runId)!;
  const p = run.progress as unknown as AssessProgress;
  const findings = run.findings as unknown as BucketFindings;
  const n = (x: number) => x.toLocaleString('en-US');
  const w = (s: string) => writeChunk(io.stdout, s);
  await w(
    `Bucket ${printable(run.bucket)}${run.prefix ? ` (prefix ${printable(run.prefix)})` : ''}, window ${run.windowStart.toISOString()} to ${run.windowEnd?.toISOString() ?? 'now'}\n` +
      `  ${n(p.keys)} keys and ${n(p.versions)} versions scanned, ${n(p.candidates)} written inside the window\n` +
      `  Affected: ${n(p.affected)} (${n(p.affected - p.unrecoverable)} restorable, ${n(p.unrecoverable)} not); changed during the incident: ${n(p.changed)}; undecided: ${n(p.errors)}\n\n`,
  );
  if (p.affected > 0) {
    await w(`${'ATTACKER VERSION'.padEnd(34)}${'RESTORE VERSION'.padEnd(34)}KEY\n`);
    for (const a of store.assessments.affected(runId)) {
      const restore = a.restoreVersionId ?? '-';
      const why = a.reason ? `  (${a.reason})` : '';
      const archived =
        a.restoreStorageClass !== null && ARCHIVED_STORAGE_CLASSES.has(a.restoreStorageClass)
          ? ` [${a.restoreStorageClass}: restore-object first]`
          : '';
      await w(
        `${a.versionId.padEnd(34)}${restore.padEnd(34)}${printable(a.key)}${a.isDeleteMarker ? ' [deleted]' : ''}${archived}${why}\n`,
      );
    }
    await w('\n');
  }
  if (p.changed > 0) {
    await w(
      `Changed during the incident (not encrypted):\n${'VERSION'.padEnd(34)}${'WRITTEN'.padEnd(26)}KEY\n`,
    );
    for (const c of store.assessments.changed(runId)) {
      await w(
        `${c.versionId.padEnd(34)}${c.lastModified.toISOString().padEnd(26)}${printable(c.key)}${c.isDeleteMarker ? ' [deleted]' : ''}\n`,
      );
    }
    await w('\n');
  }
  if (p.errors > 0) {
    await w('Could not decide (check permissions, then re-run):\n');
    for (const e of store.assessments.errors(runId)) await w(`  ${printable(e.key)}  ${e.message}\n`);
    await w('\n');
  }
  if (findings.messages?.length) {
    await w('Findings:\n');
    for (const m of findings.messages) await w(`  - ${m}\n`);
    await w('\n');
  }
}

/** One line on stderr, rewritten in place: counts, rate and, once folders finish, time left. */
function progressLine(io: CliIo, bucket: string) {
  const started = Date.now();
  let shown = false;
  const render = (p: AssessProgress) => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = Math.round(p.keys / secs);
    let left = 'time left unknown';
    if (p.partitions > 1 && p.partitionsDone > 0 && p.partitionsDone < p.partitions) {
      const frac = p.partitionsDone / p.partitions;
      left = `~${formatDuration((secs * (1 - frac)) / frac)} left (${p.partitionsDone}/${p.partitions} folders)`;
    }
    return `${printable(bucket)}: ${p.keys.toLocaleString('en-US')} keys, ${p.versions.toLocaleString('en-US')} versions, ${p.candidates} candidates, ${p.affected} affected (${p.unrecoverable} unrecoverable), ${p.changed} changed, ${rate.toLocaleString('en-US')} keys/s, ${formatDuration(secs)} elapsed, ${left}`;
  };
  return {
    update: (p: AssessProgress) => {
      shown = true;
      io.stderr.write(`\r\u001b[K${render(p)}`);
    },
    done: (p: AssessProgress) => {
      io.stderr.write(`\r\u001b[K${render(p).replace(/, [^,]*$/, '')} — done\n`);
    },
    clear: () => {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}

function formatDuration(secs: number): string {
  const s = Math.round(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(r).padStart(2, '0')}s`
      : `${r}s`;
}

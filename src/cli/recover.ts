import { assessBucket } from '../aws/assess/index.ts';
import { chooseStrategy, type RecoveryStrategy } from '../aws/recover/choose-strategy.ts';
import type { RecoverProgress } from '../aws/recover/progress.ts';
import { planRecovery, type RecoverResult, recover } from '../aws/recover/recover.ts';
import { type VerifyReport, verifyRecovery } from '../aws/recover/verify.ts';
import type { Config } from '../config/config.ts';
import { UsageError } from '../errors.ts';
import { createStore, type Store } from '../store/store.ts';
import { cliAwsClients } from './aws-context.ts';
import { parseCommandLine, prepareCommand } from './command-line.ts';
import { confirmChange } from './confirm.ts';
import { type CliIo, EXIT, printable } from './io.ts';

const HELP = `Usage: ssec recover --bucket BUCKET --since ISO-8601 [options]

Assesses the bucket (which objects the attacker encrypted, and the clean version of each), shows
what recovery would do, asks, restores, and verifies that nothing is left encrypted. Restores copy
the clean version onto the same key: the attacker's version stays as evidence. Safe to re-run: an
object already restored is never copied again; --run-id resumes an earlier run.

Options:
  --bucket B             Bucket to recover (repeat for several)
  --since ISO-8601       Incident window start
  --until ISO-8601       Incident window end (default: open)
  --prefix P             Only keys under this prefix
  --run-id N             Recover an existing assessment run instead of assessing (repeatable)
  --strategy S           versions (default), backup (AWS Backup, SSEC_BACKUP_ROLE_ARN) or
                         batch (S3 Batch Operations, SSEC_BATCH_MANIFEST_BUCKET + SSEC_BATCH_ROLE_ARN);
                         without it, batch is chosen above SSEC_BATCH_THRESHOLD objects when configured
  --concurrency N        Parallel copies (default SSEC_RESTORE_CONCURRENCY, 32)
  --dry-run              Assess and show the plan; copy nothing
  --yes                  Do not ask (required when not on a terminal)
  --no-verify            Skip the final check of every affected key
  --format F             text (default) or json (one JSON document on stdout)
  --db PATH              SQLite file (default SSEC_DB_PATH, ./data/ssec.db)

Exit codes: 0 recovered and verified, 1 failed or not everything recovered, 2 bad usage.`;

export interface RecoverArgs {
  buckets: string[];
  since: Date | undefined;
  until: Date | undefined;
  prefix: string | undefined;
  runIds: number[];
  strategy: RecoveryStrategy | undefined;
  concurrency: number;
  dryRun: boolean;
  yes: boolean;
  verify: boolean;
  format: 'text' | 'json';
  db: string;
}

function parseDate(flag: string, raw: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) {
    throw new UsageError(
      `--${flag} "${printable(raw)}" is not a date: use ISO-8601, e.g. 2025-01-13T00:00:00Z`,
    );
  }
  return new Date(raw.trim());
}

export function parseRecoverArgs(args: string[], config: Config, now: Date): RecoverArgs | 'help' {
  const values = parseCommandLine(
    args,
    {
      bucket: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      prefix: { type: 'string' },
      'run-id': { type: 'string', multiple: true },
      strategy: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      'no-verify': { type: 'boolean' },
      format: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
  );
  if (values.help) return 'help';
  const buckets = (values.bucket as string[] | undefined) ?? [];
  const runIdText = (values['run-id'] as string[] | undefined) ?? [];
  for (const r of runIdText)
    if (!/^\d+$/.test(r)) throw new UsageError(`--run-id takes a number, got "${printable(r)}"`);
  const runIds = runIdText.map(Number);
  if (runIds.length === 0 && buckets.length === 0) {
    throw new UsageError('ssec recover needs --bucket B --since T (or --run-id N); see ssec recover --help');
  }
  if (runIds.length === 0 && values.since === undefined) {
    throw new UsageError('ssec recover needs --since: the start of the incident window (ISO-8601)');
  }
  const since = values.since === undefined ? undefined : parseDate('since', values.since as string);
  const until = values.until === undefined ? undefined : parseDate('until', values.until as string);
  if (since && since.getTime() > now.getTime())
    throw new UsageError(`--since ${since.toISOString()} is in the future`);
  if (since && until && until.getTime() < since.getTime()) throw new UsageError('--until is before --since');
  const strategy = values.strategy as string | undefined;
  if (strategy !== undefined && !['versions', 'backup', 'batch'].includes(strategy)) {
    throw new UsageError(`--strategy must be versions, backup or batch, got "${printable(strategy)}"`);
  }
  const c = values.concurrency as string | undefined;
  if (c !== undefined && (!/^\d+$/.test(c) || Number(c) < 1 || Number(c) > 1024)) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 1024, got "${printable(c)}"`);
  }
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json, got "${printable(format)}"`);
  return {
    buckets,
    since,
    until,
    prefix: values.prefix as string | undefined,
    runIds,
    strategy: strategy as RecoveryStrategy | undefined,
    concurrency: c === undefined ? config.aws.restoreConcurrency : Number(c),
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
    verify: values['no-verify'] !== true,
    format,
    db: (values.db as string | undefined) ?? config.dbPath,
  };
}

/** One line on stderr, rewritten in place: phase, counts, rate and time left. */
function progressLine(io: CliIo) {
  let shown = false;
  return {
    update(p: RecoverProgress) {
      shown = true;
      const eta = p.etaSeconds === null ? '' : `, ~${Math.ceil(p.etaSeconds)}s left`;
      const detail = p.detail ? ` — ${printable(p.detail)}` : '';
      io.stderr.write(
        `\r\u001b[K${p.phase}: ${p.done}/${p.total}, ${p.restored} ok, ${p.failed} failed, ${p.unrecoverable} unrecoverable, ${Math.round(p.rate)}/s${eta}${detail}`,
      );
    },
    end() {
      if (shown) io.stderr.write('\n');
      shown = false;
    },
  };
}

function runIdsFor(store: Store, ids: number[]): void {
  for (const id of ids) {
    if (!store.assessments.getRun(id)) throw new UsageError(`Assessment run ${id} is not in this database`);
  }
}

// What the JSON output carries over from the library's result, unchanged.
const REPORTED = [
  'restored',
  'failed',
  'unrecoverable',
  'skipped',
  'pending',
  'total',
  'copied',
  'alreadyRestored',
  'retries',
  'jobIds',
  'failures',
] as const;
type Reported = Pick<RecoverResult, (typeof REPORTED)[number]>;

interface Report extends Reported {
  buckets: string[];
  runIds: number[];
  strategy: RecoveryStrategy;
  strategyReason: string;
  dryRun: boolean;
  plan?: RecoverResult['plan'];
  backup?: { notInRecoveryPoint: number; restoreBuckets: Array<string | null> };
  batch?: { awaitingConfirmation: boolean };
  verify?: Pick<
    VerifyReport,
    'done' | 'checked' | 'clean' | 'stillSseC' | 'missing' | 'errors' | 'remainingCount' | 'remaining'
  >;
}

function formatText(r: Report): string {
  const lines = [
    `${r.dryRun ? 'Recovery plan (dry run: nothing was copied)' : 'Recovery'}: ${r.buckets.map(printable).join(', ')} (assessment run ${r.runIds.join(', ')})`,
    `  Strategy: ${r.strategy} (${r.strategyReason})`,
  ];
  for (const p of r.plan ?? []) {
    lines.push(
      `  ${printable(p.bucket)}: ${p.toRestore} to restore (${(p.bytes / 1024 ** 2).toFixed(1)} MiB${p.large ? `, ${p.large} over 5 GB` : ''}), ${p.counts.unrecoverable} without a clean version, ${p.counts.restored} already restored`,
    );
    for (const k of p.sample) lines.push(`    ${printable(k)}`);
  }
  lines.push(
    `  Restored ${r.restored}, failed ${r.failed}, unrecoverable ${r.unrecoverable}, skipped ${r.skipped}, pending ${r.pending} (of ${r.total})`,
  );
  if (!r.dryRun)
    lines.push(
      `  This run copied ${r.copied}, found ${r.alreadyRestored} already restored, retried ${r.retries} requests`,
    );
  for (const f of r.failures.slice(0, 10))
    lines.push(`  failed: ${printable(f.key)}: ${printable(f.reason)}`);
  if (r.backup) lines.push(`  Not in the recovery point: ${r.backup.notInRecoveryPoint}`);
  if (r.batch?.awaitingConfirmation) lines.push('  The Batch Operations job awaits confirmation.');
  if (r.verify) {
    lines.push(
      r.verify.done
        ? `  Verified: all ${r.verify.checked} affected keys read back without a customer key.`
        : `  NOT DONE: ${r.verify.stillSseC} still SSE-C, ${r.verify.missing} missing, ${r.verify.errors} unreadable (of ${r.verify.checked})`,
    );
    for (const x of r.verify.remaining) lines.push(`    ${x.state}: ${printable(x.key)}`);
  }
  if (!r.dryRun && r.pending > 0)
    lines.push(`  Resume with: ssec recover ${r.runIds.map((id) => `--run-id ${id}`).join(' ')}`);
  return lines.join('\n');
}

export async function runRecoverCommand(
  args: string[],
  io: CliIo,
  deps: { clock?: () => Date } = {},
): Promise<number> {
  const clock = deps.clock ?? (() => new Date());
  const prepared = prepareCommand(io, HELP, (config) => parseRecoverArgs(args, config, clock()));
  if (typeof prepared === 'number') return prepared;
  const { config, args: a } = prepared;
  const { clients, factory } = cliAwsClients(io, config, a.concurrency + 16);
  const store = createStore(a.db);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  if (io.interactive) process.once('SIGINT', onSigint);
  const progress = io.interactive ? progressLine(io) : undefined;
  try {
    let runIds = a.runIds;
    if (runIds.length > 0) runIdsFor(store, runIds);
    else {
      runIds = [];
      for (const bucket of a.buckets) {
        if (io.interactive) io.stderr.write(`Assessing ${printable(bucket)}...\n`);
        const summary = await assessBucket({
          s3: clients.s3,
          backup: clients.backup,
          store,
          bucket,
          since: a.since!,
          until: a.until,
          prefix: a.prefix,
          concurrency: config.aws.scanConcurrency,
          signal: stop.signal,
        });
        runIds.push(summary.runId);
      }
    }
    const buckets = runIds.map((id) => store.assessments.getRun(id)!.bucket);
    const plan = planRecovery(store, runIds);
    const restorable = plan.reduce((n, p) => n + p.toRestore, 0);
    const choice = chooseStrategy({
      restorable,
      unrecoverable: plan.reduce((n, p) => n + p.counts.unrecoverable, 0),
      large: plan.reduce((n, p) => n + p.large, 0),
      batchThreshold: config.aws.batchThreshold,
      batchConfigured: Boolean(config.aws.batchManifestBucket && config.aws.batchRoleArn),
      backupConfigured: Boolean(config.aws.backupRoleArn),
      requested: a.strategy,
    });
    if (choice.problem) {
      io.stderr.write(`--strategy ${choice.strategy}: ${choice.problem}\n`);
      return EXIT.usage;
    }
    const write = (r: Report) =>
      io.stdout.write(a.format === 'json' ? `${JSON.stringify(r)}\n` : `${formatText(r)}\n`);
    const base = { buckets, runIds, strategy: choice.strategy, strategyReason: choice.reason };
    const dry = await recover({ clients, store, runIds, strategy: choice.strategy, dryRun: true });
    const planReport: Report = { ...base, ...pick(dry), dryRun: true, plan };
    if (a.dryRun) {
      write(planReport);
      return EXIT.ok;
    }
    const needsWork = restorable > 0 || (choice.strategy === 'backup' && planReport.unrecoverable > 0);
    if (needsWork) {
      if (io.interactive) io.stderr.write(`${formatText(planReport)}\n`);
      const answer = await confirmChange(
        io,
        a.yes,
        `Restore ${restorable} object(s) with strategy ${choice.strategy}?`,
      );
      if (answer !== 'yes') return answer === 'refused' ? EXIT.usage : EXIT.failed;
    }
    const roleAccount = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(config.aws.batchRoleArn ?? '')?.[1];
    const result = needsWork
      ? await recover({
          clients,
          store,
          runIds,
          strategy: choice.strategy,
          concurrency: a.concurrency,
          signal: stop.signal,
          ...(progress ? { onProgress: progress.update } : {}),
          idempotencyKey: `cli-recover/${runIds.join(',')}/${choice.strategy}`,
          ...(choice.strategy === 'batch'
            ? {
                batch: {
                  accountId: roleAccount ?? clients.accountId ?? '',
                  roleArn: config.aws.batchRoleArn!,
                  manifestBucket: config.aws.batchManifestBucket!,
                  confirm: true,
                },
              }
            : {}),
          ...(choice.strategy === 'backup' ? { backup: { roleArn: config.aws.backupRoleArn! } } : {}),
        })
      : dry;
    progress?.end();
    const report: Report = { ...base, ...pick(result), dryRun: false };
    if (result.backup) {
      report.backup = {
        notInRecoveryPoint: result.backup.notInRecoveryPoint,
        restoreBuckets: result.backup.buckets.map((b) => b.restoreBucket),
      };
    }
    if (result.batch) report.batch = { awaitingConfirmation: result.batch.awaitingConfirmation };
    if (a.verify && !stop.signal.aborted) {
      const v = await verifyRecovery({
        s3: clients.s3,
        store,
        runIds,
        concurrency: a.concurrency,
        signal: stop.signal,
        ...(progress ? { onProgress: progress.update } : {}),
      });
      progress?.end();
      const { requestIds: _ids, ...shown } = v;
      report.verify = shown;
    }
    write(report);
    const complete =
      report.failed === 0 && report.pending === 0 && (report.verify ? report.verify.done : true);
    return complete ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    progress?.end();
    if (io.interactive) process.removeListener('SIGINT', onSigint);
    factory.destroy();
    store.close();
  }
}

function pick(r: RecoverResult): Reported {
  return Object.fromEntries(REPORTED.map((k) => [k, r[k]])) as Reported;
}

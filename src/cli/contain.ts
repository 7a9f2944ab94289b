import { randomBytes } from 'node:crypto';
import { ContainmentFailedError, type ContainmentResult, contain } from '../aws/contain/contain.ts';
import type { BlockMethod } from '../aws/contain/plan.ts';
import type { KeyHint } from '../aws/contain/resolve-key.ts';
import { type RollbackOutcome, rollbackContainment } from '../aws/contain/rollback.ts';
import type { StepOutcome } from '../aws/contain/step.ts';
import type { Config } from '../config/config.ts';
import { UsageError } from '../errors.ts';
import { createStore } from '../store/store.ts';
import { cliAwsClients } from './aws-context.ts';
import { parseCommandLine, prepareCommand } from './command-line.ts';
import { confirmChange } from './confirm.ts';
import { type CliIo, EXIT, printable } from './io.ts';

const HELP = `Usage: ssec contain --access-key KEY [--bucket BUCKET ...] [options]
       ssec contain --rollback CONTAINMENT_ID [--dry-run] [--yes]

Contains an SSE-C ransomware incident: deactivates the stolen key (never deletes it), or for a
session key (ASIA...) revokes its role's older sessions; blocks SSE-C writes on each bucket; disables
lifecycle rules that would expire versions. Every change is recorded with the state before it, so
--rollback puts it back. Shows the exact changes and asks before making them.

Options:
  --access-key KEY     The key the attacker used (repeat for several)
  --bucket B           A bucket to protect (repeat for several)
  --user NAME          Owner of the key, if IAM cannot tell (long-term keys)
  --role NAME          Role behind a session key (ASIA...): its older sessions are revoked
  --deny-all           Also attach AWSDenyAll to the key's user (stops all its keys)
  --block METHOD       encryption, policy, both (default) or none: how SSE-C writes are blocked
  --keep-lifecycle     Leave lifecycle rules alone
  --dry-run            Show what would change; change nothing
  --yes                Do not ask (required when not on a terminal)
  --format F           text (default) or json
  --db PATH            SQLite file (default SSEC_DB_PATH, ./data/ssec.db)
  --rollback ID        Undo the containment with this id (printed when it ran)

Exit codes: 0 done, 1 failed or declined, 2 bad usage or configuration.`;

export interface ContainArgs {
  accessKeys: string[];
  buckets: string[];
  hints: Record<string, KeyHint>;
  denyAll: boolean;
  block: BlockMethod;
  defuseLifecycle: boolean;
  dryRun: boolean;
  yes: boolean;
  format: 'text' | 'json';
  db: string;
  rollback: string | undefined;
}

const BLOCK_METHODS: readonly BlockMethod[] = ['encryption', 'policy', 'both', 'none'];

export function parseContainArgs(args: string[], config: Config): ContainArgs | 'help' {
  const values = parseCommandLine(
    args,
    {
      'access-key': { type: 'string', multiple: true },
      bucket: { type: 'string', multiple: true },
      user: { type: 'string' },
      role: { type: 'string' },
      'deny-all': { type: 'boolean' },
      block: { type: 'string' },
      'keep-lifecycle': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      format: { type: 'string' },
      db: { type: 'string' },
      rollback: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
  );
  if (values.help) return 'help';
  const accessKeys = (values['access-key'] as string[] | undefined) ?? [];
  const buckets = (values.bucket as string[] | undefined) ?? [];
  const rollback = values.rollback as string | undefined;
  if (rollback === undefined && accessKeys.length === 0 && buckets.length === 0) {
    throw new UsageError('ssec contain needs --access-key KEY and/or --bucket B (see ssec contain --help)');
  }
  if (rollback !== undefined && (accessKeys.length > 0 || buckets.length > 0)) {
    throw new UsageError('--rollback undoes a recorded containment: give it alone (with --dry-run or --yes)');
  }
  for (const k of accessKeys) {
    if (!/^[A-Z0-9]{16,128}$/.test(k))
      throw new UsageError(`--access-key "${printable(k)}" is not an access key id`);
  }
  const block = (values.block as string | undefined) ?? 'both';
  if (!BLOCK_METHODS.includes(block as BlockMethod)) {
    throw new UsageError(`--block must be one of ${BLOCK_METHODS.join(', ')}, got "${printable(block)}"`);
  }
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json, got "${printable(format)}"`);
  const hints: Record<string, KeyHint> = {};
  for (const k of accessKeys) {
    hints[k] = {
      ...(values.user ? { userName: values.user as string } : {}),
      ...(values.role ? { roleName: values.role as string } : {}),
    };
  }
  return {
    accessKeys,
    buckets,
    hints,
    denyAll: values['deny-all'] === true,
    block: block as BlockMethod,
    defuseLifecycle: values['keep-lifecycle'] !== true,
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
    format,
    db: (values.db as string | undefined) ?? config.dbPath,
    rollback,
  };
}

const STATUS_WORD: Record<StepOutcome['status'], string> = {
  planned: 'will change',
  unchanged: 'in place',
  applied: 'changed',
  reverted: 'reverted',
  failed: 'FAILED',
};

export function formatSteps(steps: StepOutcome[]): string {
  return steps
    .map((s) => {
      const head = `  [${STATUS_WORD[s.status]}] ${s.kind} ${printable(s.target)}`;
      const lines = s.changes.map((c) => `      ${printable(c)}`);
      if (s.error) lines.push(`      error: ${printable(s.error)}`);
      return [head, ...lines].join('\n');
    })
    .join('\n');
}

function formatContainment(r: ContainmentResult): string {
  const keys = r.keys.map((k) => {
    const owner = k.userName ? `user ${k.userName}` : k.roleName ? `role ${k.roleName}` : 'owner unknown';
    const used = k.lastUsed?.date
      ? `, last used ${k.lastUsed.date} (${k.lastUsed.service ?? '?'} ${k.lastUsed.region ?? ''})`
      : '';
    return `  ${k.accessKeyId}: ${k.type} key, account ${k.accountId ?? 'unknown'}, ${printable(owner)}, ${k.status ?? 'status unknown'}${printable(used)}`;
  });
  return [
    r.dryRun ? 'Containment plan (dry run: nothing was changed)' : `Containment ${r.idempotencyKey}`,
    ...(keys.length ? ['Keys:', ...keys] : []),
    'Steps:',
    formatSteps(r.steps),
    ...(r.notes.length ? ['Notes:', ...r.notes.map((n) => `  - ${printable(n)}`)] : []),
    r.dryRun
      ? ''
      : `Keys deactivated: ${r.keysDeactivated}, sessions revoked: ${r.sessionsRevoked}, buckets blocked: ${r.bucketsBlocked}, lifecycle rules disabled: ${r.lifecycleRulesDefused}, failed steps: ${r.failed}\nUndo with: ssec contain --rollback ${r.idempotencyKey}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function formatRollback(r: RollbackOutcome, id: string): string {
  return [
    r.dryRun ? `Rollback plan for ${id} (dry run: nothing was changed)` : `Rollback of ${id}`,
    formatSteps(r.steps),
    ...r.notes.map((n) => `  - ${printable(n)}`),
    r.dryRun
      ? ''
      : `Keys reactivated: ${r.keysReactivated}, buckets unblocked: ${r.bucketsUnblocked}, lifecycle rules re-enabled: ${r.lifecycleRulesRestored}, failed steps: ${r.failed}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export async function runContainCommand(args: string[], io: CliIo): Promise<number> {
  const prepared = prepareCommand(io, HELP, (config) => parseContainArgs(args, config));
  if (typeof prepared === 'number') return prepared;
  const { config, args: a } = prepared;
  const { clients, factory } = cliAwsClients(io, config);
  const store = createStore(a.db);
  const actor = `cli:${io.env.USER ?? io.env.LOGNAME ?? 'unknown'}`;
  const out = (text: string, value: unknown) =>
    io.stdout.write(a.format === 'json' ? `${JSON.stringify(value)}\n` : `${text}\n`);
  try {
    if (a.rollback !== undefined) {
      const id = a.rollback;
      if (!store.effects.get(id)) {
        io.stderr.write(`No containment ${printable(id)} is recorded in ${a.db}.\n`);
        return EXIT.usage;
      }
      const params = { clients, store, containKeys: [id], idempotencyKey: `${id}/rollback`, actor };
      const plan = await rollbackContainment({ ...params, dryRun: true });
      if (a.dryRun) {
        out(formatRollback(plan, id), plan);
        return EXIT.ok;
      }
      if (io.interactive) io.stderr.write(`${formatRollback(plan, id)}\n`);
      const answer = await confirmChange(io, a.yes, 'Roll these changes back?');
      if (answer !== 'yes') return answer === 'refused' ? EXIT.usage : EXIT.failed;
      const done = await rollbackContainment(params);
      out(formatRollback(done, id), done);
      return done.failed > 0 ? EXIT.failed : EXIT.ok;
    }
    const input = {
      clients,
      store,
      accessKeyIds: a.accessKeys,
      keyHints: a.hints,
      buckets: a.buckets,
      options: { denyAll: a.denyAll, blockMethod: a.block, defuseLifecycle: a.defuseLifecycle },
      idempotencyKey: `cli-contain-${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`,
      actor,
    };
    const plan = await contain({ ...input, dryRun: true });
    if (a.dryRun) {
      out(formatContainment(plan), plan);
      return plan.failed > 0 ? EXIT.failed : EXIT.ok;
    }
    // Only a plan that read AWS and found everything in place needs no answer; a step that could
    // not even be inspected is as much a reason to ask as one that would change.
    if (plan.steps.every((s) => s.status === 'unchanged')) {
      if (io.interactive) io.stderr.write(`${formatContainment(plan)}\nEverything is already in place.\n`);
    } else {
      if (io.interactive) io.stderr.write(`${formatContainment(plan)}\n`);
      const answer = await confirmChange(io, a.yes, 'Apply these changes?');
      if (answer !== 'yes') return answer === 'refused' ? EXIT.usage : EXIT.failed;
    }
    try {
      const result = await contain(input);
      out(formatContainment(result), result);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ContainmentFailedError) {
        out(formatContainment(error.result), error.result);
        return EXIT.failed;
      }
      throw error;
    }
  } finally {
    factory.destroy();
    store.close();
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { nextSteps } from '../../workflows/incident-machine.ts';
import { type RunningBot, startBot } from '../bot.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { type CliIo, EXIT } from '../cli/io.ts';
import { loadConfig } from '../config/config.ts';
import { UsageError } from '../errors.ts';
import {
  createSlackDriver,
  renderMessageWithChoices,
  type SlackStandIn,
  startSlackApiStandIn,
} from '../sandbox/slack/index.ts';
import {
  type Button,
  type DrillResponders,
  nextAutopilotButton,
  offeredButtons,
  press,
  presser,
  threadButtons,
} from './autopilot.ts';
import { type AwsStandInProcess, startAwsStandInProcess } from './aws-stand-in-process.ts';
import { guardDutyWriteFinding } from './guardduty-finding.ts';
import { seededRandom } from './random.ts';
import { runAttack } from './run-attack.ts';
import type { SeededBucket } from './seed-bucket.ts';
import { verifyBucket } from './verify-bucket.ts';

const HELP = `Usage: ssec drill [--objects N] [--yes] [--seed S] [--keep] [--timeout SECONDS] [--no-color]

Runs a whole SSE-C ransomware incident on this machine: a local AWS stand-in and Slack stand-in,
the real bot against them, a seeded versioned bucket, the attack with a leaked key, the GuardDuty
alert, then the incident thread as it unfolds. You take the responders' decisions at the prompt;
--yes takes them as two simulated responders (one asks, another approves).

  --objects N   objects in the bucket (default 2000)
  --yes         decide automatically as two simulated responders
  --seed S      seed for a reproducible bucket and attack (default 1)
  --keep        leave the stand-ins and the bot running afterwards, and print how to reach them
  --timeout S   give up after S seconds (default 900)`;

const ALICE = 'U0DRILLALICE';
const BOB = 'U0DRILLBOB';
const CHANNEL = 'C0DRILLIR';
const GROUP = 'S0RESPONDERS';

interface DrillOptions {
  objects: number;
  yes: boolean;
  seed: number;
  keep: boolean;
  timeoutMs: number;
  color: boolean;
}

function readOptions(args: string[]): DrillOptions | 'help' {
  const values = parseCommandLine(
    args,
    {
      objects: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      seed: { type: 'string' },
      keep: { type: 'boolean' },
      timeout: { type: 'string' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
  );
  if (values.help) return 'help';
  const int = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  return {
    objects: int('objects', values.objects, 2000, 10),
    yes: values.yes ?? false,
    seed: int('seed', values.seed, 1, 0),
    keep: values.keep ?? false,
    timeoutMs: int('timeout', values.timeout, 900, 10) * 1000,
    color: !values['no-color'] && !process.env.NO_COLOR,
  };
}

/**
 * One incident, on this machine, in two processes. This one runs the Slack API stand-in, the real
 * bot (HTTP server, workflow, SQLite store) and the attacker's and verifier's AWS SDK clients; the
 * AWS stand-in (S3, IAM, STS, Backup, S3 Batch Operations) runs in a child process
 * (aws-stand-in-child.ts), reached over loopback HTTP like real AWS and set up over IPC. Apart, the
 * stand-in's S3 work and the bot's scanner and restorer each get a core; the child lives only as long
 * as this process.
 */
export async function runDrillCommand(args: string[], io: CliIo): Promise<number> {
  const opts = readOptions(args);
  if (opts === 'help') {
    io.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  const say = (line = '') => io.stdout.write(`${line}\n`);
  const dim = (s: string) => (opts.color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (opts.color ? `\x1b[1m${s}\x1b[0m` : s);
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'ssec-drill-'));
  const rand = seededRandom(opts.seed);
  let sandbox: AwsStandInProcess | undefined;
  let standIn: SlackStandIn | undefined;
  let bot: RunningBot | undefined;
  const closeAll = async () => {
    await bot?.stop().catch(() => {});
    await standIn?.stop().catch(() => {});
    // Stops the AWS stand-in process and waits for it to exit (killing it if it does not answer).
    await sandbox?.stop().catch(() => sandbox?.kill());
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    say(bold('ssec-responder drill: an S3 SSE-C ransomware incident, end to end, on this machine'));
    sandbox = await startAwsStandInProcess({
      seed: opts.seed,
      restoreDelayMs: 2000,
      logPath: join(workDir, 'aws-stand-in.log'),
    });
    standIn = await startSlackApiStandIn({
      users: [
        { id: ALICE, name: 'alice', realName: 'Alice (on call)' },
        { id: BOB, name: 'bob', realName: 'Bob (security lead)' },
      ],
      usergroups: { [GROUP]: [ALICE, BOB] },
      channels: [{ id: CHANNEL, name: 'incident-response' }],
    });
    const signingSecret = randomBytes(16).toString('hex');
    const alertToken = randomBytes(24).toString('hex');
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
      SSEC_INCIDENT_CHANNEL: CHANNEL,
      SSEC_RESPONDERS: GROUP,
      SSEC_ALERT_TOKEN: alertToken,
      SSEC_DB_PATH: join(workDir, 'ssec.db'),
      SSEC_LOOKBACK_HOURS: '1',
      SSEC_S3_FORCE_PATH_STYLE: 'true',
      SSEC_LOG_LEVEL: 'info',
      PORT: '0',
    });
    const logPath = join(workDir, 'bot.log');
    const aws = { endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.adminCredentials };
    bot = await startBot(config, {
      logger: pino({ level: 'info' }, pino.destination({ dest: logPath, sync: false })),
      aws: { ...aws, forcePathStyle: true },
      port: 0,
      host: '127.0.0.1',
      sweepIntervalMs: 1000,
    });
    say(
      dim(
        `AWS stand-in ${sandbox.endpoint} · Slack stand-in ${standIn.url} · bot ${bot.url} · log ${logPath}`,
      ),
    );

    // 1. A realistic bucket, long before the incident.
    const bucket = 'acme-finance-records';
    await sandbox.request('createBucket', { bucket, versioning: 'Enabled' });
    // The stand-in generates the versions itself (drillBucketVersions over seededRandom(seed)) rather
    // than receiving every body over IPC; it sends back the facts the attack and summary need, and how
    // many values it drew, so this process's `rand` continues the same stream for the attack.
    const generated = await sandbox.request('seedDrillBucket', {
      bucket,
      objects: opts.objects,
      before: Date.now(),
    });
    for (let i = 0; i < generated.draws; i++) rand();
    const seeded: SeededBucket = {
      keys: generated.keys,
      legitSseCKeys: new Set(generated.legitSseCKeys),
      versions: generated.versions,
    };
    await sandbox.request('createRecoveryPoint', {
      vault: 'Default',
      bucket,
      creationDate: Date.now() - 2 * 86_400_000,
    });
    say(
      `Seeded s3://${bucket}: ${seeded.keys.length} objects, ${seeded.versions} versions across ${new Set(seeded.keys.map((k) => k.split('/')[0])).size} prefixes, ${seeded.legitSseCKeys.size} legitimately SSE-C encrypted months ago.`,
    );

    // 2. The attack, with a leaked key of a throwaway CI user.
    const attackerUser = 'ci-deploy-legacy';
    await sandbox.request('createUser', { userName: attackerUser });
    const leaked = await sandbox.request('createAccessKey', { userName: attackerUser });
    const attackerS3 = new S3Client({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      forcePathStyle: true,
      credentials: leaked,
      maxAttempts: 5,
    });
    const attackable = seeded.keys.filter((k) => !seeded.legitSseCKeys.has(k));
    const attack = await runAttack({
      s3: attackerS3,
      bucket,
      keys: [...attackable, ...seeded.legitSseCKeys],
      rand,
      share: 0.6,
    });
    attackerS3.destroy();
    say(
      `Attack: leaked key ${leaked.accessKeyId} re-encrypted ${attack.encrypted.length} objects with SSE-C, left ${attack.ransomNotes.length} ransom notes and a 7-day lifecycle rule (${((attack.finishedAt.getTime() - attack.startedAt.getTime()) / 1000).toFixed(1)} s).`,
    );

    // 3. GuardDuty notices and EventBridge delivers the finding to the bot.
    const finding = guardDutyWriteFinding({
      accountId: sandbox.accountId,
      region: sandbox.region,
      accessKeyId: leaked.accessKeyId,
      userName: attackerUser,
      bucket,
      firstSeen: attack.startedAt,
      lastSeen: attack.finishedAt,
      count: attack.encrypted.length,
      sourceIp: '203.0.113.45',
    });
    const alertAt = Date.now();
    const res = await fetch(`${bot.url}/alerts/eventbridge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ssec-alert-token': alertToken },
      body: JSON.stringify(finding),
    });
    say(`GuardDuty finding delivered to POST /alerts/eventbridge → HTTP ${res.status}`);
    say();

    // 4. The incident thread, as responders see it; decisions at the prompt or by autopilot.
    const driver = createSlackDriver({
      botUrl: `${bot.url}/slack/events`,
      signingSecret,
      standIn,
      defaultChannelId: CHANNEL,
    });
    const responders: DrillResponders = { requester: ALICE, approver: BOB };
    const outcome = await followIncident({
      bot,
      standIn,
      driver,
      responders,
      opts,
      io,
      say,
      dim,
    });
    if (!outcome.incidentId) {
      say('No incident was opened: the alert did not reach the bot.');
      return EXIT.failed;
    }

    // 5. Independent verification and the summary.
    const adminS3 = new S3Client({ ...aws, forcePathStyle: true, maxAttempts: 3 });
    const iam = new IAMClient({ ...aws, maxAttempts: 3 });
    const verdict = await verifyBucket({
      s3: adminS3,
      iam,
      bucket,
      attackedKeys: attack.encrypted,
      attackerUser,
    });
    adminS3.destroy();
    iam.destroy();
    const incident = bot.ctx.store.incidents.get(outcome.incidentId)!;
    const runs = bot.ctx.store.assessments.latestRuns(incident.id);
    const unrecoverable = new Map<string, number>();
    let restoredByBot = 0;
    for (const run of runs) {
      const counts = bot.ctx.store.assessments.counts(run.id);
      restoredByBot += counts.restored + counts.skipped;
      for (const a of bot.ctx.store.assessments.affected(run.id, { status: 'unrecoverable' })) {
        unrecoverable.set(a.reason ?? 'unknown', (unrecoverable.get(a.reason ?? 'unknown') ?? 0) + 1);
      }
    }
    const seconds = ((outcome.verifiedAt ?? Date.now()) - alertAt) / 1000;
    const clean =
      verdict.stillEncrypted.length === 0 &&
      verdict.keyStatus === 'Inactive' &&
      verdict.sseCBlocked &&
      verdict.lifecycleDefused &&
      outcome.verified;
    say();
    say(bold('Verification summary'));
    say(`  incident                ${incident.ref} (${incident.status}, phase ${incident.phase})`);
    say(`  objects attacked        ${verdict.attacked}`);
    say(
      `  restored                ${verdict.readable} readable without a key (bot restored ${restoredByBot})`,
    );
    say(
      `  still encrypted         ${verdict.stillEncrypted.length}${verdict.stillEncrypted.length ? `: ${verdict.stillEncrypted.slice(0, 5).join(', ')}` : ''}`,
    );
    say(
      `  unrecoverable           ${[...unrecoverable.values()].reduce((a, b) => a + b, 0)}${[...unrecoverable].map(([r, n]) => `\n                          ${n} × ${r}`).join('')}`,
    );
    say(`  leaked key ${leaked.accessKeyId}  ${verdict.keyStatus}`);
    say(
      `  SSE-C writes blocked    ${verdict.sseCBlocked ? `yes (${verdict.sseCBlockedBy.join(' + ')}; a test SSE-C write got 403)` : 'NO'}`,
    );
    say(
      `  lifecycle defused       ${verdict.lifecycleDefused ? 'yes' : 'NO'} (${verdict.lifecycleRules.map((r) => `${r.id}: ${r.status}`).join(', ') || 'no rules'})`,
    );
    say(`  alert → verified        ${seconds.toFixed(1)} s`);
    say(`  audit chain             ${bot.ctx.store.audit.verify().ok ? 'verifies' : 'BROKEN'}`);
    say(`  drill took              ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(clean ? bold('Bucket verified clean.') : bold('Bucket NOT verified clean.'));

    if (opts.keep) {
      say();
      say('Left running (Ctrl-C to stop):');
      say(
        `  AWS:   AWS_ENDPOINT_URL=${sandbox.endpoint} AWS_ACCESS_KEY_ID=${sandbox.adminCredentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${sandbox.adminCredentials.secretAccessKey} AWS_REGION=${sandbox.region} aws s3api list-object-versions --bucket ${bucket} --max-items 5`,
      );
      say(
        `  Slack: curl -s '${standIn.url}/api/conversations.replies?channel=${CHANNEL}&ts=${incident.threadTs}' -H 'authorization: Bearer ${standIn.botToken}'`,
      );
      say(`  Bot:   ${bot.url}/healthz · database ${config.dbPath}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return clean ? EXIT.ok : EXIT.failed;
  } finally {
    await closeAll();
  }
}

interface FollowOutcome {
  incidentId: number | undefined;
  verified: boolean;
  verifiedAt: number | undefined;
}

/**
 * Prints each new or changed message of the incident thread and takes decisions until the
 * incident is closed: at the prompt, or (with --yes) as two responders.
 */
async function followIncident(f: {
  bot: RunningBot;
  standIn: SlackStandIn;
  driver: ReturnType<typeof createSlackDriver>;
  responders: DrillResponders;
  opts: DrillOptions;
  io: CliIo;
  say: (s?: string) => void;
  dim: (s: string) => string;
}): Promise<FollowOutcome> {
  const { bot, standIn, opts, say } = f;
  const deadline = Date.now() + opts.timeoutMs;
  const shown = new Map<string, string>();
  const pressed = new Set<string>();
  const reader = f.opts.yes ? undefined : lineReader(f.io);
  const lines = reader?.next;
  try {
    return await decide();
  } finally {
    // An open reader on stdin would keep the process alive after the drill is over.
    reader?.close();
  }

  async function decide(): Promise<FollowOutcome> {
    let incidentId: number | undefined;
    let verifiedAt: number | undefined;
    const names = new Map([
      [f.responders.requester, 'alice'],
      [f.responders.approver, 'bob'],
    ]);

    const showThread = (channel: string, threadTs: string) => {
      for (const m of standIn.thread(channel, threadTs)) {
        const r = renderMessageWithChoices(m, { color: opts.color, users: names, width: 100 });
        const key = m.ts;
        if (shown.get(key) === r.text) continue;
        const first = !shown.has(key);
        shown.set(key, r.text);
        const indent = m.ts === threadTs ? '' : '  │ ';
        say(f.dim(first ? (m.ts === threadTs ? '── control panel ──' : '── reply ──') : '── updated ──'));
        say(
          r.text
            .split('\n')
            .map((l) => `${indent}${l}`)
            .join('\n'),
        );
      }
    };

    while (Date.now() < deadline) {
      await f.bot.intake.idle();
      const incident =
        bot.ctx.store.incidents.listOpen()[0] ??
        (incidentId ? bot.ctx.store.incidents.get(incidentId) : undefined);
      if (!incident?.threadTs || !incident.channel) {
        await sleep(100);
        continue;
      }
      incidentId = incident.id;
      showThread(incident.channel, incident.threadTs);
      const snapshot = bot.runtime.snapshot(incident.id);
      const verification = snapshot?.context.recovery.verification;
      if (verification?.clean && verifiedAt === undefined) verifiedAt = Date.now();
      const current = bot.ctx.store.incidents.get(incident.id)!;
      if (current.status !== 'open') {
        const stored = bot.ctx.store.snapshots.load(incident.id)?.snapshot as
          | { context?: { recovery?: { verification?: { clean?: boolean } | null } } }
          | undefined;
        return { incidentId, verified: stored?.context?.recovery?.verification?.clean === true, verifiedAt };
      }
      const buttons = threadButtons(standIn, incident.channel, incident.threadTs).filter(
        (b) => !pressed.has(`${b.ts}:${b.actionId}`),
      );
      let choice: Button | undefined;
      if (opts.yes) {
        choice = snapshot ? nextAutopilotButton(buttons, pressed, nextSteps(snapshot)) : undefined;
      } else if (snapshot && isWaitingOnPeople(snapshot)) {
        const offered = offeredButtons(buttons, nextSteps(snapshot));
        const picked = offered.length > 0 ? await ask(offered, f, lines!) : undefined;
        if (picked === null) return { incidentId, verified: false, verifiedAt };
        choice = picked;
      }
      if (choice && (opts.yes ? isWaitingOnPeople(snapshot) : true)) {
        const who = presser(choice, f.responders);
        pressed.add(`${choice.ts}:${choice.actionId}`);
        say(f.dim(`▶ ${names.get(who)} clicks “${choice.label}”`));
        await press(f.driver, choice, who);
        await sleep(150);
        continue;
      }
      await sleep(200);
    }
    say('The drill timed out before the incident was closed.');
    return { incidentId, verified: false, verifiedAt };
  }
}

/** True when no effect is running: the workflow waits for a person. */
function isWaitingOnPeople(snapshot: ReturnType<RunningBot['runtime']['snapshot']>): boolean {
  if (!snapshot) return false;
  const children = Object.keys((snapshot as { children?: Record<string, unknown> }).children ?? {});
  return children.length === 0;
}

async function ask(
  buttons: Button[],
  f: { say: (s?: string) => void; responders: DrillResponders },
  lines: () => Promise<string | undefined>,
): Promise<Button | null | undefined> {
  f.say('Your decision (requests as alice, approvals as bob — the two-person rule):');
  for (const [i, b] of buttons.entries()) f.say(`  [${i + 1}] ${b.label}`);
  for (;;) {
    f.say(`Choose 1-${buttons.length}, Enter to wait, q to stop: `);
    const line = await lines();
    if (line === undefined || line.trim() === 'q') return null;
    if (line.trim() === '') return undefined;
    const n = Number(line.trim());
    const b = buttons[n - 1];
    if (Number.isInteger(n) && b) return b;
    f.say(`"${line.trim()}" is not one of the choices.`);
  }
}

function lineReader(io: CliIo): { next: () => Promise<string | undefined>; close: () => void } {
  const rl = createInterface({ input: io.stdin ?? process.stdin, terminal: false });
  const queue: string[] = [];
  const waiters: ((l: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  rl.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w(undefined);
  });
  return {
    next: () =>
      new Promise((resolve) => {
        const l = queue.shift();
        if (l !== undefined) resolve(l);
        else if (closed) resolve(undefined);
        else waiters.push(resolve);
      }),
    close: () => rl.close(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

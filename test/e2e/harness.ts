// Starts the whole bot (the lead's composition root) against the Slack API stand-in, with a Slack
// driver that sends signed requests to it, so tests see exactly what a workspace would see.

import { join } from 'node:path';
import { type BotOverrides, type RunningBot, startBot } from '../../src/bot.ts';
import { loadConfig } from '../../src/config/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.ts';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/stand-in.ts';
import type { Ephemeral, StoredMessage } from '../../src/sandbox/slack/types.ts';
import type { WorkflowEffects } from '../../src/workflow/effects.ts';
import type { DryRunResult, StepResults } from '../../workflows/types.ts';
import { tempDir } from '../helpers/temp.ts';

export const SIGNING_SECRET = 'e2e-signing-secret-not-real';
export const CHANNEL = 'C0INCIDENTS';
export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';
/** A responder only through the on-call user group. */
export const CAROL = 'U0CAROL';
export const ONCALL = 'S0ONCALL';
export const MALLORY = 'U0MALLORY';

export interface Harness {
  standIn: SlackStandIn;
  bot: RunningBot;
  driver: SlackDriver;
  /** Resolves once every queued Slack update of the bot has been sent. */
  settle(): Promise<void>;
  /** The incident's thread: the control panel first, then the replies. */
  thread(incidentId: number): StoredMessage[];
  panel(incidentId: number): StoredMessage;
  ephemeralsFor(userId: string): Ephemeral[];
  /** Waits for an ephemeral to `userId` containing `text`; returns it. */
  waitForEphemeral(userId: string, text: string, timeoutMs?: number): Promise<Ephemeral>;
  /** The latest thread reply whose text matches. */
  reply(incidentId: number, match: RegExp): StoredMessage | undefined;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  effects?: WorkflowEffects;
  overrides?: BotOverrides;
  env?: Record<string, string>;
}

/** Effects that answer at once with plausible results; `calls` counts what ran. */
export function instantEffects(over: Partial<{ [S in keyof StepResults]: StepResults[S] }> = {}) {
  const calls = { contain: 0, rollback: 0, assess: 0, recover: 0, verify: 0, dryRun: 0 };
  const effects: WorkflowEffects = {
    async contain() {
      calls.contain++;
      return (
        over.contain ?? {
          keysDeactivated: 1,
          bucketsBlocked: 1,
          lifecycleRulesDefused: 1,
          awsRequestIds: ['req-c1'],
        }
      );
    },
    async rollbackContainment() {
      calls.rollback++;
      return over.rollback ?? { keysReactivated: 1, bucketsUnblocked: 1, lifecycleRulesRestored: 1 };
    },
    async assess() {
      calls.assess++;
      return (
        over.assess ?? {
          affected: 3,
          unrecoverable: 0,
          changed: 0,
          findings: { lifecycleRules: 1 },
          assessRunIds: [],
        }
      );
    },
    async recover() {
      calls.recover++;
      return over.recover ?? { restored: 3, failed: 0, unrecoverable: 0 };
    },
    async verify() {
      calls.verify++;
      return over.verify ?? { clean: true, remaining: 0 };
    },
    async dryRun(step): Promise<DryRunResult> {
      calls.dryRun++;
      return {
        step,
        summary: `Would run ${step}.`,
        actions: [`${step}: first action`],
        counts: { buckets: 1 },
      };
    },
  };
  return { effects, calls };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const standIn = await startSlackApiStandIn({
    users: [
      { id: ALICE, name: 'alice' },
      { id: BOB, name: 'bob' },
      { id: CAROL, name: 'carol' },
      { id: MALLORY, name: 'mallory' },
    ],
    usergroups: { [ONCALL]: [CAROL] },
    // Trigger ids expire after 3 s in Slack; a loaded CI machine must not turn that into flakiness.
    triggerTtlMs: 0,
  });
  standIn.addChannel({ id: CHANNEL, name: 'incidents' });
  const t = tempDir('ssec-e2e-');
  const config = loadConfig({
    SLACK_BOT_TOKEN: standIn.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIn.apiUrl,
    SSEC_INCIDENT_CHANNEL: CHANNEL,
    SSEC_RESPONDERS: `${ALICE},${BOB},${ONCALL}`,
    SSEC_DB_PATH: join(t.dir, 'ssec.db'),
    SSEC_LOG_LEVEL: 'error',
    ...opts.env,
  });
  const bot = await startBot(config, {
    logger: silentLogger(),
    port: 0,
    host: '127.0.0.1',
    ...(opts.effects ? { effects: opts.effects } : {}),
    ...opts.overrides,
  });
  const driver = createSlackDriver({
    botUrl: `${bot.url}/slack/events`,
    signingSecret: SIGNING_SECRET,
    standIn,
  });

  const threadTs = (incidentId: number) => {
    const incident = bot.ctx.store.incidents.get(incidentId);
    if (!incident?.threadTs || !incident.channel) throw new Error(`incident ${incidentId} has no thread`);
    return { channel: incident.channel, ts: incident.threadTs };
  };

  const h: Harness = {
    standIn,
    bot,
    driver,
    async settle() {
      // Bolt answers before the listener finishes; give listeners a turn, then drain the Slack queue.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        await bot.slack.idle();
      }
    },
    thread(incidentId) {
      const { channel, ts } = threadTs(incidentId);
      return standIn.thread(channel, ts);
    },
    panel(incidentId) {
      const { channel, ts } = threadTs(incidentId);
      const m = standIn.message(channel, ts);
      if (!m) throw new Error('no control panel');
      return m;
    },
    ephemeralsFor: (userId) => standIn.ephemerals({ user: userId }),
    waitForEphemeral: (userId, text, timeoutMs = 5000) =>
      standIn.waitFor(
        () => standIn.ephemerals({ user: userId }).find((e) => e.text.includes(text)),
        timeoutMs,
      ),
    reply(incidentId, match) {
      return h
        .thread(incidentId)
        .slice(1)
        .filter((m) => match.test(m.text))
        .pop();
    },
    async stop() {
      await bot.stop();
      await standIn.stop();
      t.cleanup();
    },
  };
  return h;
}

/** Every button in a message, as `action_id → value`. */
export function buttonsOf(message: { blocks?: unknown[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of (message.blocks ?? []) as Array<{
    elements?: Array<{ action_id?: string; value?: string }>;
  }>) {
    for (const el of block.elements ?? []) if (el.action_id) out.set(el.action_id, el.value ?? '');
  }
  return out;
}

/** Declares an incident through `/ssec declare` and returns its id once the thread is up. */
export async function declare(h: Harness, userId: string, text: string): Promise<number> {
  const before = h.bot.ctx.store.incidents.listOpen().map((i) => i.id);
  const res = await h.driver.slashCommand({ userId, text: `declare ${text}`, channelId: CHANNEL });
  if (res.status !== 200) throw new Error(`declare answered ${res.status}`);
  const incident = await h.standIn.waitFor(
    () => h.bot.ctx.store.incidents.listOpen().find((i) => !before.includes(i.id) && i.threadTs),
    5000,
  );
  await h.settle();
  return incident.id;
}

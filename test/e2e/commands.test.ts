// The `/ssec` subcommands, the declare and close modals, App Home, reminders, progress throttling
// and Slack's rate limits, all over signed HTTP against the Slack API stand-in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowEffects } from '../../src/workflow/effects.ts';
import type { ContainInput } from '../../workflows/types.ts';
import {
  ALICE,
  BOB,
  buttonsOf,
  CHANNEL,
  declare,
  type Harness,
  instantEffects,
  MALLORY,
  startHarness,
} from './harness.ts';

let h: Harness;
let now = Date.parse('2026-03-02T10:00:00Z');
const fx = instantEffects();
const containInputs: ContainInput[] = [];
// Recovery reports progress many times a second, as a real restore does.
const effects: WorkflowEffects = {
  ...fx.effects,
  async contain(input, ctx) {
    containInputs.push(input);
    return fx.effects.contain(input, ctx);
  },
  async recover(_input, ctx) {
    for (let done = 1; done <= 250; done++) {
      ctx.progress({ done, total: 250 });
      await new Promise((r) => setTimeout(r, 10));
    }
    return { restored: 250, failed: 0, unrecoverable: 0 };
  },
};

beforeAll(async () => {
  h = await startHarness({ effects, overrides: { clock: () => new Date(now) } });
});
afterAll(async () => h?.stop());

async function command(userId: string, text: string, channelId = CHANNEL) {
  const res = await h.driver.slashCommand({ userId, text, channelId });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  return res;
}

/** The answer the command's user saw (via its response URL), once it arrives. */
async function answer(userId: string, text: string, contains: string, channelId = CHANNEL) {
  const before = h.ephemeralsFor(userId).length;
  await command(userId, text, channelId);
  return h.standIn.waitFor(
    () =>
      h
        .ephemeralsFor(userId)
        .slice(before)
        .find((e) => e.text.includes(contains) || JSON.stringify(e.blocks ?? []).includes(contains)),
    5000,
  );
}

describe('invalid or ambiguous input says exactly what to type', () => {
  it('no open incident', async () => {
    const e = await answer(ALICE, 'contain', 'No incident is open');
    expect(e.text).toContain('`/ssec declare <bucket> [--key AKIA…]`');
  });

  it('bad bucket, bad key, bad time', async () => {
    const e = await answer(ALICE, 'declare Bad_Bucket --key AKIA123 --since yesterday', 'Not a bucket name');
    expect(e.text).toContain('Not an access key id: AKIA123');
    expect(e.text).toContain('Not a time');
    expect(e.text).toContain('Type: `/ssec declare my-bucket');
    expect(h.bot.ctx.store.incidents.listOpen()).toEqual([]);
  });

  it('unknown flags and strategies', async () => {
    const e1 = await answer(ALICE, 'contain --force', 'has no `--force`');
    expect(e1.text).toContain('Type: `/ssec contain [INC-n] [--skip');
    const e2 = await answer(ALICE, 'recover --strategy yolo', 'is not one of versions, backup, batch');
    expect(e2.text).toContain('/ssec recover [INC-n] [--strategy versions|backup|batch] [--dry-run]');
  });

  it('a non-responder cannot declare, and it is audited', async () => {
    await answer(MALLORY, 'declare some-bucket', 'Only configured incident responders');
    expect(
      h.bot.ctx.store.audit.entries().filter((e) => e.actor === MALLORY && e.action === 'incident.declare'),
    ).toMatchObject([{ outcome: 'refused', detail: { reason: 'not-a-responder' } }]);
  });
});

describe('declare through the modal', () => {
  it('opens a form when the buckets are missing, checks it, and declares', async () => {
    await command(ALICE, 'declare --key AKIAIOSFODNN7EXAMPLE');
    const modal = await h.standIn.waitFor(() =>
      h.standIn.views(ALICE).find((v) => v.open && v.callback_id === 'ssec_declare'),
    );
    expect(JSON.stringify(modal.blocks)).toContain('AKIAIOSFODNN7EXAMPLE');
    const bad = await h.driver.viewSubmission({
      userId: ALICE,
      viewId: modal.id,
      values: { declare_buckets: { buckets: 'Not A Bucket' } },
    });
    expect(bad.outcome).toMatchObject({
      action: 'errors',
      errors: { declare_buckets: expect.stringContaining('Not a bucket name') },
    });
    const good = await h.driver.viewSubmission({
      userId: ALICE,
      viewId: modal.id,
      values: {
        declare_buckets: { buckets: 'modal-bucket\ns3://second-bucket/' },
        declare_keys: { keys: 'AKIAIOSFODNN7EXAMPLE' },
      },
    });
    expect(good.outcome?.action).toBe('closed');
    const confirmation = await h.waitForEphemeral(ALICE, 'Declared INC-');
    expect(confirmation.text).toContain('Open the incident thread');
    const incident = h.bot.ctx.store.incidents.listOpen().at(-1)!;
    expect(incident.buckets).toEqual(['modal-bucket', 'second-bucket']);
    expect(incident.accessKeyIds).toEqual(['AKIAIOSFODNN7EXAMPLE']);
    expect(incident.declaredBy).toBe(ALICE);
  });
});

describe('list, status and the App Home', () => {
  let first: number;
  let second: number;

  beforeAll(async () => {
    first = h.bot.ctx.store.incidents.listOpen()[0]!.id;
    second = await declare(h, BOB, 'other-bucket');
  });

  it('with two incidents open, a command without INC-n says which to name', async () => {
    const e = await answer(ALICE, 'status', 'incidents are open');
    expect(e.text).toContain(`say which one: \`/ssec status INC-${first}\``);
    const missing = await answer(ALICE, 'status INC-999', 'There is no incident INC-999');
    expect(missing.text).toContain(`Open incidents: INC-${first}, INC-${second}`);
  });

  it('list shows each open incident with its phase and a link to its thread', async () => {
    const e = await answer(ALICE, 'list', 'Open incidents (2)');
    const text = JSON.stringify(e.blocks);
    for (const id of [first, second])
      expect(text).toMatch(
        new RegExp(`<https://sandbox\\.slack\\.com/archives/${CHANNEL}/p\\d+\\|INC-${id}>`),
      );
  });

  it('status shows the panel without buttons; outside the channel only responders see details', async () => {
    const e = await answer(ALICE, `status INC-${second}`, 'other-bucket');
    expect(buttonsOf({ blocks: e.blocks as unknown[] }).size).toBe(0);
    const outsider = await answer(
      MALLORY,
      `status INC-${second}`,
      'Details are shown to responders',
      'C0RANDOM',
    );
    expect(JSON.stringify(outsider)).not.toContain('other-bucket');
  });

  it('a dry run answers only the person who asked and changes nothing', async () => {
    const before = fx.calls.contain;
    const e = await answer(BOB, `contain INC-${second} --dry-run`, 'Dry run of containment');
    expect(JSON.stringify(e.blocks)).toContain('nothing was changed');
    expect(fx.calls.contain).toBe(before);
    expect(
      h.bot.ctx.store.audit.forIncident(second).some((x) => x.action === 'step.dry-run' && x.actor === BOB),
    ).toBe(true);
  });

  it('App Home lists open incidents with phase and permalink, and closed ones; others see less', async () => {
    await h.driver.appHomeOpened(ALICE);
    const home = await h.standIn.waitFor(() => h.standIn.homeView(ALICE));
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('Open incidents (2)');
    expect(text).toMatch(new RegExp(`\\|INC-${first}>\\* · (Reported|Contain|Assess|Recover)`));
    expect(text).toContain('Recently closed');
    await h.driver.appHomeOpened(MALLORY);
    const other = await h.standIn.waitFor(() => h.standIn.homeView(MALLORY));
    expect(JSON.stringify(other.blocks)).toContain('2 incident(s) open');
    expect(JSON.stringify(other.blocks)).not.toContain('other-bucket');
  });

  it('closing an unverified incident asks for a reason, by command and by button', async () => {
    const e = await answer(ALICE, `close INC-${first}`, 'needs a reason');
    expect(e.text).toContain(`Type: \`/ssec close INC-${first} <reason>\``);
    await h.driver.clickButton({
      userId: ALICE,
      channel: CHANNEL,
      ts: h.panel(first).ts,
      actionId: 'ssec.cancel',
    });
    const modal = await h.standIn.waitFor(() =>
      h.standIn.views(ALICE).find((v) => v.open && v.callback_id === 'ssec_close'),
    );
    const empty = await h.driver.viewSubmission({
      userId: ALICE,
      viewId: modal.id,
      values: { close_reason: { reason: ' ' } },
    });
    expect(empty.outcome?.action).toBe('errors');
    await h.driver.viewSubmission({
      userId: ALICE,
      viewId: modal.id,
      values: { close_reason: { reason: 'drill only' } },
    });
    await h.standIn.waitFor(
      () => (h.bot.ctx.store.incidents.get(first)!.status === 'cancelled' ? true : undefined),
      5000,
    );
    await h.settle();
    expect(h.reply(first, /cancelled/)).toBeDefined();
    expect(h.panel(first).text).toMatch(/· Cancelled ·/);
    await h.driver.appHomeOpened(ALICE);
    await h.settle();
    expect(JSON.stringify(h.standIn.homeView(ALICE)!.blocks)).toMatch(
      new RegExp(`Recently closed.*INC-${first}`),
    );
  });
});

describe('containment with parts left out', () => {
  let id: number;

  beforeAll(async () => {
    id = await declare(h, ALICE, 'shared-key-bucket');
  });

  it('refuses an unknown part, and skipping everything, saying what to type', async () => {
    const bad = await answer(ALICE, `contain INC-${id} --skip deny-all,keys`, 'takes a comma-separated list');
    expect(bad.text).toContain('deactivate, deny-all, sessions, block, lifecycle; got `keys`');
    const all = await answer(
      ALICE,
      `contain INC-${id} --skip deactivate,deny-all,sessions,block,lifecycle`,
      'leaves nothing to contain',
    );
    expect(all.text).toContain('Type: `/ssec contain');
    expect(h.reply(id, /Containment of INC-\d+ needs approval/)).toBeUndefined();
  });

  it('asks approval for exactly what is left, and the approved step runs with those options', async () => {
    await command(ALICE, `contain INC-${id} --skip deny-all,lifecycle`);
    const approval = await h.standIn.waitFor(
      () => h.reply(id, /Containment of INC-\d+ needs approval/),
      5000,
    );
    const text = JSON.stringify(approval.blocks);
    expect(text).toContain('deactivate the access key(s)');
    expect(text).toContain('block SSE-C writes');
    expect(text).not.toContain('AWSDenyAll');
    expect(text).not.toContain('lifecycle');
    await h.driver.clickButton({
      userId: BOB,
      channel: CHANNEL,
      ts: approval.ts,
      actionId: 'ssec.approve.contain-1',
    });
    await h.standIn.waitFor(() => h.reply(id, /contained/), 10_000);
    expect(containInputs.at(-1)).toMatchObject({
      incidentId: id,
      options: { attachDenyAll: false, defuseLifecycle: false, deactivateKeys: true, blockSseC: true },
    });
  });
});

describe('reminders, progress and rate limits', () => {
  let id: number;

  beforeAll(async () => {
    id = await declare(h, ALICE, 'progress-bucket');
  });

  it('reminds responders of a waiting approval, linking to it', async () => {
    await command(ALICE, `contain INC-${id}`);
    await h.settle();
    now += 16 * 60_000; // the default reminder interval is 15 minutes
    await h.bot.runtime.sweep();
    await h.settle();
    const reminder = h.reply(id, /still needs approval/);
    expect(reminder).toBeDefined();
    const text = JSON.stringify(reminder!.blocks);
    expect(text).toContain('Still waiting: <@U0ALICE> asked for *containment*');
    expect(text).toContain('|the request>');
    expect(text).toContain('<@U0BOB>');
    expect(text).toContain('<!subteam^S0ONCALL>');
  });

  it('a long step edits one progress message, at most once a second, and survives a 429', async () => {
    const approval = h.reply(id, /Containment of INC-\d+ needs approval/)!;
    // Slack answers the next panel edit with 429 Retry-After: 1; the client waits and retries.
    h.standIn.rateLimitNext('chat.update', 1);
    await h.driver.clickButton({
      userId: BOB,
      channel: CHANNEL,
      ts: approval.ts,
      actionId: 'ssec.approve.contain-1',
    });
    await h.standIn.waitFor(() => h.reply(id, /contained/), 10_000);
    await h.settle();
    await h.driver.clickButton({
      userId: ALICE,
      channel: CHANNEL,
      ts: h.panel(id).ts,
      actionId: 'ssec.request.recover.versions',
    });
    await h.settle();
    const recoverApproval = h.reply(id, /Recovery of INC-\d+ needs approval/)!;
    await h.driver.clickButton({
      userId: BOB,
      channel: CHANNEL,
      ts: recoverApproval.ts,
      actionId: 'ssec.approve.recover-1',
    });
    await h.standIn.waitFor(() => h.reply(id, /verified/), 15_000);
    await h.settle();

    const progress = h.thread(id).filter((m) => m.text.startsWith(`INC-${id}: Recovery `));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.text).toBe(`INC-${id}: Recovery finished`);
    expect(JSON.stringify(progress[0]!.blocks)).toContain('250 of 250 (100%)');
    const edits = h.standIn.callsTo('chat.update').filter((c) => c.ok && c.args.ts === progress[0]!.ts);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    // 250 progress reports over ~2.5 s became a handful of edits, each at least a second apart.
    expect(edits.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < edits.length; i++) {
      expect(edits[i]!.at.getTime() - edits[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(990);
    }
    // The rate-limited edit was retried and the panel is current.
    expect(h.standIn.callsTo('chat.update').some((c) => c.status === 429)).toBe(true);
    expect(h.panel(id).text).toMatch(/· Verify ·/);
  });
});

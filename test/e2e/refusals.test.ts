// Acceptance 2: every refusal — non-responder, self-approval, expired, double click, stale message —
// over real HTTP with signed requests. Each must change nothing, tell the person why (ephemeral,
// once) and leave an audit entry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/store/audit-log.ts';
import {
  ALICE,
  BOB,
  buttonsOf,
  CAROL,
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

beforeAll(async () => {
  h = await startHarness({ effects: fx.effects, overrides: { clock: () => new Date(now) } });
});
afterAll(async () => h?.stop());

function refusals(incidentId: number | null, actor: string): AuditEntry[] {
  const entries =
    incidentId === null ? h.bot.ctx.store.audit.entries() : h.bot.ctx.store.audit.forIncident(incidentId);
  return entries.filter((e) => e.actor === actor && e.outcome === 'refused');
}

/** Clicks a button from a message as it was when captured (a stale client still shows it). */
async function clickValue(userId: string, messageTs: string, actionId: string, value: string) {
  const res = await h.driver.blockAction({ userId, actionId, value, channelId: CHANNEL, messageTs });
  expect(res.status).toBe(200);
  return res;
}

async function requestContainment(incidentId: number, by: string) {
  await h.driver.clickButton({
    userId: by,
    channel: CHANNEL,
    ts: h.panel(incidentId).ts,
    actionId: 'ssec.request.contain',
  });
  await h.settle();
  const approval = h.reply(incidentId, /Containment of INC-\d+ needs approval/);
  if (!approval) throw new Error('no approval message');
  return approval;
}

describe('approval refusals', () => {
  let incidentId: number;
  let approvalTs: string;
  let approveValue: string;

  beforeAll(async () => {
    incidentId = await declare(h, ALICE, 'refusal-bucket --key AKIAIOSFODNN7EXAMPLE');
    const approval = await requestContainment(incidentId, ALICE);
    approvalTs = approval.ts;
    approveValue = buttonsOf(approval).get('ssec.approve.contain-1')!;
    expect(approveValue).toBeDefined();
  });

  it('refuses a non-responder: ephemeral, audited, still pending', async () => {
    await h.driver.clickButton({
      userId: MALLORY,
      channel: CHANNEL,
      ts: approvalTs,
      actionId: 'ssec.approve.contain-1',
    });
    const e = await h.waitForEphemeral(MALLORY, 'Only configured incident responders');
    expect(e.source).toBe('response_url');
    await h.settle();
    expect(refusals(incidentId, MALLORY).map((r) => r.detail.reason)).toEqual(['not-a-responder']);
    expect(h.ephemeralsFor(MALLORY)).toHaveLength(1);
    expect(h.bot.runtime.snapshot(incidentId)!.context.approvals['contain-1']!.status).toBe('pending');
    expect(fx.calls.contain).toBe(0);
  });

  it('refuses the requester approving their own request (two-person rule)', async () => {
    await h.driver.clickButton({
      userId: ALICE,
      channel: CHANNEL,
      ts: approvalTs,
      actionId: 'ssec.approve.contain-1',
    });
    await h.waitForEphemeral(ALICE, 'someone else must approve');
    await h.settle();
    expect(refusals(incidentId, ALICE).map((r) => r.detail.reason)).toEqual(['own-request']);
    expect(h.ephemeralsFor(ALICE).filter((e) => e.text.includes('someone else'))).toHaveLength(1);
    expect(h.bot.runtime.snapshot(incidentId)!.context.approvals['contain-1']!.status).toBe('pending');
    expect(fx.calls.contain).toBe(0);
  });

  it('a second click does nothing twice: the same approver, then another responder on the old message', async () => {
    await h.driver.clickButton({
      userId: BOB,
      channel: CHANNEL,
      ts: approvalTs,
      actionId: 'ssec.approve.contain-1',
    });
    await h.settle();
    expect(fx.calls.contain).toBe(1);
    // The message no longer offers the buttons…
    expect(buttonsOf(h.standIn.message(CHANNEL, approvalTs)!).size).toBe(0);
    // …but a client that has not refreshed still sends the click.
    await clickValue(BOB, approvalTs, 'ssec.approve.contain-1', approveValue);
    await h.waitForEphemeral(BOB, 'already been decided');
    await clickValue(CAROL, approvalTs, 'ssec.approve.contain-1', approveValue);
    await h.waitForEphemeral(CAROL, 'already been decided');
    await h.settle();
    expect(fx.calls.contain).toBe(1);
    expect(refusals(incidentId, BOB).map((r) => r.detail.reason)).toEqual(['not-pending']);
    expect(refusals(incidentId, CAROL).map((r) => r.detail.reason)).toEqual(['not-pending']);
  });

  it('a click on an old guided reply whose step is no longer possible changes nothing and says what is', async () => {
    const opening = h.reply(incidentId, /what to do first/)!;
    await h.driver.clickButton({
      userId: CAROL,
      channel: CHANNEL,
      ts: opening.ts,
      actionId: 'ssec.request.contain',
    });
    const e = await h.waitForEphemeral(CAROL, 'not possible now');
    expect(e.text).toContain('Possible now:');
    await h.settle();
    expect(refusals(incidentId, CAROL).map((r) => r.detail.reason)).toEqual(['not-pending', 'not-available']);
    expect(Object.keys(h.bot.runtime.snapshot(incidentId)!.context.approvals)).toEqual(['contain-1']);
  });
});

describe('expiry', () => {
  it('refuses an approval after it expired, and the sweeper marks the message expired', async () => {
    const incidentId = await declare(h, BOB, 'expiry-bucket');
    const approval = await requestContainment(incidentId, BOB);
    const before = fx.calls.contain;
    now += 61 * 60_000; // the default approval lifetime is 60 minutes
    await h.driver.clickButton({
      userId: ALICE,
      channel: CHANNEL,
      ts: approval.ts,
      actionId: 'ssec.approve.contain-1',
    });
    await h.waitForEphemeral(ALICE, 'has expired');
    await h.settle();
    expect(refusals(incidentId, ALICE).map((r) => r.detail.reason)).toEqual(['expired']);
    expect(fx.calls.contain).toBe(before);
    await h.bot.runtime.sweep();
    await h.settle();
    const updated = h.standIn.message(CHANNEL, approval.ts)!;
    expect(JSON.stringify(updated.blocks)).toContain('Expired');
    expect(buttonsOf(updated).size).toBe(0);
    expect(h.reply(incidentId, /expired/)).toBeDefined();
  });
});

describe('stale messages', () => {
  it('refuses a click on a closed incident’s approval message and audits it in the Slack layer', async () => {
    const incidentId = await declare(h, ALICE, 'closed-bucket');
    const approval = await requestContainment(incidentId, ALICE);
    const value = buttonsOf(approval).get('ssec.approve.contain-1')!;
    await h.driver.slashCommand({
      userId: BOB,
      text: `close INC-${incidentId} false alarm`,
      channelId: CHANNEL,
    });
    await h.settle();
    expect(h.bot.ctx.store.incidents.get(incidentId)!.status).toBe('cancelled');
    const before = fx.calls.contain;
    await clickValue(BOB, approval.ts, 'ssec.approve.contain-1', value);
    await h.waitForEphemeral(BOB, 'closed; nothing was changed');
    await h.settle();
    const audited = refusals(incidentId, BOB);
    expect(audited.map((r) => [r.action, r.detail.reason, r.detail.via])).toEqual([
      ['slack.approve', 'incident-closed', 'slack'],
    ]);
    expect(fx.calls.contain).toBe(before);
  });

  it('refuses a button value this bot did not write', async () => {
    const before = refusals(null, MALLORY).length;
    await clickValue(
      MALLORY,
      '1700000000.000100',
      'ssec.approve.contain-1',
      '{"k":"approve","i":"1; DROP TABLE"}',
    );
    await h.waitForEphemeral(MALLORY, 'could not be read');
    const audited = refusals(null, MALLORY).slice(before);
    expect(audited.map((r) => r.detail.reason)).toEqual(['malformed-action']);
  });

  it('refuses a click naming an incident that does not exist', async () => {
    await clickValue(
      BOB,
      '1700000000.000200',
      'ssec.approve.contain-1',
      '{"k":"approve","i":999,"a":"contain-1","s":"contain"}',
    );
    await h.waitForEphemeral(BOB, 'does not exist');
    expect(
      refusals(null, BOB).some((r) => r.detail.reason === 'unknown-incident' && r.detail.incidentId === 999),
    ).toBe(true);
  });
});

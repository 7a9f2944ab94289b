import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/logger.ts';
import { createStore } from '../../../src/store/store.ts';
import { createWorkflowRuntime } from '../../../src/workflow/runtime.ts';
import { INCIDENT_MACHINE_VERSION, phaseOf } from '../../../workflows/incident-machine.ts';
import { iso, MIN, RESULTS, T0 } from '../../helpers/workflow.ts';
import {
  RUNTIME_POLICY,
  type TestRuntime,
  tempDbPath,
  testRuntime,
  until,
} from '../../helpers/workflow-runtime.ts';

const open: TestRuntime[] = [];
const make = (opts: Parameters<typeof testRuntime>[0] = {}) => {
  const t = testRuntime(opts);
  open.push(t);
  return t;
};
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

const regionOf = (t: TestRuntime, id: number, region: 'containment' | 'assessment' | 'recovery') =>
  (t.runtime.snapshot(id)?.value as { open?: Record<string, string> } | undefined)?.open?.[region];

describe('open and send', () => {
  test('opening persists the first snapshot with the machine version and phase, then tells the listener', async () => {
    const t = make();
    const incident = t.newIncident();
    const snapshot = t.runtime.open(incident);
    expect(phaseOf(snapshot)).toBe('reported');
    const stored = t.store.snapshots.load(incident.id)!;
    expect(stored).toMatchObject({ machineId: 'incident', machineVersion: INCIDENT_MACHINE_VERSION });
    expect(stored.stateValue).toEqual({
      open: { containment: 'idle', assessment: 'running', recovery: 'blocked' },
    });
    expect(t.store.incidents.get(incident.id)!.phase).toBe('reported');
    await until(() => t.changes.length > 0, 'a change');
    expect(t.changes[0]!.events.map((e) => e.type)).toEqual(['step.started']);
    // Opening twice returns the running workflow rather than starting a second one.
    t.runtime.open(incident);
    expect(t.fx.calls.assess).toHaveLength(1);
    expect(t.store.audit.forIncident(incident.id).map((e) => e.action)).toEqual([
      'workflow.open',
      'assess.start',
    ]);
  });

  test('every transition is saved before the listener hears of it', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    expect(await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' })).toEqual({
      accepted: true,
    });
    expect(
      await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' }),
    ).toEqual({
      accepted: true,
    });
    await t.settle('contain');
    expect(regionOf(t, incident.id, 'containment')).toBe('contained');
    const revisions = t.changes.map((c) => c.storedRevision);
    expect(revisions).toEqual([1, 2, 3, 4]);
    // The snapshot each listener call received is the one that was stored at that revision's time.
    expect(t.changes.map((c) => phaseOf(c.snapshot))).toEqual(['reported', 'contain', 'contain', 'assess']);
    expect(t.store.snapshots.load(incident.id)!.stateValue).toMatchObject({
      open: { containment: 'contained' },
    });
  });

  test('send stamps the time from the clock and resolves responder membership', async () => {
    const asked: string[] = [];
    const t = make({
      isResponder: async (u) => {
        asked.push(u);
        return u === 'U-ALICE' || u === 'U-BOB';
      },
    });
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    t.clock.now = T0 + 7 * MIN;
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    expect(t.runtime.snapshot(incident.id)!.context.approvals['contain-1']).toMatchObject({
      requestedAt: iso(T0 + 7 * MIN),
      expiresAt: iso(T0 + 67 * MIN),
    });
    const refused = await t.runtime.send(incident.id, {
      type: 'APPROVE',
      approvalId: 'contain-1',
      by: 'U-EVE',
    });
    expect(refused).toEqual({
      accepted: false,
      reason: 'not-a-responder',
      refusal: 'Only configured incident responders can do that.',
    });
    expect(asked).toEqual(['U-ALICE', 'U-EVE']);
  });

  test('a failing responder lookup counts as "not a responder"', async () => {
    const t = make({
      isResponder: async () => {
        throw new Error('slack is down');
      },
    });
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    const result = await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    expect(result).toMatchObject({ accepted: false, reason: 'not-a-responder' });
  });

  test('refusals and impossible requests are audited and change nothing', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    const revision = t.store.snapshots.load(incident.id)!.revision;

    const own = await t.runtime.send(incident.id, {
      type: 'APPROVE',
      approvalId: 'contain-1',
      by: 'U-ALICE',
    });
    expect(own).toMatchObject({ accepted: false, reason: 'own-request' });
    const impossible = await t.runtime.send(incident.id, {
      type: 'REQUEST',
      step: 'recover',
      strategy: 'versions',
      by: 'U-BOB',
    });
    expect(impossible).toEqual({
      accepted: false,
      reason: 'not-available',
      refusal: 'REQUEST is not possible now (phase: contain).',
    });
    expect(t.runtime.snapshot(incident.id)!.context.approvals['contain-1']?.approvers).toEqual([]);
    const audit = t.store.audit.forIncident(incident.id);
    expect(audit.slice(-2)).toMatchObject([
      {
        actor: 'U-ALICE',
        action: 'approval.approve',
        outcome: 'refused',
        detail: { reason: 'own-request', approvalId: 'contain-1', step: 'contain' },
      },
      {
        actor: 'U-BOB',
        action: 'approval.request',
        outcome: 'refused',
        detail: {
          reason: 'not-available',
          event: { type: 'REQUEST', step: 'recover', strategy: 'versions' },
        },
      },
    ]);
    // The refusal the machine emitted was saved with the (unchanged) snapshot; the impossible one was not.
    expect(t.store.snapshots.load(incident.id)!.revision).toBe(revision + 1);
  });

  test('sending to an unknown or closed incident is refused, not thrown', async () => {
    const t = make();
    expect(await t.runtime.send(999, { type: 'ASSESS', by: 'U-ALICE' })).toMatchObject({
      accepted: false,
      reason: 'no-workflow',
    });
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    expect(await t.runtime.send(incident.id, { type: 'CANCEL', reason: 'drill', by: 'U-ALICE' })).toEqual({
      accepted: true,
    });
    expect(t.store.incidents.get(incident.id)).toMatchObject({ status: 'cancelled', phase: 'cancelled' });
    expect(t.store.incidents.get(incident.id)!.closedAt).toEqual(new Date(T0));
    expect(t.runtime.snapshot(incident.id)).toBeUndefined();
    expect(await t.runtime.send(incident.id, { type: 'ASSESS', by: 'U-ALICE' })).toMatchObject({
      accepted: false,
      reason: 'no-workflow',
    });
  });

  test('audit entries record approvals, step starts and results with AWS request ids', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
    await t.settle('contain');
    await t.runtime.send(incident.id, { type: 'ASSESS', by: 'U-CAROL' });
    await until(() => t.fx.calls.assess.length === 1);
    const n = t.changes.length;
    t.fx.last('assess').reject(new Error('ListObjectVersions: AccessDenied'));
    await until(() => t.changes.length > n);
    const audit = t.store.audit.forIncident(incident.id).map((e) => ({
      actor: e.actor,
      action: e.action,
      outcome: e.outcome,
      ids: e.awsRequestIds,
    }));
    expect(audit).toEqual([
      { actor: 'system', action: 'workflow.open', outcome: 'info', ids: [] },
      { actor: 'U-ALICE', action: 'approval.request', outcome: 'ok', ids: [] },
      { actor: 'U-BOB', action: 'approval.approve', outcome: 'ok', ids: [] },
      { actor: 'U-BOB', action: 'contain.start', outcome: 'info', ids: [] },
      { actor: 'system', action: 'contain.result', outcome: 'ok', ids: ['req-contain-1', 'req-contain-2'] },
      { actor: 'U-CAROL', action: 'assess.start', outcome: 'info', ids: [] },
      { actor: 'system', action: 'assess.result', outcome: 'failed', ids: [] },
    ]);
    expect(t.store.audit.forIncident(incident.id).at(-1)!.detail).toMatchObject({
      error: 'ListObjectVersions: AccessDenied',
    });
    expect(t.store.effects.get(`${incident.id}:assess:1`)).toMatchObject({
      status: 'failed',
      error: 'ListObjectVersions: AccessDenied',
    });
    expect(t.store.audit.verify()).toMatchObject({ ok: true });
  });

  test('effects get their idempotency key, can save a before-state, and rollback reads it', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
    await until(() => t.fx.calls.contain.length === 1);
    const contain = t.fx.last('contain');
    expect(contain.ctx).toMatchObject({ incidentId: incident.id, step: 'contain', attempt: 1 });
    expect(contain.ctx.idempotencyKey).toBe(`${incident.id}:contain:1`);
    contain.ctx.saveBeforeState({ keyStatus: 'Active' });
    contain.ctx.saveBeforeState({ keyStatus: 'Inactive' });
    await t.settle('contain');
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'rollback', by: 'U-BOB' });
    await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'rollback-1', by: 'U-ALICE' });
    await until(() => t.fx.calls.rollback.length === 1);
    const rollback = t.fx.last('rollback');
    expect(rollback.ctx.beforeState('contain', rollback.input.containAttempt)).toEqual({
      keyStatus: 'Active',
    });
  });
});

describe('deadlines', () => {
  test('a pending approval has an expiry and its next reminder; deciding it cancels them', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    const pending = () =>
      t.store.deadlines
        .pending(incident.id)
        .map((d) => ({ kind: d.kind, key: d.dedupKey, due: d.dueAt.toISOString() }));
    expect(pending()).toEqual([
      { kind: 'approval.remind', key: `${incident.id}:approval:contain-1:remind:1`, due: iso(T0 + 15 * MIN) },
      { kind: 'approval.expire', key: `${incident.id}:approval:contain-1:expire`, due: iso(T0 + 60 * MIN) },
    ]);
    await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
    expect(pending()).toEqual([]);
  });

  test('the sweeper sends reminders while an approval waits, then expires it', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    const emittedTypes = () => t.changes.flatMap((c) => c.events.map((e) => e.type));

    expect(await t.runtime.sweep(new Date(T0 + 14 * MIN))).toBe(0);
    t.clock.now = T0 + 16 * MIN;
    expect(await t.runtime.sweep()).toBe(1);
    await until(() => emittedTypes().includes('reminder'));
    expect(t.store.deadlines.pending(incident.id).map((d) => d.dedupKey)).toEqual([
      `${incident.id}:approval:contain-1:remind:2`,
      `${incident.id}:approval:contain-1:expire`,
    ]);
    // A sweep at the same moment finds nothing more to do: each deadline fires once.
    expect(await t.runtime.sweep()).toBe(0);

    t.clock.now = T0 + 61 * MIN;
    // Reminder 2 (due at 30 min) and the expiry are both due; a reminder past the expiry is not sent.
    expect(await t.runtime.sweep()).toBe(2);
    expect(regionOf(t, incident.id, 'containment')).toBe('idle');
    expect(t.runtime.snapshot(incident.id)!.context.approvals['contain-1']?.status).toBe('expired');
    expect(t.store.deadlines.pending(incident.id)).toEqual([]);
    expect(emittedTypes().filter((e) => e === 'reminder')).toHaveLength(1);
    expect(t.store.audit.forIncident(incident.id).at(-1)).toMatchObject({
      actor: 'system',
      action: 'approval.expire',
    });
  });

  test('closing an incident cancels all its deadlines', async () => {
    const t = make();
    const incident = t.newIncident();
    t.runtime.open(incident, { autoAssess: false });
    await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
    await t.runtime.send(incident.id, { type: 'CLOSE', reason: 'handled by hand', by: 'U-BOB' });
    expect(t.store.deadlines.pending(incident.id)).toEqual([]);
    expect(t.store.incidents.get(incident.id)).toMatchObject({ status: 'resolved', phase: 'resolved' });
  });
});

describe('restart', () => {
  test('an incident whose stored machine version differs is refused with a message naming it; others go on', async () => {
    const dbPath = tempDbPath();
    const first = make({ dbPath });
    const old = first.newIncident({ title: 'old' });
    const current = first.newIncident({ title: 'current' });
    first.runtime.open(old, { autoAssess: false });
    first.runtime.open(current, { autoAssess: false });
    await first.close();
    open.splice(open.indexOf(first), 1);
    const db = createStore(dbPath);
    db.db.prepare('UPDATE workflow_snapshots SET machine_version = 0 WHERE incident_id = ?').run(old.id);
    db.close();

    const second = make({ dbPath });
    const report = await second.runtime.start();
    expect(report.restored).toEqual([current.id]);
    expect(report.refused).toHaveLength(1);
    const message = report.refused[0]!.message;
    expect(report.refused[0]).toMatchObject({ incidentId: old.id, ref: old.ref });
    expect(message).toContain(old.ref);
    expect(message).toContain('version 0');
    expect(message).toContain(`version ${INCIDENT_MACHINE_VERSION}`);
    expect(second.runtime.refused()).toEqual(report.refused);
    expect(await second.runtime.send(old.id, { type: 'ASSESS', by: 'U-ALICE' })).toEqual({
      accepted: false,
      reason: 'no-workflow',
      refusal: message,
    });
    expect(() => second.runtime.open(second.store.incidents.get(old.id)!)).toThrow(old.ref);
    expect(second.store.incidents.get(old.id)!.summary).toMatchObject({ workflowRefusal: message });
    expect(second.store.audit.forIncident(old.id).at(-1)).toMatchObject({
      action: 'workflow.restore',
      outcome: 'refused',
    });
    // The stored snapshot is left untouched for a build that can read it.
    expect(second.store.snapshots.load(old.id)!.machineVersion).toBe(0);
    expect(await second.runtime.send(current.id, { type: 'ASSESS', by: 'U-ALICE' })).toEqual({
      accepted: true,
    });
  });

  test('an unreadable stored snapshot is refused the same way', async () => {
    const dbPath = tempDbPath();
    const first = make({ dbPath });
    const incident = first.newIncident();
    first.runtime.open(incident, { autoAssess: false });
    await first.close();
    open.splice(open.indexOf(first), 1);
    const db = createStore(dbPath);
    db.db
      .prepare('UPDATE workflow_snapshots SET snapshot = ? WHERE incident_id = ?')
      .run(
        JSON.stringify({ status: 'active', value: { open: { containment: 'nowhere' } }, context: {} }),
        incident.id,
      );
    db.close();

    const second = make({ dbPath });
    const report = await second.runtime.start();
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]!.message).toContain(`${incident.ref} cannot be resumed`);
  });

  test('an open incident with no workflow yet (crash between creating and opening) gets one at start', async () => {
    const t = make();
    const incident = t.newIncident();
    const report = await t.runtime.start();
    expect(report.opened).toEqual([incident.id]);
    expect(t.runtime.snapshot(incident.id)).toBeDefined();
    expect(t.store.snapshots.load(incident.id)).toBeDefined();
  });

  test('stop abandons an in-flight effect; the next start re-runs the same attempt and completes it', async () => {
    const dbPath = tempDbPath();
    const first = make({ dbPath });
    const incident = first.newIncident();
    first.runtime.open(incident);
    await until(() => first.fx.calls.assess.length === 1);
    const abandoned = first.fx.last('assess');
    await first.close();
    open.splice(open.indexOf(first), 1);
    expect(abandoned.ctx.signal.aborted).toBe(true);

    const second = make({ dbPath });
    expect((await second.runtime.start()).restored).toEqual([incident.id]);
    await until(() => second.fx.calls.assess.length === 1);
    expect(second.fx.last('assess').input).toEqual(abandoned.input);
    await second.settle('assess');
    expect(regionOf(second, incident.id, 'assessment')).toBe('done');
    expect(second.store.effects.get(`${incident.id}:assess:1`)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
    expect(
      second.store.audit.forIncident(incident.id).filter((e) => e.action === 'assess.start'),
    ).toHaveLength(1);
  });
});

test('dryRun asks the effects what a step would do, with the current context, and changes nothing', async () => {
  const t = make();
  const incident = t.newIncident();
  t.runtime.open(incident, { autoAssess: false });
  const revision = t.store.snapshots.load(incident.id)!.revision;
  const result = await t.runtime.dryRun(incident.id, 'recover', { strategy: 'batch' });
  expect(result.step).toBe('recover');
  expect(t.fx.dryRuns).toEqual([
    {
      step: 'recover',
      input: {
        incidentId: incident.id,
        attempt: 0,
        buckets: ['victim-bucket'],
        strategy: 'batch',
        assessRunIds: [],
      },
    },
  ]);
  await t.runtime.dryRun(incident.id, 'contain', { options: { attachDenyAll: false } });
  expect(t.fx.dryRuns[1]!.input).toMatchObject({ options: { attachDenyAll: false, deactivateKeys: true } });
  expect(t.store.snapshots.load(incident.id)!.revision).toBe(revision);
  expect(t.fx.calls.recover).toHaveLength(0);
  await expect(t.runtime.dryRun(12345, 'assess')).rejects.toThrow(/no running workflow/);
});

test('a listener that throws does not stop the workflow', async () => {
  const store = createStore(tempDbPath());
  const runtime = createWorkflowRuntime({
    store,
    effects: {
      contain: async () => RESULTS.contain,
      rollbackContainment: async () => RESULTS.rollback,
      assess: async () => RESULTS.assess,
      recover: async () => RESULTS.recover,
      verify: async () => RESULTS.verify,
      dryRun: async (step) => ({ step, summary: '', actions: [] }),
    },
    clock: () => new Date(T0),
    logger: silentLogger(),
    isResponder: async () => true,
    policy: RUNTIME_POLICY,
    onChange: () => {
      throw new Error('slack down');
    },
  });
  try {
    const incident = store.incidents.create({
      title: 't',
      severity: 'high',
      buckets: ['b'],
      windowStart: new Date(T0),
    });
    runtime.open(incident);
    await until(
      () => runtime.snapshot(incident.id)!.matches({ open: { assessment: 'done' } }),
      'assessment done',
    );
    expect(await runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U1' })).toEqual({
      accepted: true,
    });
  } finally {
    await runtime.stop();
    store.close();
  }
});

test('the effects ledger is consulted for the attempt: a recorded success is replayed, not repeated', async () => {
  const dbPath = tempDbPath();
  const t = make({ dbPath });
  const incident = t.newIncident();
  // As if a previous run finished the effect but died before the machine heard of it.
  t.store.effects.begin(`${incident.id}:assess:1`, 'assess', incident.id);
  t.store.effects.succeed(`${incident.id}:assess:1`, { ...RESULTS.assess, affected: 99 });
  t.runtime.open(incident);
  await until(() => regionOf(t, incident.id, 'assessment') === 'done', 'assessment done');
  expect(t.fx.calls.assess).toHaveLength(0);
  expect(t.runtime.snapshot(incident.id)!.context.assessment.summary?.affected).toBe(99);
});

import { afterEach, expect, test } from 'vitest';
import { MIN, T0 } from '../../helpers/workflow.ts';
import { type TestRuntime, tempDbPath, testRuntime, until } from '../../helpers/workflow-runtime.ts';

const running: TestRuntime[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

test('an approval that expires while the bot is down is expired by the sweep at the next start', async () => {
  const dbPath = tempDbPath();
  const before = testRuntime({ dbPath, now: T0 });
  running.push(before);
  await before.runtime.start();
  const incident = before.newIncident();
  before.runtime.open(incident, { autoAssess: false });
  expect(await before.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' })).toEqual(
    {
      accepted: true,
    },
  );
  // The bot goes down ten minutes later, before anyone decides.
  before.clock.now = T0 + 10 * MIN;
  await before.close();
  running.pop();

  // Two hours on, well past the one-hour expiry, it starts again.
  const after = testRuntime({ dbPath, now: T0 + 120 * MIN });
  running.push(after);
  expect(after.store.deadlines.pending(incident.id).map((d) => d.kind)).toEqual([
    'approval.remind',
    'approval.expire',
  ]);
  const report = await after.runtime.start();
  expect(report.restored).toEqual([incident.id]);
  expect(report.deadlinesFired).toBe(2);

  const snapshot = after.runtime.snapshot(incident.id)!;
  expect(snapshot.context.approvals['contain-1']).toMatchObject({
    status: 'expired',
    decidedAt: new Date(T0 + 120 * MIN).toISOString(),
  });
  expect(snapshot.matches({ open: { containment: 'idle' } })).toBe(true);
  expect(after.store.snapshots.load(incident.id)!.stateValue).toMatchObject({
    open: { containment: 'idle' },
  });
  expect(after.store.deadlines.pending(incident.id)).toEqual([]);
  await until(
    () => after.changes.some((c) => c.events.some((e) => e.type === 'expired')),
    'the expiry to be told',
  );
  // The reminder that fell due during the outage is not sent after the expiry.
  expect(after.changes.flatMap((c) => c.events).some((e) => e.type === 'reminder')).toBe(false);

  const audit = after.store.audit.forIncident(incident.id);
  expect(audit.at(-1)).toMatchObject({
    actor: 'system',
    action: 'approval.expire',
    outcome: 'info',
    detail: { approvalId: 'contain-1', step: 'contain' },
  });
  // A click on the old approval button now is refused and nothing runs.
  expect(
    await after.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' }),
  ).toMatchObject({ accepted: false, reason: 'not-pending' });
  expect(after.fx.calls.contain).toHaveLength(0);
  expect(after.store.audit.verify()).toMatchObject({ ok: true });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createStore } from '../../../src/store/store.ts';
import type { Step } from '../../../workflows/types.ts';
import { type ChildLine, spawnWorkflowChild, type WorkflowChild } from '../../helpers/workflow-child.ts';

const children: WorkflowChild[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
});

const EFFECT_STEPS = ['contain', 'assess', 'recover', 'verify'] as const satisfies readonly Step[];
type Region = 'containment' | 'assessment' | 'recovery';

test('an incident killed with SIGKILL inside every effect completes, each effect takes place once, and the audit chain verifies', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssec-'));
  const dbPath = path.join(dir, 'ssec.db');
  let incidentId = 0;
  let restarts = 0;

  /** Starts the runtime; `hold` makes that effect wait at that point until the process is killed. */
  const spawnChild = async (hold?: `${Step}:${'start' | 'acted'}`): Promise<WorkflowChild> => {
    const child = spawnWorkflowChild(dbPath, hold ? { CRASH_HOLD: hold } : {});
    children.push(child);
    const ready = await child.waitFor((l) => l.t === 'ready');
    if (incidentId) expect(ready.restored).toEqual([incidentId]);
    return child;
  };
  const send = async (child: WorkflowChild, event: Record<string, unknown>) => {
    const from = child.lines.length;
    child.command({ cmd: 'send', incidentId, event });
    const reply = await child.waitFor((l) => l.t === 'sent', { from });
    expect(reply, JSON.stringify(event)).toMatchObject({ accepted: true });
  };
  const regionIs = (region: Region, state: string) => (l: ChildLine) =>
    l.t === 'change' && (l.value as { open?: Record<Region, string> }).open?.[region] === state;
  /** Waits until `step`'s effect reaches `stage` in this child, kills it there, and starts a new one. */
  const killAt = async (
    child: WorkflowChild,
    step: Step,
    stage: 'start' | 'acted',
    nextHold?: `${Step}:${'start' | 'acted'}`,
  ) => {
    await child.waitFor((l) => l.t === 'effect' && l.step === step && l.stage === stage);
    await child.kill();
    restarts++;
    return spawnChild(nextHold);
  };

  let child = await spawnChild('contain:start');
  child.command({ cmd: 'open', title: 'SSE-C re-encryption in victim-bucket' });
  incidentId = Number((await child.waitFor((l) => l.t === 'opened')).incidentId);

  await send(child, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
  await send(child, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
  // Killed once before the effect acted and once after it acted but before it reported back.
  child = await killAt(child, 'contain', 'start', 'contain:acted');
  child = await killAt(child, 'contain', 'acted', 'assess:start');
  await child.waitFor(regionIs('containment', 'contained'));

  await send(child, { type: 'ASSESS', by: 'U-ALICE' });
  child = await killAt(child, 'assess', 'start', 'assess:acted');
  child = await killAt(child, 'assess', 'acted', 'recover:start');
  await child.waitFor(regionIs('recovery', 'ready'));

  await send(child, { type: 'REQUEST', step: 'recover', strategy: 'versions', by: 'U-ALICE' });
  await send(child, { type: 'APPROVE', approvalId: 'recover-1', by: 'U-BOB' });
  child = await killAt(child, 'recover', 'start', 'recover:acted');
  child = await killAt(child, 'recover', 'acted', 'verify:start');
  // Recovery hands straight on to verification, which is killed in the same two places.
  child = await killAt(child, 'verify', 'start', 'verify:acted');
  child = await killAt(child, 'verify', 'acted');
  await child.waitFor(regionIs('recovery', 'verified'));

  await send(child, { type: 'CLOSE', by: 'U-ALICE' });
  await child.waitFor((l) => l.t === 'change' && l.phase === 'resolved');
  await child.kill();
  expect(restarts).toBe(8);

  const store = createStore(dbPath);
  try {
    const incident = store.incidents.get(incidentId)!;
    expect(incident).toMatchObject({ status: 'resolved', phase: 'resolved' });
    expect(incident.closedAt).not.toBeNull();

    const outcomes = store.db
      .prepare('SELECT outcome_key AS key, times FROM fake_outcomes ORDER BY key')
      .all();
    expect(outcomes).toEqual(
      [...EFFECT_STEPS].sort().map((step) => ({ key: `${incidentId}:${step}`, times: 1 })),
    );

    const calls = store.db
      .prepare<[], { step: string; key: string; n: number }>(
        'SELECT step, idempotency_key AS key, COUNT(*) AS n FROM fake_calls GROUP BY step, key ORDER BY step',
      )
      .all();
    // Every effect ran three times (two killed, one that finished), always as the same attempt:
    // a restored actor re-runs its attempt, it does not start a new one.
    expect(calls).toEqual(
      [...EFFECT_STEPS].sort().map((step) => ({ step, key: `${incidentId}:${step}:1`, n: 3 })),
    );
    for (const step of EFFECT_STEPS) {
      expect(store.effects.get(`${incidentId}:${step}:1`)).toMatchObject({
        status: 'succeeded',
        attempts: 3,
      });
      expect(store.effects.get(`${incidentId}:${step}:2`)).toBeUndefined();
    }

    expect(store.audit.verify()).toEqual({ ok: true, count: store.audit.entries().length });
    const audit = store.audit.forIncident(incidentId);
    for (const step of EFFECT_STEPS) {
      expect(audit.filter((e) => e.action === `${step}.start`)).toHaveLength(1);
      expect(audit.filter((e) => e.action === `${step}.result`).map((e) => e.outcome)).toEqual(['ok']);
    }
    expect(audit.find((e) => e.action === 'recover.result')!.awsRequestIds).toEqual([
      'req-copy-1',
      'req-copy-2',
      'req-copy-3',
    ]);
    expect(audit.at(-1)).toMatchObject({ action: 'incident.close', actor: 'U-ALICE', outcome: 'ok' });
    expect(store.deadlines.pending(incidentId)).toEqual([]);
  } finally {
    store.close();
  }
});

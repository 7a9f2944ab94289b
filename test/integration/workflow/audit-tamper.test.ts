import { afterEach, expect, test } from 'vitest';
import { createStore } from '../../../src/store/store.ts';
import { type TestRuntime, tempDbPath, testRuntime } from '../../helpers/workflow-runtime.ts';

const running: TestRuntime[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

/** A database whose audit log holds a real workflow's entries. */
async function auditedDatabase(): Promise<{ dbPath: string; count: number }> {
  const dbPath = tempDbPath();
  const t = testRuntime({ dbPath });
  running.push(t);
  const incident = t.newIncident();
  t.runtime.open(incident, { autoAssess: false });
  await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
  await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-ALICE' });
  await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
  await t.settle('contain');
  const verified = t.store.audit.verify();
  expect(verified).toEqual({ ok: true, count: 6 });
  await t.close();
  running.pop();
  return { dbPath, count: 6 };
}

test('the database refuses edits and deletions of audit rows', async () => {
  const { dbPath } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'U-MALLORY' WHERE seq = 3").run()).toThrow(
      /append-only/,
    );
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE seq = 3').run()).toThrow(/append-only/);
  } finally {
    store.close();
  }
});

test('an edited audit row is detected by verify(), at that row', async () => {
  const { dbPath } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    const row = store.audit.entries()[2]!;
    expect(row).toMatchObject({ seq: 3, actor: 'U-ALICE', action: 'approval.approve', outcome: 'refused' });
    // Someone with write access to the file drops the guard and rewrites history: the refused
    // self-approval becomes a clean one.
    store.db.exec('DROP TRIGGER audit_log_no_update');
    store.db.prepare("UPDATE audit_log SET outcome = 'ok' WHERE seq = 3").run();
    expect(store.audit.verify()).toEqual({ ok: false, seq: 3, reason: 'row content was changed' });
  } finally {
    store.close();
  }
});

test('re-hashing the edited row does not help: the next row no longer links to it', async () => {
  const { dbPath } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    store.db.exec('DROP TRIGGER audit_log_no_update');
    store.db.prepare("UPDATE audit_log SET actor = 'U-BOB', hash = ? WHERE seq = 3").run('f'.repeat(64));
    expect(store.audit.verify()).toMatchObject({ ok: false, seq: 3 });
    const { createHash } = await import('node:crypto');
    // Even a correctly recomputed hash for row 3 breaks the link from row 4.
    const r = store.db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as Record<string, unknown>;
    const canonical = JSON.stringify([
      r.seq,
      r.at,
      r.incident_id,
      r.actor,
      r.action,
      r.outcome,
      r.detail,
      r.aws_request_ids,
    ]);
    const hash = createHash('sha256')
      .update(String(r.prev_hash))
      .update('\n')
      .update(canonical)
      .digest('hex');
    store.db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 3').run(hash);
    expect(store.audit.verify()).toEqual({ ok: false, seq: 4, reason: 'previous hash does not match' });
  } finally {
    store.close();
  }
});

test('a deleted audit row is detected by verify()', async () => {
  const { dbPath } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    store.db.exec('DROP TRIGGER audit_log_no_delete');
    store.db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(store.audit.verify()).toEqual({ ok: false, seq: 3, reason: 'row 2 is missing' });
  } finally {
    store.close();
  }
});

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

test('cutting off the newest rows passes the chain alone, but not an anchor kept outside the database', async () => {
  const { dbPath, count } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    const anchor = store.audit.head()!;
    expect(anchor.seq).toBe(count);
    expect(store.audit.verify(anchor)).toEqual({ ok: true, count });
    store.db.exec('DROP TRIGGER audit_log_no_delete');
    store.db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(count - 1);
    // The remaining rows still chain: only the anchor can tell.
    expect(store.audit.verify()).toEqual({ ok: true, count: count - 2 });
    expect(store.audit.verify(anchor)).toMatchObject({ ok: false, seq: count });
    expect(store.audit.verify(anchor)).toMatchObject({
      reason: expect.stringMatching(/entries were removed/),
    });
  } finally {
    store.close();
  }
});

test('an anchor whose entry was replaced by a new chain of the same length is refused', async () => {
  const { dbPath } = await auditedDatabase();
  const store = createStore(dbPath);
  try {
    const anchor = store.audit.head()!;
    expect(store.audit.verify({ seq: anchor.seq, hash: 'a'.repeat(64) })).toEqual({
      ok: false,
      seq: anchor.seq,
      reason: `entry ${anchor.seq} does not have the recorded hash`,
    });
  } finally {
    store.close();
  }
});

test('ssec incidents --verify-audit checks the chain and an anchor, read-only', async () => {
  const { runIncidentsCommand } = await import('../../../src/cli/incidents.ts');
  const { Writable } = await import('node:stream');
  const { dbPath, count } = await auditedDatabase();
  const run = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const sink = (f: (s: string) => void) =>
      new Writable({
        write(chunk, _e, done) {
          f(String(chunk));
          done();
        },
      });
    const code = await runIncidentsCommand(args, {
      stdout: sink((s) => {
        stdout += s;
      }),
      stderr: sink((s) => {
        stderr += s;
      }),
      env: { SSEC_DB_PATH: dbPath },
    });
    return { code, stdout, stderr };
  };
  const store = createStore(dbPath);
  const head = store.audit.head()!;
  store.close();
  const intact = await run(['--verify-audit', '--anchor', `${head.seq}:${head.hash}`]);
  expect(intact).toMatchObject({ code: 0, stderr: '' });
  expect(intact.stdout).toContain(`Audit log intact: ${count} entries`);
  expect(intact.stdout).toContain(`anchor ${head.seq} holds`);

  expect(await run(['--verify-audit', '--anchor', '12:nothex'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--anchor must be SEQ:HASH'),
  });
  expect(await run(['--anchor', `${head.seq}:${head.hash}`])).toMatchObject({ code: 2 });

  const tamper = createStore(dbPath);
  tamper.db.exec('DROP TRIGGER audit_log_no_delete');
  tamper.db.prepare('DELETE FROM audit_log WHERE seq = ?').run(head.seq);
  tamper.close();
  const cut = await run(['--verify-audit', '--anchor', `${head.seq}:${head.hash}`]);
  expect(cut.code).toBe(1);
  expect(cut.stdout).toContain(`Audit log BROKEN at entry ${head.seq}`);
  // Without the anchor the shortened chain still verifies: which is why the report prints one.
  expect(await run(['--verify-audit'])).toMatchObject({ code: 0 });
});

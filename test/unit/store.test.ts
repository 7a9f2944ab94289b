import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../src/store/database.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { tempDir } from '../helpers/temp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function freshStore(): { store: Store; path: string } {
  const t = tempDir();
  const path = join(t.dir, 'nested', 'ssec.db');
  const store = createStore(path);
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  return { store, path };
}

describe('database', () => {
  it('creates its folder, uses WAL, FULL sync, foreign keys, and records the schema version', () => {
    const { store } = freshStore();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
  });

  it('makes every table STRICT', () => {
    const { store } = freshStore();
    const tables = store.db
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) expect(t, t.name).toMatchObject({ strict: 1 });
  });

  it('applies only pending migrations, and all of them or none', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const db = openDatabase(join(t.dir, 'm.db'), { migrate: false });
    expect(migrate(db, ['CREATE TABLE a (x INTEGER) STRICT'])).toBe(1);
    expect(() =>
      migrate(db, ['CREATE TABLE a (x INTEGER) STRICT', 'CREATE TABLE b (x INTEGER) STRICT', 'BROKEN SQL']),
    ).toThrow();
    // The failed batch rolled back whole: b does not exist and the version did not move.
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a database newer than this build', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'new.db');
    const raw = new BetterSqlite3(path);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase(path)).toThrow(/newer than this build/);
  });
});

describe('repositories', () => {
  it('creates incidents with INC-n refs and finds them by ref or number', () => {
    const { store } = freshStore();
    const a = store.incidents.create({
      title: 'SSE-C writes',
      severity: 'high',
      buckets: ['b1'],
      windowStart: new Date(0),
    });
    const b = store.incidents.create({
      title: 'second',
      severity: 'low',
      buckets: ['b2'],
      windowStart: new Date(0),
    });
    expect([a.ref, b.ref]).toEqual(['INC-1', 'INC-2']);
    expect(store.incidents.find('inc-2')?.title).toBe('second');
    expect(store.incidents.find('1')?.title).toBe('SSE-C writes');
    store.incidents.update(a.id, { status: 'resolved', closedAt: new Date() });
    expect(store.incidents.listOpen().map((i) => i.ref)).toEqual(['INC-2']);
  });

  it('keeps the audit log append-only and hash-chained', () => {
    const { store } = freshStore();
    for (let i = 0; i < 5; i++)
      store.audit.append({ actor: `U${i}`, action: 'approve', outcome: 'ok', detail: { i } });
    expect(store.audit.verify()).toEqual({ ok: true, count: 5 });
    expect(() => store.db.prepare('UPDATE audit_log SET actor = ? WHERE seq = 3').run('Umallory')).toThrow(
      /append-only/,
    );
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE seq = 5').run()).toThrow(/append-only/);
    // Someone with file access drops the guard and edits a row: the chain shows where.
    store.db.exec('DROP TRIGGER audit_log_no_update');
    store.db.prepare('UPDATE audit_log SET actor = ? WHERE seq = 3').run('Umallory');
    expect(store.audit.verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects a deleted audit row', () => {
    const { store } = freshStore();
    for (let i = 0; i < 4; i++) store.audit.append({ actor: 'U1', action: 'x', outcome: 'ok' });
    store.db.exec('DROP TRIGGER audit_log_no_delete');
    store.db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(store.audit.verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it('records effect attempts under an idempotency key and never reruns a success', () => {
    const { store } = freshStore();
    expect(store.effects.begin('k1', 'contain', null).attempts).toBe(1);
    store.effects.saveBeforeState('k1', { status: 'Active' });
    store.effects.saveBeforeState('k1', { status: 'Inactive' });
    expect(store.effects.begin('k1', 'contain', null)).toMatchObject({ attempts: 2, status: 'started' });
    store.effects.succeed('k1', { done: true });
    const again = store.effects.begin('k1', 'contain', null);
    expect(again).toMatchObject({ status: 'succeeded', attempts: 2, result: { done: true } });
    expect(again.beforeState).toEqual({ status: 'Active' });
  });

  it('schedules deadlines once and fires each once', () => {
    const { store } = freshStore();
    const inc = store.incidents.create({
      title: 't',
      severity: 'low',
      buckets: [],
      windowStart: new Date(0),
    });
    const due = new Date('2026-01-01T00:10:00Z');
    store.deadlines.schedule({ incidentId: inc.id, kind: 'expire', dedupKey: 'a1:expire', dueAt: due });
    store.deadlines.schedule({ incidentId: inc.id, kind: 'expire', dedupKey: 'a1:expire', dueAt: due });
    expect(store.deadlines.due(new Date('2026-01-01T00:09:59Z'))).toHaveLength(0);
    const [d] = store.deadlines.due(new Date('2026-01-01T00:10:00Z'));
    expect(d).toBeDefined();
    expect(store.deadlines.markFired(d!.id)).toBe(true);
    expect(store.deadlines.markFired(d!.id)).toBe(false);
    expect(store.deadlines.due(new Date('2027-01-01T00:00:00Z'))).toHaveLength(0);
  });

  it('stores the latest workflow snapshot with its machine version', () => {
    const { store } = freshStore();
    const inc = store.incidents.create({
      title: 't',
      severity: 'low',
      buckets: [],
      windowStart: new Date(0),
    });
    store.snapshots.save({
      incidentId: inc.id,
      machineId: 'incident',
      machineVersion: 1,
      stateValue: 'a',
      snapshot: { v: 1 },
    });
    store.snapshots.save({
      incidentId: inc.id,
      machineId: 'incident',
      machineVersion: 1,
      stateValue: 'b',
      snapshot: { v: 2 },
    });
    expect(store.snapshots.load(inc.id)).toMatchObject({
      machineVersion: 1,
      stateValue: 'b',
      snapshot: { v: 2 },
      revision: 2,
    });
  });
});

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

describe("migration 4: the clean version's storage class", () => {
  it('upgrades a database at the previous version, keeping its rows, which read back as not known', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'v3.db');
    const old = openDatabase(path, { migrate: false });
    expect(migrate(old, MIGRATIONS.slice(0, 3))).toBe(3);
    old
      .prepare(
        `INSERT INTO assess_runs (id, bucket, window_start, status, progress, findings, started_at)
         VALUES (1, 'b', '2025-01-13T10:00:00.000Z', 'completed', '{}', '{"archivedRestoreVersions":0}', '2025-01-13T11:00:00.000Z')`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO affected_objects (run_id, key, version_id, last_modified, size, restore_version_id, restore_size,
           restore_etag, recovery_status, recovery_attempts)
         VALUES (1, 'old/key.txt', 'attacker', '2025-01-13T10:05:00.000Z', 5, 'clean', 4, '"e"', 'failed', 2)`,
      )
      .run();
    old.close();

    const store = createStore(path);
    cleanups.push(() => store.close());
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
    const columns = store.db
      .prepare<[], { name: string; type: string; notnull: number }>(
        'SELECT name, type, "notnull" FROM pragma_table_info(\'affected_objects\')',
      )
      .all();
    expect(columns.find((c) => c.name === 'restore_storage_class')).toEqual({
      name: 'restore_storage_class',
      type: 'TEXT',
      notnull: 0,
    });
    expect(
      store.db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'affected_objects'").get(),
    ).toEqual({ strict: 1 });
    // The old row is all there, its storage class unknown (null, not STANDARD).
    expect([...store.assessments.affected(1)]).toEqual([
      {
        runId: 1,
        key: 'old/key.txt',
        versionId: 'attacker',
        lastModified: new Date('2025-01-13T10:05:00.000Z'),
        size: 5,
        isDeleteMarker: false,
        restoreVersionId: 'clean',
        restoreSize: 4,
        restoreEtag: '"e"',
        restoreStorageClass: null,
        reason: null,
        recoveryStatus: 'failed',
        restoredVersionId: null,
        recoveryError: null,
        recoveryAttempts: 2,
      },
    ]);

    // New rows keep theirs; rows without a clean version, or without a known class, are not counted.
    const run = store.assessments.startRun({ bucket: 'b', windowStart: new Date('2025-01-13T10:00:00Z') });
    const row = (key: string, restoreStorageClass: string | null | undefined) => ({
      key,
      versionId: `a-${key}`,
      lastModified: new Date('2025-01-13T10:05:00Z'),
      size: 1,
      isDeleteMarker: false,
      restoreVersionId: restoreStorageClass === null ? null : `c-${key}`,
      restoreSize: restoreStorageClass === null ? null : 1,
      restoreEtag: null,
      reason: restoreStorageClass === null ? 'no earlier version' : null,
      ...(restoreStorageClass === undefined ? {} : { restoreStorageClass }),
    });
    store.assessments.commitPage(run.id, {
      affected: [
        row('a', 'GLACIER'),
        row('b', 'GLACIER'),
        row('c', 'DEEP_ARCHIVE'),
        row('d', 'GLACIER_IR'),
        row('e', 'STANDARD'),
        row('f', null),
        row('g', undefined),
      ],
      changed: [],
      cursor: null,
      progress: {},
    });
    expect([...store.assessments.affected(run.id)].map((a) => [a.key, a.restoreStorageClass])).toEqual([
      ['a', 'GLACIER'],
      ['b', 'GLACIER'],
      ['c', 'DEEP_ARCHIVE'],
      ['d', 'GLACIER_IR'],
      ['e', 'STANDARD'],
      ['f', null],
      ['g', null],
    ]);
    expect(store.assessments.restoreStorageClasses(run.id)).toEqual({
      DEEP_ARCHIVE: 1,
      GLACIER: 2,
      GLACIER_IR: 1,
      STANDARD: 1,
    });
    expect(store.assessments.restoreStorageClasses(1)).toEqual({});
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

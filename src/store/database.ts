import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SsecError } from '../errors.ts';
import { MIGRATIONS } from './migrations.ts';

export type Database = BetterSqlite3.Database;

/**
 * Opens (creating if needed) the bot's SQLite file and brings its schema up to date.
 * WAL lets readers (healthz, `ssec incidents`) run beside the writer; synchronous=FULL because an
 * accepted alert or an approval must survive a power cut, and our write rate is low.
 */
export function openDatabase(path: string, opts: { migrate?: boolean; readonly?: boolean } = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { readonly: opts.readonly ?? false });
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (opts.migrate !== false && !opts.readonly) migrate(db);
  return db;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number {
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
    if (current > migrations.length) {
      throw new SsecError(
        'SSEC_STORE_MIGRATION',
        `Database schema version ${current} is newer than this build knows (${migrations.length}); upgrade ssec-responder`,
      );
    }
    for (let i = current; i < migrations.length; i++) {
      db.exec(migrations[i]!);
    }
    // user_version cannot be bound as a parameter; the value is our own integer.
    db.pragma(`user_version = ${migrations.length}`);
    return migrations.length - current;
  });
  return apply.immediate();
}

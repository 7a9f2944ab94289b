import { Alerts } from './alerts.ts';
import { Assessments } from './assessments.ts';
import { AuditLog } from './audit-log.ts';
import { type Database, openDatabase } from './database.ts';
import { Deadlines } from './deadlines.ts';
import { EffectsLedger } from './effects-ledger.ts';
import { Incidents } from './incidents.ts';
import { Snapshots } from './snapshots.ts';

/** The repositories over one database connection. */
export interface Store {
  db: Database;
  incidents: Incidents;
  snapshots: Snapshots;
  audit: AuditLog;
  effects: EffectsLedger;
  deadlines: Deadlines;
  assessments: Assessments;
  alerts: Alerts;
  /** Runs `fn` in one IMMEDIATE transaction across repositories. */
  transaction<T>(fn: () => T): T;
  healthy(): boolean;
  close(): void;
}

export function createStore(path: string): Store {
  const db = openDatabase(path);
  return {
    db,
    incidents: new Incidents(db),
    snapshots: new Snapshots(db),
    audit: new AuditLog(db),
    effects: new EffectsLedger(db),
    deadlines: new Deadlines(db),
    assessments: new Assessments(db),
    alerts: new Alerts(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    healthy: () => {
      try {
        return db.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}

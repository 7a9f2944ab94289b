import type { Database } from './database.ts';

export interface Deadline {
  id: number;
  incidentId: number;
  kind: string;
  dedupKey: string;
  dueAt: Date;
  payload: Record<string, unknown>;
}

interface Row {
  id: number;
  incident_id: number;
  kind: string;
  dedup_key: string;
  due_at: string;
  payload: string;
}

const toDeadline = (r: Row): Deadline => ({
  id: r.id,
  incidentId: r.incident_id,
  kind: r.kind,
  dedupKey: r.dedup_key,
  dueAt: new Date(r.due_at),
  payload: JSON.parse(r.payload),
});

/** Timers that must survive a restart (xstate `after` timers do not): a sweeper fires due ones. */
export class Deadlines {
  private readonly insert;
  private readonly dueStmt;
  private readonly fireStmt;
  private readonly cancelStmt;
  private readonly pendingStmt;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO deadlines (incident_id, kind, dedup_key, due_at, payload, created_at)
       VALUES (@incidentId, @kind, @dedupKey, @dueAt, @payload, @now)
       ON CONFLICT (dedup_key) DO NOTHING`,
    );
    this.dueStmt = db.prepare<[string], Row>(
      `SELECT * FROM deadlines WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id`,
    );
    this.fireStmt = db.prepare(
      `UPDATE deadlines SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'pending'`,
    );
    this.cancelStmt = db.prepare(
      `UPDATE deadlines SET status = 'cancelled' WHERE incident_id = ? AND dedup_key LIKE ? AND status = 'pending'`,
    );
    this.pendingStmt = db.prepare<[number], Row>(
      `SELECT * FROM deadlines WHERE incident_id = ? AND status = 'pending' ORDER BY due_at`,
    );
  }

  /** Idempotent on `dedupKey`: scheduling the same deadline twice keeps the first. */
  schedule(
    d: { incidentId: number; kind: string; dedupKey: string; dueAt: Date; payload?: object },
    now = new Date(),
  ) {
    this.insert.run({
      incidentId: d.incidentId,
      kind: d.kind,
      dedupKey: d.dedupKey,
      dueAt: d.dueAt.toISOString(),
      payload: JSON.stringify(d.payload ?? {}),
      now: now.toISOString(),
    });
  }

  due(now: Date): Deadline[] {
    return this.dueStmt.all(now.toISOString()).map(toDeadline);
  }

  /** Returns false when another sweeper (or an earlier run) already fired it. */
  markFired(id: number, now = new Date()): boolean {
    return this.fireStmt.run(now.toISOString(), id).changes === 1;
  }

  cancel(incidentId: number, dedupKeyPrefix: string): number {
    return this.cancelStmt.run(incidentId, `${dedupKeyPrefix.replace(/[%_]/g, '')}%`).changes;
  }

  pending(incidentId: number): Deadline[] {
    return this.pendingStmt.all(incidentId).map(toDeadline);
  }
}

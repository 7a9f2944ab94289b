import type { Database } from './database.ts';

export type AlertStatus = 'received' | 'processed' | 'ignored' | 'failed';

export interface StoredAlert {
  id: number;
  dedupKey: string;
  route: string;
  receivedAt: Date;
  raw: string;
  status: AlertStatus;
  attempts: number;
  reason: string | null;
  incidentId: number | null;
}

interface Row {
  id: number;
  dedup_key: string;
  route: string;
  received_at: string;
  raw: string;
  status: AlertStatus;
  attempts: number;
  reason: string | null;
  incident_id: number | null;
}

const toAlert = (r: Row): StoredAlert => ({
  id: r.id,
  dedupKey: r.dedup_key,
  route: r.route,
  receivedAt: new Date(r.received_at),
  raw: r.raw,
  status: r.status,
  attempts: r.attempts,
  reason: r.reason,
  incidentId: r.incident_id,
});

/** Raw alerts, stored before anything is done with them, so an accepted alert is never lost. */
export class Alerts {
  private readonly insert;
  private readonly byKey;
  private readonly byId;
  private readonly pendingStmt;
  private readonly finish;
  private readonly failStmt;
  private readonly countStmt;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO alerts (dedup_key, route, received_at, raw) VALUES (?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
    );
    this.byKey = db.prepare<[string], Row>('SELECT * FROM alerts WHERE dedup_key = ?');
    this.byId = db.prepare<[number], Row>('SELECT * FROM alerts WHERE id = ?');
    this.pendingStmt = db.prepare<[number], Row>(
      `SELECT * FROM alerts WHERE status = 'received' OR (status = 'failed' AND attempts < ?) ORDER BY id`,
    );
    this.finish = db.prepare(
      'UPDATE alerts SET status = ?, reason = ?, incident_id = ?, processed_at = ?, attempts = attempts + 1 WHERE id = ?',
    );
    this.countStmt = db.prepare<[], { status: AlertStatus; n: number }>(
      'SELECT status, count(*) AS n FROM alerts GROUP BY status',
    );
    this.failStmt = db.prepare(
      `UPDATE alerts SET status = 'failed', reason = ?, attempts = attempts + 1 WHERE id = ?`,
    );
  }

  /** Stores the raw alert once per dedup key; a second delivery returns the first with `duplicate`. */
  accept(
    a: { dedupKey: string; route: string; raw: string },
    now = new Date(),
  ): { alert: StoredAlert; duplicate: boolean } {
    const inserted = this.insert.run(a.dedupKey, a.route, now.toISOString(), a.raw).changes === 1;
    return { alert: toAlert(this.byKey.get(a.dedupKey)!), duplicate: !inserted };
  }

  get(id: number): StoredAlert | undefined {
    const r = this.byId.get(id);
    return r ? toAlert(r) : undefined;
  }

  /** Alerts still to process: never processed, or failed fewer than `maxAttempts` times. */
  pending(maxAttempts: number): StoredAlert[] {
    return this.pendingStmt.all(maxAttempts).map(toAlert);
  }

  /** How many alerts stand in each status: a growing `failed` count is an alert being lost. */
  counts(): Record<AlertStatus, number> {
    const out: Record<AlertStatus, number> = { received: 0, processed: 0, ignored: 0, failed: 0 };
    for (const r of this.countStmt.all()) out[r.status] = r.n;
    return out;
  }

  markProcessed(id: number, incidentId: number | null, now = new Date()): void {
    this.finish.run('processed', null, incidentId, now.toISOString(), id);
  }

  markIgnored(id: number, reason: string, now = new Date()): void {
    this.finish.run('ignored', reason, null, now.toISOString(), id);
  }

  markFailed(id: number, reason: string): void {
    this.failStmt.run(reason, id);
  }
}

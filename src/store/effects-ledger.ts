import type { Database } from './database.ts';

export interface EffectRecord {
  key: string;
  incidentId: number | null;
  kind: string;
  status: 'started' | 'succeeded' | 'failed';
  attempts: number;
  beforeState: unknown;
  result: unknown;
  error: string | null;
}

interface Row {
  idempotency_key: string;
  incident_id: number | null;
  kind: string;
  status: 'started' | 'succeeded' | 'failed';
  attempts: number;
  before_state: string | null;
  result: string | null;
  error: string | null;
}

const parse = (s: string | null): unknown => (s === null ? undefined : JSON.parse(s));

function toRecord(r: Row): EffectRecord {
  return {
    key: r.idempotency_key,
    incidentId: r.incident_id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    beforeState: parse(r.before_state),
    result: parse(r.result),
    error: r.error,
  };
}

/**
 * Every effect on AWS records its attempt here under an idempotency key before it acts, so an
 * effect re-run after a crash can tell what already happened (and the before-state it saved).
 */
export class EffectsLedger {
  private readonly getStmt;
  private readonly startStmt;
  private readonly beforeStmt;
  private readonly finishStmt;

  constructor(db: Database) {
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM effects WHERE idempotency_key = ?');
    this.startStmt = db.prepare(
      `INSERT INTO effects (idempotency_key, incident_id, kind, status, attempts, started_at)
       VALUES (@key, @incidentId, @kind, 'started', 1, @at)
       ON CONFLICT (idempotency_key) DO UPDATE SET
         attempts = attempts + 1, status = 'started', started_at = @at, error = NULL
       WHERE status != 'succeeded'`,
    );
    this.beforeStmt = db.prepare(
      'UPDATE effects SET before_state = ? WHERE idempotency_key = ? AND before_state IS NULL',
    );
    this.finishStmt = db.prepare(
      'UPDATE effects SET status = ?, result = ?, error = ?, finished_at = ? WHERE idempotency_key = ?',
    );
  }

  get(key: string): EffectRecord | undefined {
    const r = this.getStmt.get(key);
    return r ? toRecord(r) : undefined;
  }

  /** Records an attempt; returns the record as it now stands (status 'succeeded' means: do nothing). */
  begin(key: string, kind: string, incidentId: number | null, at = new Date()): EffectRecord {
    this.startStmt.run({ key, kind, incidentId, at: at.toISOString() });
    return this.get(key)!;
  }

  /** Saves the state before the change, once: a re-run must not overwrite it with the changed state. */
  saveBeforeState(key: string, before: unknown): void {
    this.beforeStmt.run(JSON.stringify(before ?? null), key);
  }

  succeed(key: string, result: unknown, at = new Date()): void {
    this.finishStmt.run('succeeded', JSON.stringify(result ?? null), null, at.toISOString(), key);
  }

  fail(key: string, error: string, at = new Date()): void {
    this.finishStmt.run('failed', null, error, at.toISOString(), key);
  }
}

import type { Database } from './database.ts';

export interface StoredSnapshot {
  incidentId: number;
  machineId: string;
  machineVersion: number;
  stateValue: unknown;
  snapshot: unknown;
  revision: number;
  updatedAt: Date;
}

interface Row {
  incident_id: number;
  machine_id: string;
  machine_version: number;
  state_value: string;
  snapshot: string;
  revision: number;
  updated_at: string;
}

/** The latest persisted xstate snapshot of each incident's workflow. */
export class Snapshots {
  private readonly upsert;
  private readonly getStmt;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO workflow_snapshots (incident_id, machine_id, machine_version, state_value, snapshot, revision, updated_at)
       VALUES (@incidentId, @machineId, @machineVersion, @stateValue, @snapshot, 1, @now)
       ON CONFLICT (incident_id) DO UPDATE SET machine_id = @machineId, machine_version = @machineVersion,
         state_value = @stateValue, snapshot = @snapshot, revision = revision + 1, updated_at = @now`,
    );
    this.getStmt = db.prepare<[number], Row>('SELECT * FROM workflow_snapshots WHERE incident_id = ?');
  }

  save(
    s: {
      incidentId: number;
      machineId: string;
      machineVersion: number;
      stateValue: unknown;
      snapshot: unknown;
    },
    now = new Date(),
  ) {
    this.upsert.run({
      incidentId: s.incidentId,
      machineId: s.machineId,
      machineVersion: s.machineVersion,
      stateValue: JSON.stringify(s.stateValue),
      snapshot: JSON.stringify(s.snapshot),
      now: now.toISOString(),
    });
  }

  load(incidentId: number): StoredSnapshot | undefined {
    const r = this.getStmt.get(incidentId);
    if (!r) return undefined;
    return {
      incidentId: r.incident_id,
      machineId: r.machine_id,
      machineVersion: r.machine_version,
      stateValue: JSON.parse(r.state_value),
      snapshot: JSON.parse(r.snapshot),
      revision: r.revision,
      updatedAt: new Date(r.updated_at),
    };
  }
}

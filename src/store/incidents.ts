import type { Database } from './database.ts';

export type IncidentStatus = 'open' | 'resolved' | 'cancelled';

export interface Incident {
  id: number;
  ref: string;
  title: string;
  severity: string;
  status: IncidentStatus;
  phase: string;
  accessKeyIds: string[];
  buckets: string[];
  accountId: string | null;
  region: string | null;
  windowStart: Date;
  windowEnd: Date | null;
  declaredBy: string | null;
  channel: string | null;
  threadTs: string | null;
  firstSeen: Date | null;
  lastSeen: Date | null;
  alertCount: number;
  summary: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

interface Row {
  id: number;
  ref: string;
  title: string;
  severity: string;
  status: IncidentStatus;
  phase: string;
  access_key_ids: string;
  buckets: string;
  account_id: string | null;
  region: string | null;
  window_start: string;
  window_end: string | null;
  declared_by: string | null;
  channel: string | null;
  thread_ts: string | null;
  first_seen: string | null;
  last_seen: string | null;
  alert_count: number;
  summary: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

const date = (s: string | null) => (s === null ? null : new Date(s));

function toIncident(r: Row): Incident {
  return {
    id: r.id,
    ref: r.ref,
    title: r.title,
    severity: r.severity,
    status: r.status,
    phase: r.phase,
    accessKeyIds: JSON.parse(r.access_key_ids),
    buckets: JSON.parse(r.buckets),
    accountId: r.account_id,
    region: r.region,
    windowStart: new Date(r.window_start),
    windowEnd: date(r.window_end),
    declaredBy: r.declared_by,
    channel: r.channel,
    threadTs: r.thread_ts,
    firstSeen: date(r.first_seen),
    lastSeen: date(r.last_seen),
    alertCount: r.alert_count,
    summary: JSON.parse(r.summary),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    closedAt: date(r.closed_at),
  };
}

export interface NewIncident {
  title: string;
  severity: string;
  accessKeyIds?: string[];
  buckets: string[];
  accountId?: string | null;
  region?: string | null;
  windowStart: Date;
  windowEnd?: Date | null;
  declaredBy?: string | null;
  firstSeen?: Date | null;
  lastSeen?: Date | null;
  alertCount?: number;
  summary?: Record<string, unknown>;
}

export class Incidents {
  private readonly insertStmt;
  private readonly refStmt;
  private readonly byId;
  private readonly byRef;
  private readonly openStmt;
  private readonly recentStmt;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO incidents (ref, title, severity, access_key_ids, buckets, account_id, region, window_start,
         window_end, declared_by, first_seen, last_seen, alert_count, summary, created_at, updated_at)
       VALUES ('pending-' || @now || random(), @title, @severity, @keys, @buckets, @accountId, @region, @windowStart,
         @windowEnd, @declaredBy, @firstSeen, @lastSeen, @alertCount, @summary, @now, @now)`,
    );
    this.refStmt = db.prepare('UPDATE incidents SET ref = ? WHERE id = ?');
    this.byId = db.prepare<[number], Row>('SELECT * FROM incidents WHERE id = ?');
    this.byRef = db.prepare<[string], Row>('SELECT * FROM incidents WHERE ref = ? COLLATE NOCASE');
    this.openStmt = db.prepare<[], Row>(`SELECT * FROM incidents WHERE status = 'open' ORDER BY id`);
    this.recentStmt = db.prepare<[number], Row>(
      `SELECT * FROM incidents WHERE status != 'open' ORDER BY closed_at DESC, id DESC LIMIT ?`,
    );
  }

  create(n: NewIncident, now = new Date()): Incident {
    const tx = this.db.transaction(() => {
      const info = this.insertStmt.run({
        title: n.title,
        severity: n.severity,
        keys: JSON.stringify(n.accessKeyIds ?? []),
        buckets: JSON.stringify(n.buckets),
        accountId: n.accountId ?? null,
        region: n.region ?? null,
        windowStart: n.windowStart.toISOString(),
        windowEnd: n.windowEnd?.toISOString() ?? null,
        declaredBy: n.declaredBy ?? null,
        firstSeen: n.firstSeen?.toISOString() ?? null,
        lastSeen: n.lastSeen?.toISOString() ?? null,
        alertCount: n.alertCount ?? 0,
        summary: JSON.stringify(n.summary ?? {}),
        now: now.toISOString(),
      });
      const id = Number(info.lastInsertRowid);
      this.refStmt.run(`INC-${id}`, id);
      return id;
    });
    return this.get(tx.immediate())!;
  }

  get(id: number): Incident | undefined {
    const r = this.byId.get(id);
    return r ? toIncident(r) : undefined;
  }

  /** Accepts `INC-7`, `inc-7` or `7`. */
  find(ref: string): Incident | undefined {
    const trimmed = ref.trim();
    const r = /^\d+$/.test(trimmed) ? this.byId.get(Number(trimmed)) : this.byRef.get(trimmed);
    return r ? toIncident(r) : undefined;
  }

  listOpen(): Incident[] {
    return this.openStmt.all().map(toIncident);
  }

  listRecentlyClosed(limit = 10): Incident[] {
    return this.recentStmt.all(limit).map(toIncident);
  }

  update(
    id: number,
    patch: Partial<
      Pick<
        Incident,
        | 'title'
        | 'severity'
        | 'status'
        | 'phase'
        | 'accessKeyIds'
        | 'buckets'
        | 'channel'
        | 'threadTs'
        | 'firstSeen'
        | 'lastSeen'
        | 'alertCount'
        | 'summary'
        | 'closedAt'
        | 'windowStart'
        | 'accountId'
        | 'region'
      >
    >,
    now = new Date(),
  ): Incident {
    const columns: Record<string, unknown> = {};
    const map: Record<string, [string, (v: unknown) => unknown]> = {
      title: ['title', (v) => v],
      severity: ['severity', (v) => v],
      status: ['status', (v) => v],
      phase: ['phase', (v) => v],
      accessKeyIds: ['access_key_ids', (v) => JSON.stringify(v)],
      buckets: ['buckets', (v) => JSON.stringify(v)],
      channel: ['channel', (v) => v],
      threadTs: ['thread_ts', (v) => v],
      firstSeen: ['first_seen', (v) => (v as Date | null)?.toISOString() ?? null],
      lastSeen: ['last_seen', (v) => (v as Date | null)?.toISOString() ?? null],
      alertCount: ['alert_count', (v) => v],
      summary: ['summary', (v) => JSON.stringify(v)],
      closedAt: ['closed_at', (v) => (v as Date | null)?.toISOString() ?? null],
      windowStart: ['window_start', (v) => (v as Date).toISOString()],
      accountId: ['account_id', (v) => v],
      region: ['region', (v) => v],
    };
    for (const [k, v] of Object.entries(patch)) {
      const m = map[k];
      if (m && v !== undefined) columns[m[0]] = m[1](v);
    }
    columns.updated_at = now.toISOString();
    const sets = Object.keys(columns)
      .map((c) => `${c} = @${c}`)
      .join(', ');
    // Column names come from the fixed map above, never from input.
    this.db.prepare(`UPDATE incidents SET ${sets} WHERE id = @id`).run({ ...columns, id });
    return this.get(id)!;
  }
}

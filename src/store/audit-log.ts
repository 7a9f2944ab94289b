import { createHash } from 'node:crypto';
import type { Database } from './database.ts';

export interface AuditEntryInput {
  incidentId?: number | null;
  actor: string;
  action: string;
  outcome: 'ok' | 'refused' | 'failed' | 'info';
  detail?: Record<string, unknown>;
  awsRequestIds?: string[];
  at?: Date;
}

export interface AuditEntry {
  seq: number;
  at: string;
  incidentId: number | null;
  actor: string;
  action: string;
  outcome: string;
  detail: Record<string, unknown>;
  awsRequestIds: string[];
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** A point of the chain written down outside the database (the closing report in Slack). */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

export type AuditVerification = { ok: true; count: number } | { ok: false; seq: number; reason: string };

/** Parses the `SEQ:HASH` form the report prints. */
export function parseAuditAnchor(text: string): AuditAnchor | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : undefined;
}

interface Row {
  seq: number;
  at: string;
  incident_id: number | null;
  actor: string;
  action: string;
  outcome: string;
  detail: string;
  aws_request_ids: string;
  prev_hash: string;
  hash: string;
}

function entryHash(prevHash: string, r: Omit<Row, 'hash' | 'prev_hash'>): string {
  // A fixed field order, so the hash depends on content only.
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
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

function toEntry(r: Row): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    incidentId: r.incident_id,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    detail: JSON.parse(r.detail),
    awsRequestIds: JSON.parse(r.aws_request_ids),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Append-only, hash-chained record of who did what; triggers refuse UPDATE and DELETE. */
export class AuditLog {
  private readonly last;
  private readonly insert;
  private readonly byIncident;
  private readonly all;
  private readonly bySeq;
  private readonly appendTx;

  constructor(db: Database) {
    this.last = db.prepare<[], { seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    this.insert = db.prepare(
      `INSERT INTO audit_log (seq, at, incident_id, actor, action, outcome, detail, aws_request_ids, prev_hash, hash)
       VALUES (@seq, @at, @incident_id, @actor, @action, @outcome, @detail, @aws_request_ids, @prev_hash, @hash)`,
    );
    this.byIncident = db.prepare<[number], Row>('SELECT * FROM audit_log WHERE incident_id = ? ORDER BY seq');
    this.all = db.prepare<[], Row>('SELECT * FROM audit_log ORDER BY seq');
    this.bySeq = db.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?');
    this.appendTx = db.transaction((e: AuditEntryInput): AuditEntry => {
      const prev = this.last.get();
      const row = {
        seq: (prev?.seq ?? 0) + 1,
        at: (e.at ?? new Date()).toISOString(),
        incident_id: e.incidentId ?? null,
        actor: e.actor,
        action: e.action,
        outcome: e.outcome,
        detail: JSON.stringify(e.detail ?? {}),
        aws_request_ids: JSON.stringify(e.awsRequestIds ?? []),
      };
      const prevHash = prev?.hash ?? GENESIS;
      const full: Row = { ...row, prev_hash: prevHash, hash: entryHash(prevHash, row) };
      this.insert.run(full);
      return toEntry(full);
    });
  }

  append(entry: AuditEntryInput): AuditEntry {
    // IMMEDIATE so two writers can never read the same previous hash.
    return this.appendTx.immediate(entry);
  }

  forIncident(incidentId: number): AuditEntry[] {
    return this.byIncident.all(incidentId).map(toEntry);
  }

  entries(): AuditEntry[] {
    return this.all.all().map(toEntry);
  }

  /** The newest entry: written into the closing report, it lets a later check see removed entries. */
  head(): AuditAnchor | undefined {
    return this.last.get();
  }

  /**
   * Recomputes the chain; any edited, inserted or removed row breaks it at that point. The chain
   * alone cannot tell that its newest rows were cut off; an anchor kept elsewhere can, so with one
   * the chain must still hold that entry unchanged.
   */
  verify(anchor?: AuditAnchor): AuditVerification {
    const chain = this.verifyChain();
    if (!chain.ok || !anchor) return chain;
    if (chain.count < anchor.seq)
      return {
        ok: false,
        seq: anchor.seq,
        reason: `the log ends at entry ${chain.count} but entry ${anchor.seq} was recorded: entries were removed`,
      };
    const at = this.bySeq.get(anchor.seq);
    if (at?.hash !== anchor.hash)
      return { ok: false, seq: anchor.seq, reason: `entry ${anchor.seq} does not have the recorded hash` };
    return chain;
  }

  private verifyChain(): AuditVerification {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (const r of this.all.iterate()) {
      if (r.seq !== expectedSeq) return { ok: false, seq: r.seq, reason: `row ${expectedSeq} is missing` };
      if (r.prev_hash !== prevHash) return { ok: false, seq: r.seq, reason: 'previous hash does not match' };
      const { hash, prev_hash: _p, ...rest } = r;
      if (entryHash(prevHash, rest) !== hash)
        return { ok: false, seq: r.seq, reason: 'row content was changed' };
      prevHash = hash;
      expectedSeq++;
      count++;
    }
    return { ok: true, count };
  }
}

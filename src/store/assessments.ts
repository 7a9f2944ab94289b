import type { Database } from './database.ts';

export type RecoveryStatus = 'pending' | 'restored' | 'failed' | 'unrecoverable' | 'skipped';

export interface AffectedObject {
  runId: number;
  key: string;
  /** The attacker's current version (or the delete marker over it). */
  versionId: string;
  lastModified: Date;
  size: number;
  isDeleteMarker: boolean;
  /** The clean version to bring back, or null when none exists. */
  restoreVersionId: string | null;
  restoreSize: number | null;
  restoreEtag: string | null;
  /**
   * The clean version's storage class as listed (`STANDARD`, `GLACIER`, ...). Null when there is
   * no clean version, or the row was assessed before the store recorded it.
   */
  restoreStorageClass: string | null;
  /** Why it cannot be restored from versions (null when it can). */
  reason: string | null;
  recoveryStatus: RecoveryStatus;
  restoredVersionId: string | null;
  recoveryError: string | null;
  recoveryAttempts: number;
}

export interface ChangedObject {
  runId: number;
  key: string;
  versionId: string;
  lastModified: Date;
  size: number;
  /** The key was deleted during the window: `versionId` is the delete marker. */
  isDeleteMarker?: boolean;
  /** Under a delete marker, the version beneath it (what undeleting brings back). */
  previousVersionId?: string | null;
}

/** A key the scan could not decide (a HEAD answered 403, 404...), so a responder looks at it. */
export interface AssessError {
  runId: number;
  key: string;
  versionId: string;
  httpStatus: number | null;
  code: string;
  message: string;
}

export interface AssessRun {
  id: number;
  incidentId: number | null;
  bucket: string;
  prefix: string;
  windowStart: Date;
  windowEnd: Date | null;
  status: 'running' | 'completed' | 'failed';
  progress: Record<string, unknown>;
  findings: Record<string, unknown>;
  cursor: unknown;
  startedAt: Date;
  finishedAt: Date | null;
}

interface RunRow {
  id: number;
  incident_id: number | null;
  bucket: string;
  prefix: string;
  window_start: string;
  window_end: string | null;
  status: AssessRun['status'];
  progress: string;
  findings: string;
  cursor: string | null;
  started_at: string;
  finished_at: string | null;
}

interface AffectedRow {
  run_id: number;
  key: string;
  version_id: string;
  last_modified: string;
  size: number;
  is_delete_marker: number;
  restore_version_id: string | null;
  restore_size: number | null;
  restore_etag: string | null;
  restore_storage_class: string | null;
  reason: string | null;
  recovery_status: RecoveryStatus;
  restored_version_id: string | null;
  recovery_error: string | null;
  recovery_attempts: number;
}

interface ChangedRow {
  run_id: number;
  key: string;
  version_id: string;
  last_modified: string;
  size: number;
  is_delete_marker: number;
  previous_version_id: string | null;
}

interface ErrorRow {
  run_id: number;
  key: string;
  version_id: string;
  http_status: number | null;
  code: string;
  message: string;
}

const toRun = (r: RunRow): AssessRun => ({
  id: r.id,
  incidentId: r.incident_id,
  bucket: r.bucket,
  prefix: r.prefix,
  windowStart: new Date(r.window_start),
  windowEnd: r.window_end ? new Date(r.window_end) : null,
  status: r.status,
  progress: JSON.parse(r.progress),
  findings: JSON.parse(r.findings),
  cursor: r.cursor === null ? null : JSON.parse(r.cursor),
  startedAt: new Date(r.started_at),
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
});

const toAffected = (r: AffectedRow): AffectedObject => ({
  runId: r.run_id,
  key: r.key,
  versionId: r.version_id,
  lastModified: new Date(r.last_modified),
  size: r.size,
  isDeleteMarker: r.is_delete_marker === 1,
  restoreVersionId: r.restore_version_id,
  restoreSize: r.restore_size,
  restoreEtag: r.restore_etag,
  restoreStorageClass: r.restore_storage_class,
  reason: r.reason,
  recoveryStatus: r.recovery_status,
  restoredVersionId: r.restored_version_id,
  recoveryError: r.recovery_error,
  recoveryAttempts: r.recovery_attempts,
});

export type NewAffected = Omit<
  AffectedObject,
  | 'runId'
  | 'recoveryStatus'
  | 'restoredVersionId'
  | 'recoveryError'
  | 'recoveryAttempts'
  | 'restoreStorageClass'
> & {
  /** The scan always gives it; rows seeded without it (tests, benches) store NULL, i.e. not known. */
  restoreStorageClass?: string | null;
};

/**
 * Assessment runs and their per-object results. Results are streamed in page by page, so no
 * whole-bucket list is ever held in memory; recovery updates each row's status in place.
 */
export class Assessments {
  // Prepared once: a restore marks every object, and preparing per row cost more than the update.
  private readonly markStmt;

  constructor(private readonly db: Database) {
    this.markStmt = db.prepare(
      `UPDATE affected_objects SET recovery_status = ?, restored_version_id = coalesce(?, restored_version_id),
         recovery_error = ?, recovery_attempts = recovery_attempts + 1 WHERE run_id = ? AND key = ?`,
    );
  }

  startRun(
    r: {
      incidentId?: number | null;
      bucket: string;
      prefix?: string;
      windowStart: Date;
      windowEnd?: Date | null;
    },
    now = new Date(),
  ): AssessRun {
    const info = this.db
      .prepare(
        `INSERT INTO assess_runs (incident_id, bucket, prefix, window_start, window_end, started_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.incidentId ?? null,
        r.bucket,
        r.prefix ?? '',
        r.windowStart.toISOString(),
        r.windowEnd?.toISOString() ?? null,
        now.toISOString(),
      );
    return this.getRun(Number(info.lastInsertRowid))!;
  }

  getRun(id: number): AssessRun | undefined {
    const r = this.db.prepare<[number], RunRow>('SELECT * FROM assess_runs WHERE id = ?').get(id);
    return r ? toRun(r) : undefined;
  }

  /** The latest run per bucket of an incident. */
  latestRuns(incidentId: number): AssessRun[] {
    return this.db
      .prepare<[number], RunRow>(
        `SELECT * FROM assess_runs WHERE id IN (SELECT max(id) FROM assess_runs WHERE incident_id = ? GROUP BY bucket) ORDER BY bucket`,
      )
      .all(incidentId)
      .map(toRun);
  }

  /** One page of results and the scan cursor, committed together so a resumed scan repeats nothing. */
  commitPage(
    runId: number,
    page: {
      affected: NewAffected[];
      changed: Omit<ChangedObject, 'runId'>[];
      errors?: Omit<AssessError, 'runId'>[];
      cursor: unknown;
      progress: Record<string, unknown>;
    },
  ): void {
    const insA = this.db.prepare(
      `INSERT INTO affected_objects (run_id, key, version_id, last_modified, size, is_delete_marker, restore_version_id,
         restore_size, restore_etag, restore_storage_class, reason, recovery_status)
       VALUES (@runId, @key, @versionId, @lastModified, @size, @isDeleteMarker, @restoreVersionId, @restoreSize, @restoreEtag,
         @restoreStorageClass, @reason, @status)
       ON CONFLICT (run_id, key) DO NOTHING`,
    );
    const insC = this.db.prepare(
      `INSERT INTO changed_objects (run_id, key, version_id, last_modified, size, is_delete_marker, previous_version_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    const insE = this.db.prepare(
      `INSERT INTO assess_errors (run_id, key, version_id, http_status, code, message) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, key) DO UPDATE SET version_id = excluded.version_id, http_status = excluded.http_status,
         code = excluded.code, message = excluded.message`,
    );
    const upd = this.db.prepare('UPDATE assess_runs SET cursor = ?, progress = ? WHERE id = ?');
    this.db
      .transaction(() => {
        for (const a of page.affected) {
          insA.run({
            runId,
            key: a.key,
            versionId: a.versionId,
            lastModified: a.lastModified.toISOString(),
            size: a.size,
            isDeleteMarker: a.isDeleteMarker ? 1 : 0,
            restoreVersionId: a.restoreVersionId,
            restoreSize: a.restoreSize,
            restoreEtag: a.restoreEtag,
            restoreStorageClass: a.restoreStorageClass ?? null,
            reason: a.reason,
            status: a.restoreVersionId === null ? 'unrecoverable' : 'pending',
          });
        }
        for (const c of page.changed)
          insC.run(
            runId,
            c.key,
            c.versionId,
            c.lastModified.toISOString(),
            c.size,
            c.isDeleteMarker ? 1 : 0,
            c.previousVersionId ?? null,
          );
        for (const e of page.errors ?? [])
          insE.run(runId, e.key, e.versionId, e.httpStatus, e.code, e.message);
        upd.run(JSON.stringify(page.cursor ?? null), JSON.stringify(page.progress), runId);
      })
      .immediate();
  }

  finishRun(
    runId: number,
    status: 'completed' | 'failed',
    findings: Record<string, unknown>,
    progress?: Record<string, unknown>,
    now = new Date(),
  ): void {
    this.db
      .prepare(
        'UPDATE assess_runs SET status = ?, findings = ?, progress = coalesce(?, progress), finished_at = ? WHERE id = ?',
      )
      .run(
        status,
        JSON.stringify(findings),
        progress ? JSON.stringify(progress) : null,
        now.toISOString(),
        runId,
      );
  }

  /** Streams a run's affected objects in key order (an iterator, not an array: runs can be huge). */
  *affected(
    runId: number,
    opts: { status?: RecoveryStatus; afterKey?: string } = {},
  ): Generator<AffectedObject> {
    // Page through with a keyset cursor so the statement never stays open across writes.
    let after = opts.afterKey ?? '';
    for (;;) {
      const rows = this.db
        .prepare<[number, string, string | null, string | null], AffectedRow>(
          `SELECT * FROM affected_objects WHERE run_id = ? AND key > ? AND (? IS NULL OR recovery_status = ?) ORDER BY key LIMIT 1000`,
        )
        .all(runId, after, opts.status ?? null, opts.status ?? null);
      if (rows.length === 0) return;
      for (const r of rows) yield toAffected(r);
      after = rows[rows.length - 1]!.key;
    }
  }

  *changed(runId: number): Generator<ChangedObject> {
    // Keyset pages, like affected(): the CLI awaits stdout between rows, and an open statement
    // would make every other use of the connection fail meanwhile.
    let afterKey = '';
    let afterVersion = '';
    for (;;) {
      const rows = this.db
        .prepare<[number, string, string, string], ChangedRow>(
          `SELECT * FROM changed_objects WHERE run_id = ? AND (key > ? OR (key = ? AND version_id > ?))
           ORDER BY key, version_id LIMIT 1000`,
        )
        .all(runId, afterKey, afterKey, afterVersion);
      if (rows.length === 0) return;
      for (const r of rows) {
        yield {
          runId: r.run_id,
          key: r.key,
          versionId: r.version_id,
          lastModified: new Date(r.last_modified),
          size: r.size,
          isDeleteMarker: r.is_delete_marker === 1,
          previousVersionId: r.previous_version_id,
        };
      }
      const last = rows[rows.length - 1]!;
      afterKey = last.key;
      afterVersion = last.version_id;
    }
  }

  /** Keys a run could not decide, in key order. */
  *errors(runId: number): Generator<AssessError> {
    let after = '';
    for (;;) {
      const rows = this.db
        .prepare<[number, string], ErrorRow>(
          'SELECT * FROM assess_errors WHERE run_id = ? AND key > ? ORDER BY key LIMIT 1000',
        )
        .all(runId, after);
      if (rows.length === 0) return;
      for (const r of rows) {
        yield {
          runId: r.run_id,
          key: r.key,
          versionId: r.version_id,
          httpStatus: r.http_status,
          code: r.code,
          message: r.message,
        };
      }
      after = rows[rows.length - 1]!.key;
    }
  }

  /** Puts a failed or interrupted run back to running, so a scan can resume from its cursor. */
  reopenRun(runId: number): void {
    this.db.prepare("UPDATE assess_runs SET status = 'running', finished_at = NULL WHERE id = ?").run(runId);
  }

  counts(runId: number): Record<RecoveryStatus, number> & { total: number; changed: number } {
    const out = { pending: 0, restored: 0, failed: 0, unrecoverable: 0, skipped: 0, total: 0, changed: 0 };
    for (const r of this.db
      .prepare<[number], { s: RecoveryStatus; n: number }>(
        'SELECT recovery_status AS s, count(*) AS n FROM affected_objects WHERE run_id = ? GROUP BY recovery_status',
      )
      .all(runId)) {
      out[r.s] = r.n;
      out.total += r.n;
    }
    out.changed = this.db
      .prepare<[number], { n: number }>('SELECT count(*) AS n FROM changed_objects WHERE run_id = ?')
      .get(runId)!.n;
    return out;
  }

  /**
   * How many of a run's affected objects have a clean version in each storage class (rows without a
   * clean version, or assessed before the class was recorded, are not counted).
   */
  restoreStorageClasses(runId: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db
      .prepare<[number], { c: string; n: number }>(
        `SELECT restore_storage_class AS c, count(*) AS n FROM affected_objects
         WHERE run_id = ? AND restore_storage_class IS NOT NULL GROUP BY restore_storage_class ORDER BY c`,
      )
      .all(runId))
      out[r.c] = r.n;
    return out;
  }

  markRecovery(
    runId: number,
    key: string,
    update: { status: RecoveryStatus; restoredVersionId?: string | null; error?: string | null },
  ): void {
    this.markStmt.run(update.status, update.restoredVersionId ?? null, update.error ?? null, runId, key);
  }
}

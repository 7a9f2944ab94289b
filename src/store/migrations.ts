// Ordered, append-only: never edit a released migration, add a new one. `user_version` records how
// many have been applied; all pending ones run in one IMMEDIATE transaction.

export const MIGRATIONS: readonly string[] = [
  // 1: the core tables
  `
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    phase TEXT NOT NULL DEFAULT 'reported',
    access_key_ids TEXT NOT NULL DEFAULT '[]',
    buckets TEXT NOT NULL DEFAULT '[]',
    account_id TEXT,
    region TEXT,
    window_start TEXT NOT NULL,
    window_end TEXT,
    declared_by TEXT,
    channel TEXT,
    thread_ts TEXT,
    first_seen TEXT,
    last_seen TEXT,
    alert_count INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
  ) STRICT;
  CREATE INDEX incidents_status ON incidents(status);

  CREATE TABLE workflow_snapshots (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    machine_id TEXT NOT NULL,
    machine_version INTEGER NOT NULL,
    state_value TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    revision INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    aws_request_ids TEXT NOT NULL DEFAULT '[]',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_log_incident ON audit_log(incident_id, seq);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

  CREATE TABLE effects (
    idempotency_key TEXT PRIMARY KEY,
    incident_id INTEGER REFERENCES incidents(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    before_state TEXT,
    result TEXT,
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  ) STRICT;

  CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    kind TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    due_at TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'cancelled')),
    created_at TEXT NOT NULL,
    fired_at TEXT
  ) STRICT;
  CREATE INDEX deadlines_due ON deadlines(status, due_at);

  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key TEXT NOT NULL UNIQUE,
    route TEXT NOT NULL,
    received_at TEXT NOT NULL,
    raw TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
      CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    incident_id INTEGER REFERENCES incidents(id),
    processed_at TEXT
  ) STRICT;
  CREATE INDEX alerts_status ON alerts(status);
  `,
  // 2: assessment results and per-object recovery state, streamed in as they are found
  `
  CREATE TABLE assess_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER REFERENCES incidents(id),
    bucket TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',
    window_start TEXT NOT NULL,
    window_end TEXT,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    progress TEXT NOT NULL DEFAULT '{}',
    findings TEXT NOT NULL DEFAULT '{}',
    cursor TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  ) STRICT;

  CREATE TABLE affected_objects (
    run_id INTEGER NOT NULL REFERENCES assess_runs(id),
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    size INTEGER NOT NULL,
    is_delete_marker INTEGER NOT NULL DEFAULT 0,
    restore_version_id TEXT,
    restore_size INTEGER,
    restore_etag TEXT,
    reason TEXT,
    recovery_status TEXT NOT NULL DEFAULT 'pending'
      CHECK (recovery_status IN ('pending', 'restored', 'failed', 'unrecoverable', 'skipped')),
    restored_version_id TEXT,
    recovery_error TEXT,
    recovery_attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, key)
  ) STRICT;
  CREATE INDEX affected_objects_status ON affected_objects(run_id, recovery_status);

  CREATE TABLE changed_objects (
    run_id INTEGER NOT NULL REFERENCES assess_runs(id),
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (run_id, key, version_id)
  ) STRICT;
  `,
  // 3: assessment detail: deletions during the window, and keys a scan could not decide
  `
  ALTER TABLE changed_objects ADD COLUMN is_delete_marker INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE changed_objects ADD COLUMN previous_version_id TEXT;

  CREATE TABLE assess_errors (
    run_id INTEGER NOT NULL REFERENCES assess_runs(id),
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    http_status INTEGER,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) STRICT;
  `,
  // 4: the clean version's storage class: GLACIER and DEEP_ARCHIVE need RestoreObject before a copy.
  // Rows assessed before this migration keep NULL (not known), which is not the same as STANDARD.
  `
  ALTER TABLE affected_objects ADD COLUMN restore_storage_class TEXT;
  `,
];

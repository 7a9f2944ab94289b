import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Approval } from '../../workflows/types.ts';
import { type AuditAnchor, AuditLog, parseAuditAnchor } from '../store/audit-log.ts';
import { openDatabase } from '../store/database.ts';
import { type Incident, Incidents } from '../store/incidents.ts';
import { Snapshots } from '../store/snapshots.ts';
import type { CliIo } from './io.ts';

const HELP = `Usage: ssec incidents [--format table|json]
       ssec incidents --verify-audit [--anchor SEQ:HASH]

Lists open incidents and the ten most recently closed, with phase, status, age and the approvals
still waiting for a decision. Reads SSEC_DB_PATH (default ./data/ssec.db) without changing it, so it
can run beside the bot.

--verify-audit recomputes the audit log's hash chain instead (exit 0 intact, 1 broken). --anchor
takes the "Newest entry" printed in a post-incident report and also proves that entry and every one
before it are still there, unchanged.`;

const RECENTLY_CLOSED = 10;

export interface PendingApprovalView {
  id: string;
  step: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  approvals: number;
  required: number;
  /** Past its expiry but not yet swept (the bot is down, or the sweep is due). */
  overdue: boolean;
}

export interface IncidentRow {
  id: number;
  ref: string;
  title: string;
  severity: string;
  phase: string;
  status: string;
  createdAt: string;
  closedAt: string | null;
  ageSeconds: number;
  pendingApprovals: PendingApprovalView[];
  workflowRefusal?: string;
}

type Io = Pick<CliIo, 'stdout' | 'stderr' | 'env'>;

export async function runIncidentsCommand(
  args: string[],
  io: Io,
  clock: () => Date = () => new Date(),
): Promise<number> {
  let format: string;
  let verifyAudit: { anchor: string | undefined } | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: {
        format: { type: 'string', default: 'table' },
        'verify-audit': { type: 'boolean' },
        anchor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    format = values.format;
    if (values.anchor !== undefined && !values['verify-audit']) {
      io.stderr.write('--anchor goes with --verify-audit\n');
      return 2;
    }
    if (values['verify-audit']) verifyAudit = { anchor: values.anchor };
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`);
    return 2;
  }
  const anchor = verifyAudit?.anchor === undefined ? undefined : parseAuditAnchor(verifyAudit.anchor);
  if (verifyAudit?.anchor !== undefined && !anchor) {
    io.stderr.write(
      `--anchor must be SEQ:HASH as the report prints it (e.g. 42:${'ab'.repeat(32)}), got "${verifyAudit.anchor}"\n`,
    );
    return 2;
  }
  if (format !== 'table' && format !== 'json') {
    io.stderr.write(`--format must be "table" or "json", got "${format}"\n`);
    return 2;
  }

  const dbPath = io.env.SSEC_DB_PATH || './data/ssec.db';
  // Opening read-only a path that does not exist would create nothing and list nothing; a wrong
  // SSEC_DB_PATH must be visible, not look like a quiet week.
  if (!existsSync(dbPath)) {
    io.stderr.write(`No database at ${dbPath} (set SSEC_DB_PATH to the bot's database file).\n`);
    return 1;
  }
  if (verifyAudit) return verifyAuditLog(dbPath, anchor, io);
  let rows: IncidentRow[];
  try {
    rows = readIncidents(dbPath, clock());
  } catch (err) {
    io.stderr.write(
      `Could not read incidents from ${dbPath}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  io.stdout.write(
    format === 'json' ? `${JSON.stringify({ incidents: rows }, null, 2)}\n` : renderTable(rows, clock()),
  );
  return 0;
}

function verifyAuditLog(dbPath: string, anchor: AuditAnchor | undefined, io: Io): number {
  let result: ReturnType<AuditLog['verify']>;
  let head: AuditAnchor | undefined;
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const audit = new AuditLog(db);
    result = audit.verify(anchor);
    head = audit.head();
  } catch (err) {
    io.stderr.write(
      `Could not read the audit log in ${dbPath}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  } finally {
    db.close();
  }
  if (!result.ok) {
    io.stdout.write(`Audit log BROKEN at entry ${result.seq}: ${result.reason}\n`);
    return 1;
  }
  io.stdout.write(
    `Audit log intact: ${result.count} entries${head ? `, newest ${head.seq}:${head.hash}` : ''}${anchor ? `; anchor ${anchor.seq} holds` : ''}\n`,
  );
  return 0;
}

export function readIncidents(dbPath: string, now: Date): IncidentRow[] {
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const incidents = new Incidents(db);
    const snapshots = new Snapshots(db);
    const list = [...incidents.listOpen(), ...incidents.listRecentlyClosed(RECENTLY_CLOSED)];
    return list.map((incident) =>
      toRow(incident, pendingApprovals(snapshots.load(incident.id)?.snapshot, now), now),
    );
  } finally {
    db.close();
  }
}

function toRow(incident: Incident, pending: PendingApprovalView[], now: Date): IncidentRow {
  const refusal = incident.summary.workflowRefusal;
  return {
    id: incident.id,
    ref: incident.ref,
    title: incident.title,
    severity: incident.severity,
    phase: incident.phase,
    status: incident.status,
    createdAt: incident.createdAt.toISOString(),
    closedAt: incident.closedAt?.toISOString() ?? null,
    ageSeconds: Math.max(0, Math.floor((now.getTime() - incident.createdAt.getTime()) / 1000)),
    pendingApprovals: incident.status === 'open' ? pending : [],
    ...(typeof refusal === 'string' ? { workflowRefusal: refusal } : {}),
  };
}

/** Reads pending approvals out of a stored snapshot, tolerating any shape (a refused one may be old). */
function pendingApprovals(snapshot: unknown, now: Date): PendingApprovalView[] {
  const approvals = (snapshot as { context?: { approvals?: unknown } } | undefined)?.context?.approvals;
  if (typeof approvals !== 'object' || approvals === null) return [];
  return Object.values(approvals as Record<string, Partial<Approval>>)
    .filter((a) => a?.status === 'pending' && typeof a.id === 'string')
    .map((a) => ({
      id: a.id!,
      step: String(a.step),
      requestedBy: String(a.requestedBy),
      requestedAt: String(a.requestedAt),
      expiresAt: String(a.expiresAt),
      approvals: Array.isArray(a.approvers) ? a.approvers.length : 0,
      required: Number(a.required ?? 1),
      overdue: Date.parse(String(a.expiresAt)) <= now.getTime(),
    }));
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function describePending(p: PendingApprovalView, now: Date): string {
  const left = (Date.parse(p.expiresAt) - now.getTime()) / 1000;
  const when = p.overdue ? 'overdue' : `expires in ${formatDuration(left)}`;
  return `${p.id} (${p.approvals}/${p.required}, by ${p.requestedBy}, ${when})`;
}

function renderTable(rows: IncidentRow[], now: Date): string {
  if (rows.length === 0) return 'No incidents.\n';
  const header = ['REF', 'TITLE', 'PHASE', 'STATUS', 'AGE', 'PENDING APPROVALS'];
  const body = rows.map((r) => [
    r.ref,
    r.title.length > 40 ? `${r.title.slice(0, 39)}…` : r.title,
    r.phase,
    r.workflowRefusal ? `${r.status} (workflow refused)` : r.status,
    formatDuration(r.ageSeconds),
    r.pendingApprovals.map((p) => describePending(p, now)).join('; ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

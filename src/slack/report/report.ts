// The post-incident report: a markdown document built from the audit log (the record of who did
// what, with AWS request ids), the workflow's results and the assessment counts.

import type { IncidentContext } from '../../../workflows/types.ts';
import type { AuditAnchor, AuditEntry, AuditVerification } from '../../store/audit-log.ts';
import type { Incident } from '../../store/incidents.ts';
import { PHASE_NAMES, STEP_NAMES } from '../blocks/labels.ts';
import type { IncidentView } from '../incident-view.ts';
import { type HardeningCheck, hardeningChecks } from './hardening.ts';

export interface BucketCounts {
  bucket: string;
  runId: number;
  total: number;
  restored: number;
  unrecoverable: number;
  failed: number;
  pending: number;
  changed: number;
}

export interface ReportInput {
  incident: Incident;
  view: IncidentView;
  context: IncidentContext | undefined;
  audit: AuditEntry[];
  buckets: BucketCounts[];
  generatedAt: Date;
  /** Slack user id → display name, so the report reads without Slack open. */
  names?: Record<string, string>;
  /** The whole audit log's check and newest entry when the report was made. */
  integrity?: { verification: AuditVerification; head: AuditAnchor | undefined };
}

// The report leaves the database (Slack keeps it), so the chain head it prints is an anchor that
// a later check can hold the log to: cutting off the newest entries is then visible too.
function integrityRows(integrity: ReportInput['integrity']): string[] {
  if (!integrity) return ['Not checked.'];
  const { verification: v, head } = integrity;
  if (!v.ok) return [`**The audit log does NOT verify:** entry ${v.seq}: ${cell(v.reason)}.`];
  if (!head) return ['The audit log is empty.'];
  return [
    `The audit log verified intact when this report was made: ${num(v.count)} entries, hash-chained.`,
    `Newest entry: \`${head.seq}:${head.hash}\`.`,
    '',
    `Keep this report. \`ssec incidents --verify-audit --anchor ${head.seq}:${head.hash}\` later shows whether any entry up to that one was changed or removed.`,
  ];
}

// A report is read by people: past these, a table becomes noise and the raw audit log is the source.
const MAX_TIMELINE = 2000;
const MAX_REQUEST_IDS = 500;
const MAX_BUCKET_ROWS = 500;

const cell = (v: unknown): string =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .slice(0, 300);

const iso = (d: Date | string | null | undefined) =>
  d ? new Date(d).toISOString().replace('.000Z', 'Z') : '–';

export function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

const firstOk = (audit: AuditEntry[], action: string) =>
  audit.find((e) => e.action === action && e.outcome === 'ok');

export interface Milestones {
  start: Date;
  contained: Date | null;
  recovered: Date | null;
  verified: Date | null;
  closed: Date | null;
}

/** The clock starts at the first sighting of the attack (or the declaration when none is known). */
export function milestones(incident: Incident, audit: AuditEntry[]): Milestones {
  const at = (e: AuditEntry | undefined) => (e ? new Date(e.at) : null);
  return {
    start: incident.firstSeen ?? incident.createdAt,
    contained: at(firstOk(audit, 'contain.result')),
    recovered: at(firstOk(audit, 'recover.result')),
    verified: at(firstOk(audit, 'verify.result')),
    closed: at(
      audit.find(
        (e) => (e.action === 'incident.close' || e.action === 'incident.cancel') && e.outcome === 'ok',
      ),
    ),
  };
}

function since(start: Date, d: Date | null): string {
  return d ? `${iso(d)} (${formatDuration(d.getTime() - start.getTime())} after the start)` : 'not reached';
}

function detailText(e: AuditEntry): string {
  const d = e.detail;
  const parts: string[] = [];
  for (const key of ['step', 'approvalId', 'reason', 'message', 'error', 'outcome', 'attempt', 'type']) {
    if (d[key] !== undefined && d[key] !== null)
      parts.push(`${key}: ${typeof d[key] === 'object' ? JSON.stringify(d[key]) : String(d[key])}`);
  }
  if (typeof d.result === 'object' && d.result !== null) {
    const nums = Object.entries(d.result as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
      .map(([k, v]) => `${k}=${String(v)}`);
    if (nums.length > 0) parts.push(nums.join(' '));
  }
  return parts.join('; ');
}

const DECISIONS = new Set([
  'approval.request',
  'approval.approve',
  'approval.reject',
  'incident.close',
  'incident.cancel',
  'step.retry',
  'assess.request',
]);

type Who = (actor: string) => string;

function decisionRows(audit: AuditEntry[], who: Who): string[] {
  const rows = audit.filter((e) => DECISIONS.has(e.action) && e.outcome === 'ok');
  if (rows.length === 0) return ['No decisions were recorded.'];
  return [
    '| Time (UTC) | Who | Decision | Step / approval | Detail |',
    '|---|---|---|---|---|',
    ...rows.map((e) => {
      const step =
        typeof e.detail.step === 'string'
          ? (STEP_NAMES[e.detail.step as keyof typeof STEP_NAMES] ?? e.detail.step)
          : '';
      const approval = typeof e.detail.approvalId === 'string' ? ` (${e.detail.approvalId})` : '';
      const why =
        typeof e.detail.reason === 'string'
          ? e.detail.reason
          : typeof e.detail.outcome === 'string'
            ? e.detail.outcome
            : '';
      return `| ${iso(e.at)} | ${cell(who(e.actor))} | ${cell(e.action)} | ${cell(step + approval)} | ${cell(why)} |`;
    }),
  ];
}

function refusalSummary(audit: AuditEntry[]): string[] {
  const refused = audit.filter((e) => e.outcome === 'refused');
  if (refused.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const e of refused) {
    const reason = typeof e.detail.reason === 'string' ? e.detail.reason : 'other';
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  return [
    '',
    `Refused attempts: ${refused.length} (${[...byReason].map(([r, c]) => `${r}: ${c}`).join(', ')}). Each is in the timeline.`,
  ];
}

function timelineRows(audit: AuditEntry[], who: Who): string[] {
  const shown = audit.slice(0, MAX_TIMELINE);
  const rows = [
    '| # | Time (UTC) | Actor | Action | Outcome | Detail |',
    '|---|---|---|---|---|---|',
    ...shown.map(
      (e) =>
        `| ${e.seq} | ${iso(e.at)} | ${cell(who(e.actor))} | ${cell(e.action)} | ${cell(e.outcome)} | ${cell(detailText(e))} |`,
    ),
  ];
  if (audit.length > shown.length)
    rows.push('', `…and ${audit.length - shown.length} more entries in the audit log (\`ssec incidents\`).`);
  return rows;
}

function requestIdRows(audit: AuditEntry[]): string[] {
  const withIds = audit.filter((e) => e.awsRequestIds.length > 0);
  if (withIds.length === 0) return ['No AWS request ids were recorded.'];
  const out: string[] = [];
  let shown = 0;
  let total = 0;
  for (const e of withIds) {
    total += e.awsRequestIds.length;
    if (shown >= MAX_REQUEST_IDS) continue;
    const ids = e.awsRequestIds.slice(0, MAX_REQUEST_IDS - shown);
    shown += ids.length;
    out.push(
      `- ${iso(e.at)} \`${e.action}\` (${e.outcome}): ${ids.map((id) => `\`${cell(id)}\``).join(', ')}`,
    );
  }
  if (total > shown) out.push(`- …and ${total - shown} more in the audit log.`);
  return out;
}

function bucketRows(buckets: BucketCounts[]): string[] {
  if (buckets.length === 0) return [];
  const rows = [
    '',
    '| Bucket | Affected | Restored | Unrecoverable | Failed | Pending | Other changes |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...buckets
      .slice(0, MAX_BUCKET_ROWS)
      .map(
        (b) =>
          `| ${cell(b.bucket)} | ${b.total} | ${b.restored} | ${b.unrecoverable} | ${b.failed} | ${b.pending} | ${b.changed} |`,
      ),
  ];
  if (buckets.length > MAX_BUCKET_ROWS)
    rows.push(`| …and ${buckets.length - MAX_BUCKET_ROWS} more buckets | | | | | | |`);
  return rows;
}

const ICON: Record<HardeningCheck['status'], string> = { done: '[x]', missing: '[ ]', unverified: '[ ]' };
const LABEL: Record<HardeningCheck['status'], string> = {
  done: 'done',
  missing: 'MISSING',
  unverified: 'not verified',
};

function hardeningRows(checks: HardeningCheck[]): string[] {
  const order: HardeningCheck['status'][] = ['missing', 'unverified', 'done'];
  const sorted = [...checks].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  return sorted.map((c) => `- ${ICON[c.status]} **${c.title}** — ${LABEL[c.status]}. ${c.detail}`);
}

const num = (n: number | null) => (n === null ? '–' : n.toLocaleString('en-US'));

export function buildReport(input: ReportInput): string {
  const { incident, view, audit } = input;
  const names = input.names ?? {};
  const who: Who = (actor) => (names[actor] ? `${names[actor]} (${actor})` : actor);
  const m = milestones(incident, audit);
  const checks = hardeningChecks(input.context, incident.buckets, view.findings);
  const missing = checks.filter((c) => c.status !== 'done').length;
  const closure = view.closure
    ? `${view.closure.outcome} by ${who(view.closure.by)} at ${iso(view.closure.at)}${view.closure.reason ? ` — ${view.closure.reason}` : ''}`
    : 'open';
  const lines = [
    `# ${incident.ref}: ${incident.title}`,
    '',
    `Post-incident report for an S3 SSE-C ransomware incident. Generated ${iso(input.generatedAt)} by ssec-responder from the append-only audit log.`,
    '',
    '## Summary',
    '',
    '| | |',
    '|---|---|',
    `| Phase | ${PHASE_NAMES[view.phase]} |`,
    `| Status | ${cell(closure)} |`,
    `| Severity | ${cell(incident.severity)} |`,
    `| Buckets | ${cell(incident.buckets.join(', ') || '–')} |`,
    `| Access keys | ${cell(incident.accessKeyIds.join(', ') || 'not identified')} |`,
    `| Account / region | ${cell(incident.accountId ?? '–')} / ${cell(incident.region ?? '–')} |`,
    `| Declared by | ${cell(incident.declaredBy ? who(incident.declaredBy) : 'alert')} |`,
    `| Incident window since | ${iso(incident.windowStart)} |`,
    `| Attack first seen | ${iso(m.start)} |`,
    `| Contained | ${since(m.start, m.contained)} |`,
    `| Recovered | ${since(m.start, m.recovered)} |`,
    `| Verified | ${since(m.start, m.verified)} |`,
    `| Closed | ${iso(m.closed)} |`,
    '',
    `**Time to contain:** ${m.contained ? formatDuration(m.contained.getTime() - m.start.getTime()) : 'not contained'}. ` +
      `**Time to recover (verified):** ${m.verified ? formatDuration(m.verified.getTime() - m.start.getTime()) : 'not recovered'}.`,
    '',
    '## Counts',
    '',
    '| | |',
    '|---|---:|',
    `| Objects re-encrypted by the attacker | ${num(view.counts.affected)} |`,
    `| Restored | ${num(view.counts.restored)} |`,
    `| Unrecoverable (no clean version) | ${num(view.counts.unrecoverable)} |`,
    `| Failed to restore | ${num(view.counts.failed)} |`,
    `| Still encrypted at verification | ${num(view.counts.remaining)} |`,
    `| Other changes inside the window | ${num(view.counts.changed)} |`,
    ...bucketRows(input.buckets),
    '',
    `## Hardening still to do (${missing} of ${checks.length})`,
    '',
    ...hardeningRows(checks),
    '',
    '## Decisions',
    '',
    ...decisionRows(audit, who),
    ...refusalSummary(audit),
    '',
    '## AWS request ids',
    '',
    ...requestIdRows(audit),
    '',
    '## Timeline',
    '',
    ...timelineRows(audit, who),
    '',
    '## Audit trail integrity',
    '',
    ...integrityRows(input.integrity),
    '',
  ];
  return lines.join('\n');
}

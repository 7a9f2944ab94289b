// One plain description of an incident for every Slack surface (control panel, status, App Home,
// report), derived from the stored incident and its workflow snapshot. Builders render this and
// nothing else, so they stay pure and testable with any input size.

import {
  type IncidentSnapshot,
  incidentMachine,
  nextSteps,
  phaseOf,
} from '../../workflows/incident-machine.ts';
import type { Approval, IncidentContext, NextStep, Phase, Step } from '../../workflows/types.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { type FindingsSummary, NO_FINDINGS, summarizeFindings } from './findings.ts';

export interface PendingApprovalView {
  id: string;
  step: Approval['step'];
  requestedBy: string;
  expiresAt: Date;
  approvers: string[];
  required: number;
  /** Whoever requested may not approve (two-person rule). */
  otherThanRequester: boolean;
}

export interface IncidentView {
  id: number;
  ref: string;
  title: string;
  severity: string;
  status: Incident['status'];
  phase: Phase;
  accessKeyIds: string[];
  keyOwners: Record<string, string>;
  accountId: string | null;
  region: string | null;
  buckets: string[];
  windowStart: Date;
  declaredBy: string | null;
  createdAt: Date;
  counts: {
    affected: number | null;
    unrecoverable: number | null;
    changed: number | null;
    restored: number | null;
    failed: number | null;
    remaining: number | null;
  };
  lifecycle: { deadline: Date | null; defused: number | null };
  findings: FindingsSummary;
  pending: PendingApprovalView[];
  running: Step[];
  failures: { step: Step; error: string }[];
  verified: boolean;
  steps: NextStep[];
  closure: IncidentContext['closure'];
  channel: string | null;
  threadTs: string | null;
}

type Region = 'containment' | 'assessment' | 'recovery';

function regionState(snapshot: IncidentSnapshot, region: Region): string | null {
  const value = snapshot.value as unknown;
  if (typeof value !== 'object' || value === null || !('open' in value)) return null;
  return (value as { open: Record<Region, string> }).open[region] ?? null;
}

const RUNNING_STATES: Record<Region, Record<string, Step>> = {
  containment: { executing: 'contain', rollingBack: 'rollback' },
  assessment: { running: 'assess' },
  recovery: { executing: 'recover', verifying: 'verify' },
};

/** The live snapshot, or the last persisted one for an incident whose workflow has ended. */
export function snapshotOf(
  store: Store,
  incidentId: number,
  live: (id: number) => IncidentSnapshot | undefined,
): IncidentSnapshot | undefined {
  const current = live(incidentId);
  if (current) return current;
  const stored = store.snapshots.load(incidentId);
  const persisted = stored?.snapshot as { value?: unknown; context?: IncidentContext } | undefined;
  if (!persisted?.context || persisted.value === undefined) return undefined;
  try {
    return incidentMachine.resolveState({ value: persisted.value as never, context: persisted.context });
  } catch {
    return undefined;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function dateOf(v: unknown): Date | null {
  if (typeof v !== 'string' && !(v instanceof Date)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * When the attacker's lifecycle rule destroys the clean versions: from the assessment's bucket
 * findings (the rule as it is now, counted from the overwrite); else what the alert intake recorded on
 * the incident (`summary.lifecycleDeadline`); else a date or `NoncurrentDays` among the step's findings.
 */
export function lifecycleDeadline(
  incident: Incident,
  context: IncidentContext | undefined,
  findings: FindingsSummary = NO_FINDINGS,
): Date | null {
  if (findings.lifecycleDeadline) return findings.lifecycleDeadline;
  const fromSummary = dateOf(incident.summary.lifecycleDeadline);
  if (fromSummary) return fromSummary;
  const stepFindings = context?.assessment.summary?.findings ?? {};
  const fromFindings = dateOf(stepFindings.lifecycleDeadline);
  if (fromFindings) return fromFindings;
  const days = num(stepFindings.expireNoncurrentAfterDays) ?? num(stepFindings.noncurrentExpirationDays);
  if (days === null) return null;
  const from = incident.firstSeen ?? incident.createdAt;
  return new Date(from.getTime() + days * 86_400_000);
}

function keyOwners(incident: Incident): Record<string, string> {
  const raw = incident.summary.keyOwners;
  if (typeof raw !== 'object' || raw === null) return {};
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

export function describeIncident(
  incident: Incident,
  snapshot: IncidentSnapshot | undefined,
  findings: FindingsSummary = NO_FINDINGS,
): IncidentView {
  const ctx = snapshot?.context;
  const phase = snapshot ? phaseOf(snapshot) : (incident.phase as Phase);
  const running: Step[] = [];
  const failures: { step: Step; error: string }[] = [];
  if (snapshot) {
    for (const region of ['containment', 'assessment', 'recovery'] as const) {
      const state = regionState(snapshot, region);
      const step = state ? RUNNING_STATES[region][state] : undefined;
      if (step) running.push(step);
    }
    const c = regionState(snapshot, 'containment');
    if (c === 'failed' && ctx?.containment.error)
      failures.push({ step: 'contain', error: ctx.containment.error });
    if (c === 'rollbackFailed' && ctx?.containment.error)
      failures.push({ step: 'rollback', error: ctx.containment.error });
    if (regionState(snapshot, 'assessment') === 'failed' && ctx?.assessment.error)
      failures.push({ step: 'assess', error: ctx.assessment.error });
    if (regionState(snapshot, 'recovery') === 'failed' && ctx?.recovery.error)
      failures.push({ step: ctx.recovery.failedStep ?? 'recover', error: ctx.recovery.error });
  }
  const pending: PendingApprovalView[] = Object.values(ctx?.approvals ?? {})
    .filter((a) => a.status === 'pending')
    .map((a) => ({
      id: a.id,
      step: a.step,
      requestedBy: a.requestedBy,
      expiresAt: new Date(a.expiresAt),
      approvers: a.approvers.map((x) => x.userId),
      required: a.required,
      otherThanRequester: ctx?.policy.twoPersonRule ?? true,
    }));
  const assessment = ctx?.assessment.summary ?? null;
  const recovery = ctx?.recovery.result ?? null;
  return {
    id: incident.id,
    ref: incident.ref,
    // Titles may carry Slack mention markup (`Declared by <@U…>`); headers are plain text and other
    // places escape markup, so show the id readably instead.
    title: incident.title.replace(/<@([UW][A-Z0-9]+)>/g, '@$1'),
    severity: incident.severity,
    status: snapshot?.matches('resolved')
      ? 'resolved'
      : snapshot?.matches('cancelled')
        ? 'cancelled'
        : incident.status,
    phase,
    accessKeyIds: incident.accessKeyIds,
    keyOwners: keyOwners(incident),
    accountId: incident.accountId,
    region: incident.region,
    buckets: incident.buckets,
    windowStart: incident.windowStart,
    declaredBy: incident.declaredBy,
    createdAt: incident.createdAt,
    counts: {
      affected: assessment?.affected ?? null,
      unrecoverable: recovery?.unrecoverable ?? assessment?.unrecoverable ?? null,
      changed: assessment?.changed ?? null,
      restored: recovery?.restored ?? null,
      failed: recovery?.failed ?? null,
      remaining: ctx?.recovery.verification?.remaining ?? null,
    },
    lifecycle: {
      deadline: lifecycleDeadline(incident, ctx, findings),
      defused: ctx?.containment.result?.lifecycleRulesDefused ?? null,
    },
    findings,
    pending,
    running,
    failures,
    verified: ctx?.recovery.verification?.clean === true,
    steps: snapshot ? nextSteps(snapshot) : [],
    closure: ctx?.closure ?? null,
    channel: incident.channel,
    threadTs: incident.threadTs,
  };
}

/** The view with everything the store knows: the live (or last saved) snapshot and the bucket findings. */
export function viewOf(
  store: Store,
  live: (id: number) => IncidentSnapshot | undefined,
  incident: Incident,
  snapshot?: IncidentSnapshot,
): IncidentView {
  return describeIncident(
    incident,
    snapshot ?? snapshotOf(store, incident.id, live),
    summarizeFindings(store, incident.id),
  );
}

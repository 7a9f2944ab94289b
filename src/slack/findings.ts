// What the latest assessment of each bucket found about its configuration (versioning, lifecycle
// rules and their deadlines, SSE-C block, AWS Backup), as stored with the assessment run. Read
// defensively: the run's findings are JSON written by another module and may be older or partial.

import type { Store } from '../store/store.ts';

export interface BucketFindingSummary {
  bucket: string;
  versioning: string | null;
  /** When the lifecycle rules destroy the clean (noncurrent) versions, soonest first. */
  cleanVersionsDestroyedFrom: string | null;
  /** When current-version expiration starts adding delete markers. */
  deleteMarkersFrom: string | null;
  lifecycleRules: number;
  sseCBlocked: boolean | null;
  /** null when AWS Backup was not checked. */
  recoveryPoints: number | null;
  /**
   * Affected objects whose clean version is archived (GLACIER, DEEP_ARCHIVE): no copy before
   * RestoreObject. null when the run's findings do not say (assessed before this was counted).
   */
  archivedRestoreVersions: number | null;
  /** The findings' own sentences, without the archived one (shown on a line of its own). */
  messages: string[];
}

export interface FindingsSummary {
  buckets: BucketFindingSummary[];
  /** The soonest moment any bucket loses its clean versions to lifecycle. */
  lifecycleDeadline: Date | null;
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;

function soonest(values: (string | null)[]): string | null {
  const dates = values.filter((v): v is string => v !== null && !Number.isNaN(Date.parse(v)));
  return dates.sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
}

export function summarizeFindings(store: Store, incidentId: number): FindingsSummary {
  const buckets = store.assessments
    .latestRuns(incidentId)
    .filter((run) => Object.keys(run.findings).length > 0)
    .map((run): BucketFindingSummary => {
      const f = rec(run.findings);
      const rules = Array.isArray(rec(f.lifecycle).rules)
        ? (rec(f.lifecycle).rules as unknown[]).map(rec)
        : [];
      const backup = f.backup === undefined ? null : rec(f.backup);
      const archivedMessage = str(rec(f.archived).message);
      return {
        bucket: run.bucket,
        versioning: str(rec(f.versioning).status),
        cleanVersionsDestroyedFrom: soonest(rules.map((r) => str(r.cleanVersionsDestroyedFrom))),
        deleteMarkersFrom: soonest(rules.map((r) => str(r.deleteMarkersFrom))),
        lifecycleRules: rules.length,
        sseCBlocked:
          typeof rec(f.sseCBlocked).blocked === 'boolean' ? (rec(f.sseCBlocked).blocked as boolean) : null,
        recoveryPoints:
          backup && backup.checked === true && Array.isArray(backup.recoveryPoints)
            ? backup.recoveryPoints.length
            : null,
        archivedRestoreVersions: count(f.archivedRestoreVersions),
        messages: Array.isArray(f.messages)
          ? f.messages.filter((m): m is string => typeof m === 'string' && m !== archivedMessage)
          : [],
      };
    });
  const deadline = soonest(buckets.map((b) => b.cleanVersionsDestroyedFrom));
  return { buckets, lifecycleDeadline: deadline ? new Date(deadline) : null };
}

export const NO_FINDINGS: FindingsSummary = { buckets: [], lifecycleDeadline: null };

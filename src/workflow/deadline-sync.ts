import type { IncidentContext } from '../../workflows/types.ts';
import type { Store } from '../store/store.ts';

export const EXPIRE_KIND = 'approval.expire';
export const REMIND_KIND = 'approval.remind';

// Dedup keys are global, so they carry the incident id; `Deadlines.cancel` strips `%` and `_`, so
// keys use neither.
const incidentPrefix = (incidentId: number) => `${incidentId}:`;
const approvalPrefix = (incidentId: number, approvalId: string) => `${incidentId}:approval:${approvalId}:`;

/**
 * Makes the deadlines table agree with the snapshot: a pending approval has an expiry deadline and
 * its next reminder; a decided one has none; a closed incident has none at all. Scheduling is
 * idempotent on the dedup key, so this runs on every transition.
 */
export function syncDeadlines(
  store: Store,
  context: IncidentContext,
  opts: { closed: boolean; reminderMs: number; now: Date },
): void {
  const { incidentId } = context;
  if (opts.closed) {
    store.deadlines.cancel(incidentId, incidentPrefix(incidentId));
    return;
  }
  for (const approval of Object.values(context.approvals)) {
    const prefix = approvalPrefix(incidentId, approval.id);
    if (approval.status !== 'pending') {
      store.deadlines.cancel(incidentId, prefix);
      continue;
    }
    const requestedAt = Date.parse(approval.requestedAt);
    const expiresAt = Date.parse(approval.expiresAt);
    store.deadlines.schedule(
      {
        incidentId,
        kind: EXPIRE_KIND,
        dedupKey: `${prefix}expire`,
        dueAt: new Date(expiresAt),
        payload: { approvalId: approval.id },
      },
      opts.now,
    );
    if (opts.reminderMs <= 0) continue;
    // Only the next reminder is scheduled; when it fires, the transition it causes schedules the one
    // after. Reminders missed while the bot was down collapse into one.
    const n = Math.max(1, Math.floor((opts.now.getTime() - requestedAt) / opts.reminderMs) + 1);
    const dueAt = requestedAt + n * opts.reminderMs;
    if (dueAt >= expiresAt) continue;
    store.deadlines.schedule(
      {
        incidentId,
        kind: REMIND_KIND,
        dedupKey: `${prefix}remind:${n}`,
        dueAt: new Date(dueAt),
        payload: { approvalId: approval.id },
      },
      opts.now,
    );
  }
}

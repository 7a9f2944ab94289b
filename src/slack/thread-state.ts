// Where the bot's messages for an incident are (panel, approval requests, progress), kept in the
// incident's `summary.slack` so edits in place survive a restart.

import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';

export interface ProgressRef {
  ts: string;
  attempt: number | null;
  startedAt: string;
  finished: boolean;
}

export interface ThreadState {
  panelTs?: string;
  permalink?: string;
  /** approval id → ts of the message asking for it. */
  approvals?: Record<string, string>;
  /** step → its progress message. */
  progress?: Record<string, ProgressRef>;
  /** Files attached to the thread, by purpose (e.g. `affected-3`), so a retry does not attach twice. */
  files?: Record<string, string>;
}

export function threadState(incident: Incident): ThreadState {
  const raw = incident.summary.slack;
  return typeof raw === 'object' && raw !== null ? (raw as ThreadState) : {};
}

/** Merges `patch` into the stored state in one transaction (other writers touch other summary keys). */
export function patchThreadState(
  store: Store,
  incidentId: number,
  patch: (current: ThreadState) => ThreadState,
  now: Date,
): ThreadState {
  return store.transaction(() => {
    const incident = store.incidents.get(incidentId);
    if (!incident) throw new Error(`incident ${incidentId} not found`);
    const next = patch(threadState(incident));
    store.incidents.update(incidentId, { summary: { ...incident.summary, slack: next } }, now);
    return next;
  });
}

import {
  INCIDENT_MACHINE_ID,
  INCIDENT_MACHINE_VERSION,
  type IncidentSnapshot,
  phaseOf,
} from '../../workflows/incident-machine.ts';
import type { IncidentEmitted } from '../../workflows/types.ts';
import type { Store } from '../store/store.ts';
import { auditEntriesFor } from './audit-entries.ts';
import { syncDeadlines } from './deadline-sync.ts';

/**
 * Everything one transition changes in the database, in one transaction: the snapshot (with the
 * machine version), the incident's phase and status, the deadlines, and the audit entries. Only
 * after this commits may anyone (Slack) be told.
 */
export function recordTransition(
  store: Store,
  t: {
    snapshot: IncidentSnapshot;
    persisted: unknown;
    events: IncidentEmitted[];
    reminderMs: number;
    now: Date;
  },
): void {
  const { context } = t.snapshot;
  const incidentId = context.incidentId;
  const phase = phaseOf(t.snapshot);
  const closed = t.snapshot.status === 'done';
  store.transaction(() => {
    store.snapshots.save(
      {
        incidentId,
        machineId: INCIDENT_MACHINE_ID,
        machineVersion: INCIDENT_MACHINE_VERSION,
        stateValue: t.snapshot.value,
        snapshot: t.persisted,
      },
      t.now,
    );
    const incident = store.incidents.get(incidentId);
    const status = closed ? (phase === 'cancelled' ? 'cancelled' : 'resolved') : 'open';
    if (incident && (incident.phase !== phase || incident.status !== status)) {
      store.incidents.update(incidentId, { phase, status, ...(closed ? { closedAt: t.now } : {}) }, t.now);
    }
    syncDeadlines(store, context, { closed, reminderMs: t.reminderMs, now: t.now });
    for (const entry of auditEntriesFor(incidentId, t.events, t.now)) store.audit.append(entry);
  });
}

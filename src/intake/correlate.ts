import type { ParsedAlert, Severity } from '../alerts/index.ts';
import { maxSeverity } from '../alerts/index.ts';
import type { Incident, NewIncident } from '../store/incidents.ts';

/**
 * The open incident an alert belongs to: one naming the same access key, else (for alerts without a
 * key) one naming the same bucket, last seen within the correlation window.
 */
export function findCorrelatedIncident(
  alert: ParsedAlert,
  open: Incident[],
  windowMs: number,
): Incident | undefined {
  const recent = open.filter((i) => {
    const last = (i.lastSeen ?? i.createdAt).getTime();
    return alert.observedAt.getTime() - last <= windowMs;
  });
  if (alert.accessKeyIds.length > 0) {
    const byKey = recent.find((i) => i.accessKeyIds.some((k) => alert.accessKeyIds.includes(k)));
    if (byKey) return byKey;
    // An alert with a key may still belong to a bucket-only incident (e.g. declared by hand).
    return recent.find(
      (i) => i.accessKeyIds.length === 0 && i.buckets.some((b) => alert.buckets.includes(b)),
    );
  }
  return recent.find((i) => i.buckets.some((b) => alert.buckets.includes(b)));
}

export function newIncidentFromAlert(alert: ParsedAlert, lookbackMs: number): NewIncident {
  const first = alert.firstSeen ?? alert.observedAt;
  return {
    title: alert.title,
    severity: alert.severity,
    accessKeyIds: alert.accessKeyIds,
    buckets: alert.buckets,
    accountId: alert.accountId ?? null,
    region: alert.region ?? null,
    // The attacker may have started before the first signal: look back from the first sighting.
    windowStart: new Date(first.getTime() - lookbackMs),
    firstSeen: first,
    lastSeen: alert.lastSeen ?? alert.observedAt,
    alertCount: alert.count,
    // The alert usually names whose key it is; containment confirms it from IAM later.
    ...(alert.principal?.userName && alert.accessKeyIds.length === 1
      ? { summary: { keyOwners: { [alert.accessKeyIds[0]!]: alert.principal.userName } } }
      : {}),
  };
}

export interface IncidentMerge {
  accessKeyIds: string[];
  buckets: string[];
  severity: Severity;
  firstSeen: Date;
  lastSeen: Date;
  alertCount: number;
  windowStart: Date;
  added: { accessKeyIds: string[]; buckets: string[] };
}

export function mergeAlertIntoIncident(
  incident: Incident,
  alert: ParsedAlert,
  lookbackMs: number,
): IncidentMerge {
  const addedKeys = alert.accessKeyIds.filter((k) => !incident.accessKeyIds.includes(k));
  const addedBuckets = alert.buckets.filter((b) => !incident.buckets.includes(b));
  const first = alert.firstSeen ?? alert.observedAt;
  const firstSeen = incident.firstSeen && incident.firstSeen < first ? incident.firstSeen : first;
  const last = alert.lastSeen ?? alert.observedAt;
  const lastSeen = incident.lastSeen && incident.lastSeen > last ? incident.lastSeen : last;
  const proposedStart = new Date(firstSeen.getTime() - lookbackMs);
  return {
    accessKeyIds: [...incident.accessKeyIds, ...addedKeys],
    buckets: [...incident.buckets, ...addedBuckets],
    severity: maxSeverity(incident.severity as Severity, alert.severity),
    firstSeen,
    lastSeen,
    alertCount: incident.alertCount + alert.count,
    windowStart: proposedStart < incident.windowStart ? proposedStart : incident.windowStart,
    added: { accessKeyIds: addedKeys, buckets: addedBuckets },
  };
}

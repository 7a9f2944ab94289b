// Severity is what decides who gets paged, so the mapping is spelled out in one place.
//
// GuardDuty findings keep GuardDuty's own documented bands for its 1.0–10.0 score:
//   9.0–10.0 critical (attack sequences), 7.0–8.9 high, 4.0–6.9 medium, below 4.0 low.
//
// CloudTrail events are graded by what the call does to recoverability:
//   critical  SSE-C CopyObject of an object onto itself (the current version is now unreadable
//             without the attacker's key); a lifecycle rule that permanently deletes noncurrent
//             versions within SHORT_LIFECYCLE_DAYS (the clean copies have a deadline)
//   high      other SSE-C writes (PutObject, CreateMultipartUpload, copies to another key);
//             writes with another account's KMS key; versioning suspended; DeleteObjects;
//             AWS Backup recovery point or vault deleted; noncurrent expiration beyond
//             SHORT_LIFECYCLE_DAYS; current-version expiration within it or on a fixed date
//   medium    current-version expiration beyond SHORT_LIFECYCLE_DAYS
//   low       any of the above refused by AWS (errorCode set): an attempt, no damage
//
// CloudWatch alarms in ALARM are high: someone configured them to watch these buckets.

import type { Severity } from './types.ts';

export const SHORT_LIFECYCLE_DAYS = 30;

const ORDER: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function guardDutySeverity(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/** Positive when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return ORDER[a] - ORDER[b];
}

export function maxSeverity(...severities: Severity[]): Severity {
  return severities.reduce<Severity>((max, s) => (compareSeverity(s, max) > 0 ? s : max), 'low');
}

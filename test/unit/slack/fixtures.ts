// Incident views and approvals for builder tests, including deliberately huge ones.

import type { IncidentView } from '../../../src/slack/incident-view.ts';
import type { Approval } from '../../../workflows/types.ts';

export const NOW = new Date('2026-03-02T12:00:00Z');

export function view(over: Partial<IncidentView> = {}): IncidentView {
  return {
    id: 7,
    ref: 'INC-7',
    title: 'GuardDuty: anomalous S3 writes',
    severity: 'high',
    status: 'open',
    phase: 'contain',
    accessKeyIds: ['AKIAIOSFODNN7EXAMPLE'],
    keyOwners: { AKIAIOSFODNN7EXAMPLE: 'svc-backup' },
    accountId: '123456789012',
    region: 'us-east-1',
    buckets: ['victim-bucket'],
    windowStart: new Date('2026-03-01T00:00:00Z'),
    declaredBy: 'U0ALICE',
    createdAt: new Date('2026-03-02T09:00:00Z'),
    counts: { affected: 12, unrecoverable: 1, changed: 3, restored: null, failed: null, remaining: null },
    lifecycle: { deadline: new Date('2026-03-08T09:00:00Z'), defused: null },
    findings: { buckets: [], lifecycleDeadline: null },
    pending: [],
    running: [],
    failures: [],
    verified: false,
    steps: [
      { action: 'request', step: 'contain' },
      { action: 'dry-run', step: 'contain' },
      { action: 'close', reasonRequired: true },
      { action: 'cancel' },
    ],
    closure: null,
    channel: 'C0INCIDENTS',
    threadTs: '1700000000.000100',
    ...over,
  };
}

const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** Everything as large as a real incident could make it, and then some. */
export function hugeView(): IncidentView {
  const keys = many(300, (i) => `AKIA${String(i).padStart(16, '0')}`);
  return view({
    title: 'x'.repeat(5000),
    severity: 'critical',
    accessKeyIds: keys,
    keyOwners: Object.fromEntries(keys.map((k) => [k, `owner-${'y'.repeat(200)}`])),
    buckets: many(5000, (i) => `bucket-${i}-${'z'.repeat(50)}`),
    pending: many(60, (i) => ({
      id: `contain-${i + 1}`,
      step: 'contain' as const,
      requestedBy: `U0REQ${i}`,
      expiresAt: new Date(NOW.getTime() + 3600_000),
      approvers: many(20, (j) => `U0APP${j}`),
      required: 2,
      otherThanRequester: true,
    })),
    running: ['assess', 'recover'],
    failures: [{ step: 'contain', error: 'AccessDenied '.repeat(1000) }],
    steps: [
      ...many(60, (i) => ({
        action: 'decide' as const,
        approvalId: `contain-${i + 1}`,
        step: 'contain' as const,
        approvals: 0,
        required: 2,
        expiresAt: NOW.toISOString(),
      })),
      { action: 'request', step: 'recover', strategies: ['versions', 'backup', 'batch'] },
      { action: 'dry-run', step: 'recover' },
      { action: 'retry', step: 'contain' },
      { action: 'assess' },
      { action: 'close', reasonRequired: true },
      { action: 'cancel' },
    ],
  });
}

export function approval(over: Partial<Approval> = {}): Approval {
  return {
    id: 'contain-1',
    step: 'contain',
    params: { step: 'contain', options: {} },
    requestedBy: 'U0ALICE',
    requestedAt: '2026-03-02T11:00:00.000Z',
    expiresAt: '2026-03-02T12:00:00.000Z',
    required: 1,
    approvers: [],
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    reason: null,
    ...over,
  };
}

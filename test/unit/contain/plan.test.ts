import { describe, expect, it } from 'vitest';
import { planSteps } from '../../../src/aws/contain/plan.ts';
import { keyTypeOf, type ResolvedKey } from '../../../src/aws/contain/resolve-key.ts';
import { revokePolicy } from '../../../src/aws/contain/revoke-sessions.ts';

const now = new Date('2025-01-12T10:00:00Z');
const key = (over: Partial<ResolvedKey>): ResolvedKey => ({
  accessKeyId: 'AKIAFAKEFAKEFAKE0001',
  type: 'long-term',
  accountId: '123456789012',
  userName: 'mallory',
  roleName: null,
  status: 'Active',
  lastUsed: null,
  notes: [],
  requestIds: [],
  ...over,
});

describe('planSteps', () => {
  it('deactivates long-term keys, revokes role sessions, then blocks and defuses each bucket', () => {
    const { descriptors, notes } = planSteps({
      keys: [
        key({}),
        key({ accessKeyId: 'ASIAFAKEFAKEFAKE0002', type: 'session', userName: null, roleName: 'app-role' }),
      ],
      buckets: ['a', 'b'],
      options: { denyAll: true },
      now,
    });
    expect(notes).toEqual([]);
    expect(descriptors).toEqual([
      { kind: 'deactivate-key', target: 'AKIAFAKEFAKEFAKE0001', userName: 'mallory' },
      { kind: 'attach-deny-all', target: 'mallory' },
      { kind: 'revoke-sessions', target: 'app-role', cutoff: now.toISOString() },
      { kind: 'block-sse-c-encryption', target: 'a' },
      { kind: 'block-sse-c-policy', target: 'a' },
      { kind: 'defuse-lifecycle', target: 'a' },
      { kind: 'block-sse-c-encryption', target: 'b' },
      { kind: 'block-sse-c-policy', target: 'b' },
      { kind: 'defuse-lifecycle', target: 'b' },
    ]);
  });

  it('follows the switches and names what it could not do', () => {
    const { descriptors, notes } = planSteps({
      keys: [
        key({}),
        key({ accessKeyId: 'AKIAFAKEFAKEFAKE0003' }),
        key({ accessKeyId: 'ASIAFAKEFAKEFAKE0004', type: 'session', userName: null }),
        key({ accessKeyId: 'AKIAFAKEFAKEFAKE0005', userName: null }),
      ],
      buckets: ['a'],
      options: { blockMethod: 'policy', defuseLifecycle: false, denyAll: true },
      now,
    });
    // One AWSDenyAll per user, however many of its keys were used.
    expect(descriptors.map((d) => d.kind)).toEqual([
      'deactivate-key',
      'attach-deny-all',
      'deactivate-key',
      'block-sse-c-policy',
    ]);
    expect(notes).toEqual([
      'ASIAFAKEFAKEFAKE0004: session key with no known role; its sessions were not revoked',
      'AKIAFAKEFAKEFAKE0005: owner unknown; the key was not deactivated',
    ]);
    expect(
      planSteps({
        keys: [key({})],
        buckets: ['a'],
        options: { deactivateKeys: false, blockMethod: 'none', defuseLifecycle: false },
        now,
      }).descriptors,
    ).toEqual([]);
  });

  it('accepts the workflow’s option names', () => {
    const { descriptors } = planSteps({
      keys: [key({})],
      buckets: ['a'],
      options: { attachDenyAll: true, blockSseC: false, defuseLifecycle: false },
      now,
    });
    expect(descriptors.map((d) => d.kind)).toEqual(['deactivate-key', 'attach-deny-all']);
  });

  it('tells long-term keys from session keys by prefix', () => {
    expect(['AKIAFAKE', 'ASIAFAKE', 'SSECSANDBOXADMIN'].map(keyTypeOf)).toEqual([
      'long-term',
      'session',
      'unknown',
    ]);
  });

  it('writes the policy the console’s "Revoke active sessions" writes', () => {
    expect(revokePolicy('2025-01-12T10:00:00.000Z')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2025-01-12T10:00:00.000Z' } },
        },
      ],
    });
  });
});

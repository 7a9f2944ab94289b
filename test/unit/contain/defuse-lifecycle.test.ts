import type { LifecycleRule } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  defusedRules,
  destructiveActions,
  isDestructive,
  reviveRules,
} from '../../../src/aws/contain/defuse-lifecycle.ts';

const rules: LifecycleRule[] = [
  { ID: 'expire-current', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 7 } },
  {
    ID: 'expire-noncurrent',
    Status: 'Enabled',
    Filter: { Prefix: 'logs/' },
    NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 },
  },
  {
    ID: 'markers-only',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { ExpiredObjectDeleteMarker: true },
  },
  {
    ID: 'tidy',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  },
  {
    ID: 'archive',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Transitions: [{ Days: 30, StorageClass: 'GLACIER' }],
  },
  { ID: 'already-off', Status: 'Disabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
  {
    ID: 'dated',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { Date: new Date('2025-02-01T00:00:00Z') },
  },
];

describe('defusing lifecycle rules', () => {
  it('names what destroys data: current or noncurrent expiration, never marker cleanup or transitions', () => {
    expect(rules.map((r) => [r.ID, isDestructive(r)])).toEqual([
      ['expire-current', true],
      ['expire-noncurrent', true],
      ['markers-only', false],
      ['tidy', false],
      ['archive', false],
      ['already-off', false],
      ['dated', true],
    ]);
    expect(destructiveActions(rules[1]!)).toEqual(['NoncurrentVersionExpiration 1 days, keep 2 newer']);
    expect(destructiveActions(rules[6]!)).toEqual(['Expiration on 2025-02-01']);
  });

  it('disables exactly those rules and leaves every other field and rule as it was', () => {
    const out = defusedRules(rules);
    expect(out.map((r) => r.Status)).toEqual([
      'Disabled',
      'Disabled',
      'Enabled',
      'Enabled',
      'Enabled',
      'Disabled',
      'Disabled',
    ]);
    for (const [i, r] of out.entries()) expect({ ...r, Status: rules[i]!.Status }).toEqual(rules[i]);
  });

  it('revives dates that went through the ledger as JSON', () => {
    const roundTripped = JSON.parse(JSON.stringify(rules)) as LifecycleRule[];
    const revived = reviveRules(roundTripped);
    expect(revived[6]!.Expiration?.Date).toEqual(new Date('2025-02-01T00:00:00Z'));
    expect(revived).toEqual(rules);
  });
});

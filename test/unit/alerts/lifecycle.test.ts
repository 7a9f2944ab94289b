import { describe, expect, it } from 'vitest';
import { summarizeLifecycle } from '../../../src/alerts/index.ts';

describe('summarizeLifecycle', () => {
  it('reads one rule given as an object, with numbers as strings', () => {
    const details = summarizeLifecycle({
      Rule: {
        ID: 'cleanup',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'invoices/', Tag: { Key: 'a', Value: 'b' } } },
        Expiration: { Days: '7' },
        NoncurrentVersionExpiration: { NoncurrentDays: '3', NewerNoncurrentVersions: '2' },
      },
    });
    expect(details).toEqual({
      rules: [
        {
          id: 'cleanup',
          prefix: 'invoices/',
          enabled: true,
          expirationDays: 7,
          noncurrentDays: 3,
          newerNoncurrentVersions: 2,
        },
      ],
      expireCurrentAfterDays: 7,
      expireNoncurrentAfterDays: 3,
    });
  });

  it('takes the shortest deadline over enabled rules only, and the earliest expiration date', () => {
    const details = summarizeLifecycle({
      Rule: [
        { ID: 'a', Status: 'Enabled', Prefix: 'legacy/', Expiration: { Days: 30 } },
        {
          ID: 'b',
          Status: 'Disabled',
          Expiration: { Days: 1 },
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        },
        { ID: 'c', Status: 'Enabled', Expiration: { Date: '2025-01-20T00:00:00.000Z' } },
        { ID: 'd', Status: 'Enabled', Expiration: { Date: '2025-01-15T00:00:00.000Z' } },
        { ID: 'e', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 14 } },
      ],
    });
    expect(details.expireCurrentAfterDays).toBe(30);
    expect(details.expireCurrentOn?.toISOString()).toBe('2025-01-15T00:00:00.000Z');
    expect(details.expireNoncurrentAfterDays).toBe(14);
    expect(details.rules.map((r) => r.enabled)).toEqual([true, false, true, true, true]);
    expect(details.rules[0]?.prefix).toBe('legacy/');
  });

  it('ignores expired-delete-marker cleanup, transitions and nonsense values', () => {
    const details = summarizeLifecycle({
      Rule: [
        { ID: 'markers', Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: 'true' } },
        { ID: 'glacier', Status: 'Enabled', Transition: { Days: 30, StorageClass: 'GLACIER' } },
        {
          ID: 'weird',
          Status: 'Enabled',
          Expiration: { Days: -4 },
          NoncurrentVersionExpiration: { NoncurrentDays: 'x' },
        },
        'not a rule',
      ],
    });
    expect(details.expireCurrentAfterDays).toBeUndefined();
    expect(details.expireNoncurrentAfterDays).toBeUndefined();
    expect(details.rules).toHaveLength(3);
  });

  it('returns no rules for anything that is not a configuration', () => {
    for (const value of [undefined, null, 'x', 3, [], { Rule: null }]) {
      expect(summarizeLifecycle(value)).toEqual({ rules: [] });
    }
  });
});

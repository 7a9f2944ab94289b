import { describe, expect, it } from 'vitest';
import { type BucketState, buildFindings } from '../../../src/aws/assess/bucket-findings.ts';
import { lifecycleDue, lifecycleFindings } from '../../../src/aws/assess/lifecycle.ts';
import { encryptionBlocksSseC, policyBlocksSseC } from '../../../src/aws/assess/sse-c-block.ts';

const attack = new Date('2025-01-13T10:30:00Z');

describe('lifecycleDue', () => {
  it('adds the days and rounds up to the next midnight UTC, as S3 does', () => {
    expect(lifecycleDue(attack, 7).toISOString()).toBe('2025-01-21T00:00:00.000Z');
    expect(lifecycleDue(new Date('2025-01-13T00:00:00Z'), 1).toISOString()).toBe('2025-01-14T00:00:00.000Z');
    expect(lifecycleDue(new Date('2025-01-13T23:59:59.999Z'), 0).toISOString()).toBe(
      '2025-01-14T00:00:00.000Z',
    );
  });
});

describe('lifecycleFindings', () => {
  it('dates the destruction of clean versions from the overwrite, and skips disabled or harmless rules', () => {
    const rules = lifecycleFindings(
      [
        { ID: 'ransom', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 7 } },
        { ID: 'current', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } },
        { ID: 'off', Status: 'Disabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
        { ID: 'cold', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
      ],
      attack,
      true,
    );
    expect(rules.map((r) => r.id)).toEqual(['ransom', 'current']);
    expect(rules[0]).toMatchObject({
      expiresNoncurrentAfterDays: 7,
      cleanVersionsDestroyedFrom: '2025-01-21T00:00:00.000Z',
      deleteMarkersFrom: null,
      appliesTo: 'every object',
    });
    expect(rules[1]).toMatchObject({
      expiresCurrentAfterDays: 3,
      deleteMarkersFrom: '2025-01-17T00:00:00.000Z',
      cleanVersionsDestroyedFrom: null,
      appliesTo: 'prefix "logs/"',
    });
    expect(rules[1]!.message).toContain('delete markers');
  });

  it('says current-version expiration destroys data for good without versioning', () => {
    const [rule] = lifecycleFindings(
      [{ ID: 'x', Status: 'Enabled', Expiration: { Days: 1 } }],
      attack,
      false,
    );
    expect(rule).toMatchObject({
      cleanVersionsDestroyedFrom: '2025-01-15T00:00:00.000Z',
      deleteMarkersFrom: null,
    });
  });

  it('mentions NewerNoncurrentVersions, which keeps the newest noncurrent versions alive', () => {
    const [rule] = lifecycleFindings(
      [{ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 } }],
      attack,
      true,
    );
    expect(rule!.id).toBe('rule 1');
    expect(rule!.message).toContain('keeps the 2 newest noncurrent versions');
  });
});

describe('SSE-C block detection', () => {
  const statement = {
    Sid: 'DenySSEC',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: 'arn:aws:s3:::prod-data/*',
    Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
  };
  const policy = (s: object) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow' }, s] });

  it('recognises the statement from the AWS post, merged among others', () => {
    expect(policyBlocksSseC(policy(statement), 'prod-data')).toBe(true);
    expect(policyBlocksSseC(JSON.stringify({ Statement: statement }), 'prod-data')).toBe(true);
    expect(
      policyBlocksSseC(
        policy({
          ...statement,
          Principal: { AWS: ['*'] },
          Action: ['s3:GetObject', 'S3:PUTOBJECT'],
          Condition: { null: { 'S3:x-amz-server-side-encryption-customer-algorithm': ['false'] } },
        }),
        'prod-data',
      ),
    ).toBe(true);
  });

  it('does not count statements that block less', () => {
    expect(policyBlocksSseC(policy({ ...statement, Effect: 'Allow' }), 'prod-data')).toBe(false);
    expect(policyBlocksSseC(policy({ ...statement, Resource: 'arn:aws:s3:::other/*' }), 'prod-data')).toBe(
      false,
    );
    expect(
      policyBlocksSseC(policy({ ...statement, Principal: { AWS: 'arn:aws:iam::1:root' } }), 'prod-data'),
    ).toBe(false);
    expect(
      policyBlocksSseC(
        policy({
          ...statement,
          Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'true' } },
        }),
        'prod-data',
      ),
    ).toBe(false);
    expect(policyBlocksSseC('not json', 'prod-data')).toBe(false);
    expect(policyBlocksSseC(undefined, 'prod-data')).toBe(false);
  });

  it('recognises BlockedEncryptionTypes in the default encryption', () => {
    expect(
      encryptionBlocksSseC([
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
          BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
        },
      ]),
    ).toBe(true);
    expect(encryptionBlocksSseC([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }])).toBe(
      false,
    );
    expect(encryptionBlocksSseC(undefined)).toBe(false);
  });
});

describe('buildFindings', () => {
  const state = (over: Partial<BucketState>): BucketState => ({
    versioning: 'Enabled',
    lifecycleRules: [],
    encryptionRules: [],
    policy: undefined,
    ...over,
  });

  it('puts the lifecycle deadline first and says when SSE-C is not blocked', () => {
    const f = buildFindings({
      bucket: 'b',
      overwrittenAt: attack,
      state: state({
        lifecycleRules: [{ ID: 'r', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }],
      }),
    });
    expect(f.messages[0]).toContain('2025-01-21T00:00:00.000Z');
    expect(f.sseCBlocked.blocked).toBe(false);
    expect(f.messages[1]).toContain('NOT blocked');
    expect(f.versioning).toMatchObject({ status: 'Enabled', priorVersionsKept: true });
    expect(f).toMatchObject({
      versioningStatus: 'Enabled',
      sseCWritesBlocked: false,
      lifecycleRules: 1,
      cleanDataDestroyedFrom: '2025-01-21T00:00:00.000Z',
      backupRecoveryPoints: null,
      archivedRestoreVersions: 0,
    });
    expect(f.archived).toBeUndefined();
  });

  it('counts the clean versions in GLACIER and DEEP_ARCHIVE, not GLACIER_IR or the rest', () => {
    const f = buildFindings({
      bucket: 'b',
      overwrittenAt: attack,
      state: state({}),
      restoreStorageClasses: {
        STANDARD: 900,
        GLACIER: 10,
        DEEP_ARCHIVE: 2,
        GLACIER_IR: 40,
        STANDARD_IA: 7,
        INTELLIGENT_TIERING: 3,
        ONEZONE_IA: 1,
      },
    });
    expect(f.archivedRestoreVersions).toBe(12);
    expect(f.archived).toMatchObject({ versions: 12, byStorageClass: { GLACIER: 10, DEEP_ARCHIVE: 2 } });
    expect(f.archived!.message).toBe(
      '12 clean versions to restore in b are archived (10 GLACIER, 2 DEEP_ARCHIVE): S3 will not copy them until they are ' +
        'restored with restore-object, which takes hours (GLACIER 3–5 at the Standard tier, DEEP_ARCHIVE up to 12). ' +
        'Start the restores now: the report lists each with its restoreStorageClass.',
    );
    // After SSE-C (the attack may still be running), before the settings that are fine.
    expect(f.messages.indexOf(f.archived!.message)).toBe(
      f.messages.findIndex((m) => m.includes('NOT blocked')) + 1,
    );

    const one = buildFindings({
      bucket: 'b',
      overwrittenAt: attack,
      state: state({}),
      restoreStorageClasses: { DEEP_ARCHIVE: 1, GLACIER_IR: 5 },
    });
    expect(one.archivedRestoreVersions).toBe(1);
    expect(one.archived!.message).toMatch(
      /^1 clean version to restore in b is archived \(1 DEEP_ARCHIVE\): S3 will not copy it until it is restored/,
    );

    const none = buildFindings({
      bucket: 'b',
      overwrittenAt: attack,
      state: state({}),
      restoreStorageClasses: { GLACIER_IR: 5, STANDARD: 1 },
    });
    expect(none.archivedRestoreVersions).toBe(0);
    expect(none.archived).toBeUndefined();
    expect(none.messages.join(' ')).not.toContain('archived');
  });

  it('says no prior versions exist when versioning is off, and carries the Backup finding', () => {
    const f = buildFindings({
      bucket: 'b',
      overwrittenAt: attack,
      state: state({ versioning: 'Disabled' }),
      backup: {
        checked: false,
        recoveryPoints: [],
        message: 'AWS Backup recovery points could not be checked: x',
      },
    });
    expect(f.versioning.priorVersionsKept).toBe(false);
    expect(f.versioning.message).toContain('no prior versions exist');
    expect(f.messages).toContain('AWS Backup recovery points could not be checked: x');
  });
});

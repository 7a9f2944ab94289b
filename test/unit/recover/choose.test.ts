import type { RecoveryPointByResource } from '@aws-sdk/client-backup';
import { describe, expect, it } from 'vitest';
import { chooseRecoveryPoint, defaultRestoreBucket } from '../../../src/aws/recover/backup-restore.ts';
import { chooseStrategy } from '../../../src/aws/recover/choose-strategy.ts';

const facts = {
  restorable: 10,
  unrecoverable: 0,
  batchThreshold: 1000,
  batchConfigured: true,
  backupConfigured: true,
};

describe('chooseStrategy', () => {
  it('restores from versions by default', () => {
    expect(chooseStrategy(facts).strategy).toBe('versions');
  });
  it('hands more objects than the threshold to Batch Operations, when configured', () => {
    expect(chooseStrategy({ ...facts, restorable: 1001 }).strategy).toBe('batch');
    expect(chooseStrategy({ ...facts, restorable: 1001, batchConfigured: false }).strategy).toBe('versions');
  });
  it('uses AWS Backup when the bucket holds no clean versions', () => {
    expect(chooseStrategy({ ...facts, restorable: 0, unrecoverable: 5 }).strategy).toBe('backup');
    expect(
      chooseStrategy({ ...facts, restorable: 0, unrecoverable: 5, backupConfigured: false }).strategy,
    ).toBe('versions');
  });
  it('follows a request, and names what a requested strategy lacks', () => {
    expect(chooseStrategy({ ...facts, requested: 'backup' })).toEqual({
      strategy: 'backup',
      reason: 'requested',
    });
    expect(chooseStrategy({ ...facts, requested: 'batch', batchConfigured: false }).problem).toMatch(
      /SSEC_BATCH_MANIFEST_BUCKET/,
    );
  });
});

describe('chooseRecoveryPoint', () => {
  const p = (date: string, over: Partial<RecoveryPointByResource> = {}): RecoveryPointByResource => ({
    RecoveryPointArn: `arn:${date}`,
    CreationDate: new Date(date),
    Status: 'COMPLETED',
    BackupVaultName: 'Default',
    ...over,
  });
  const before = new Date('2025-01-10T00:00:00Z');
  it('takes the latest completed point strictly before the window', () => {
    const points = [
      p('2025-01-01Z'),
      p('2025-01-09T23:59:59Z'),
      p('2025-01-10T00:00:00Z'),
      p('2025-01-12Z'),
      p('2025-01-09T12:00:00Z', { Status: 'PARTIAL' }),
    ];
    expect(chooseRecoveryPoint(points, before)?.RecoveryPointArn).toBe('arn:2025-01-09T23:59:59Z');
    expect(chooseRecoveryPoint(points, before, 'Other')).toBeUndefined();
    expect(chooseRecoveryPoint([p('2025-01-11Z')], before)).toBeUndefined();
  });
});

describe('defaultRestoreBucket', () => {
  it('is a valid bucket name of at most 63 characters, distinct from the source', () => {
    const long = `a${'b'.repeat(61)}c`;
    for (const bucket of ['victim', long, 'my.bucket.name-']) {
      const name = defaultRestoreBucket(bucket, 42, 'deadbeefcafe');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
      expect(name).not.toBe(bucket);
      expect(name).toContain('-ssec-r42-deadbe');
    }
  });
});

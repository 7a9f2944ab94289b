import { BackupClient } from '@aws-sdk/client-backup';
import {
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessBucket } from '../../../src/aws/assess/assess-bucket.ts';
import type { BucketFindings } from '../../../src/aws/assess/bucket-findings.ts';
import { REASONS } from '../../../src/aws/assess/classify-key.ts';
import { assessmentReport } from '../../../src/aws/assess/report.ts';
import { attacker, type Harness, inWin, plain, pre, SINCE, seedBucket, startHarness } from './harness.ts';

describe('assess against the AWS stand-in: bucket settings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('with versioning suspended: says no prior versions exist and lists older Backup recovery points', async () => {
    const bucket = 'suspended-bucket';
    const ids = seedBucket(h.sandbox, bucket, { 'enabled-era.txt': [plain(pre(50)), plain(pre(40))] });
    const old = h.sandbox.backup.createRecoveryPoint({ vault: 'v1', bucket, creationDate: pre(24) });
    h.sandbox.backup.createRecoveryPoint({ vault: 'v1', bucket, creationDate: inWin(30) });
    h.sandbox.s3.setVersioning(bucket, 'Suspended');
    const body = Buffer.from('x');
    h.sandbox.s3.seed(bucket, [
      { key: 'a.txt', body, lastModified: pre(5) },
      // The attacker's overwrites replace the null version: nothing older remains for a.txt, while
      // enabled-era.txt keeps the versions written before versioning was suspended.
      { key: 'a.txt', body, lastModified: inWin(3), ...attackerSseC() },
      { key: 'enabled-era.txt', body, lastModified: inWin(3), ...attackerSseC() },
    ]);

    const summary = await assessBucket({ s3: h.s3, backup: h.backup, store: h.store, bucket, since: SINCE });
    const report = assessmentReport(h.store, summary.runId);
    expect(report.affected).toEqual([
      expect.objectContaining({
        key: 'a.txt',
        versionId: 'null',
        restoreVersionId: null,
        reason: REASONS.unversioned('Suspended'),
      }),
      expect.objectContaining({
        key: 'enabled-era.txt',
        versionId: 'null',
        restoreVersionId: ids['enabled-era.txt']![1],
      }),
    ]);
    const f = summary.findings;
    expect(f.versioning).toMatchObject({ status: 'Suspended', priorVersionsKept: false });
    expect(f.versioning.message).toContain('no prior versions exist');
    expect(f.backup).toMatchObject({ checked: true });
    expect(f.backup!.recoveryPoints.map((p) => p.recoveryPointArn)).toEqual([old.recoveryPointArn]);
    expect(f.messages.join(' ')).toContain(old.recoveryPointArn);
    expect(f).toMatchObject({ versioningStatus: 'Suspended', backupRecoveryPoints: 1 });
  });

  it('with versioning never enabled: says so, and says when Backup could not be checked', async () => {
    const bucket = 'unversioned-bucket';
    seedBucket(h.sandbox, bucket, { 'a.txt': [plain(pre(5))] }, 'Unversioned');
    h.sandbox.s3.seed(bucket, [
      { key: 'a.txt', body: Buffer.from('x'), lastModified: inWin(3), ...attackerSseC() },
    ]);
    const denied = new BackupClient({
      endpoint: h.sandbox.endpoint,
      region: h.sandbox.region,
      credentials: { accessKeyId: 'AKIDNOTKNOWNTOSANDBOX', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    try {
      const summary = await assessBucket({ s3: h.s3, backup: denied, store: h.store, bucket, since: SINCE });
      expect(summary.counts).toMatchObject({ affected: 1, unrecoverable: 1 });
      expect(summary.findings.versioning).toMatchObject({ status: 'Disabled', priorVersionsKept: false });
      expect(summary.findings.backup).toMatchObject({ checked: false });
      expect(summary.findings.backup!.message).toMatch(/could not be checked/);

      const noClient = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE });
      expect(noClient.findings.backup).toMatchObject({ checked: false });
      expect(noClient.findings.backup!.message).toMatch(/not checked/);
    } finally {
      denied.destroy();
    }
  });

  it('reads lifecycle deadlines and whether SSE-C is already blocked', async () => {
    const bucket = 'config-bucket';
    seedBucket(h.sandbox, bucket, { 'a.txt': [plain(pre(5)), attacker(new Date('2025-01-13T10:30:00Z'))] });
    await h.s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'ransom-7d',
              Status: 'Enabled',
              Filter: {},
              NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            },
            { ID: 'expire', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 7 } },
          ],
        },
      }),
    );
    const before = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE });
    const f: BucketFindings = before.findings;
    expect(f.lifecycle.rules).toEqual([
      expect.objectContaining({ id: 'ransom-7d', cleanVersionsDestroyedFrom: '2025-01-21T00:00:00.000Z' }),
      expect.objectContaining({ id: 'expire', deleteMarkersFrom: '2025-01-21T00:00:00.000Z' }),
    ]);
    expect(f.messages[0]).toMatch(/^Clean data is destroyed by lifecycle from 2025-01-21T00:00:00.000Z/);
    expect(f.sseCBlocked).toMatchObject({ blocked: false });

    await h.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
            },
          ],
        },
      }),
    );
    await h.s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${bucket}/*`,
              Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
            },
          ],
        }),
      }),
    );
    const after = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE });
    expect(after.findings.sseCBlocked).toMatchObject({
      blocked: true,
      byEncryptionSetting: true,
      byBucketPolicy: true,
    });
  });

  it('fails the run clearly when the bucket does not exist', async () => {
    await expect(
      assessBucket({ s3: h.s3, store: h.store, bucket: 'no-such-bucket', since: SINCE }),
    ).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    const run = h.store.db.prepare("SELECT status FROM assess_runs WHERE bucket = 'no-such-bucket'").get();
    expect(run).toEqual({ status: 'failed' });
  });
});

function attackerSseC() {
  return { sseCustomerAlgorithm: 'AES256', sseCustomerKeyMd5: 'rJ1Lrj8dBRrKZcd3ZzpCdQ==' };
}

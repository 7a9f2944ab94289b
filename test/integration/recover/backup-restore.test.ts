import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsClientFactory, createAwsClientFactory } from '../../../src/aws/clients.ts';
import { recover } from '../../../src/aws/recover/recover.ts';
import { verifyRecovery } from '../../../src/aws/recover/verify.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import type { NewAffected } from '../../../src/store/assessments.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { tempDir } from '../../helpers/temp.ts';
import { ATTACKER_KEY_MD5, WINDOW_START } from './seed-attack.ts';

let sandbox: AwsSandbox;
let factory: AwsClientFactory;
let store: Store;
let cleanup: () => void;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 9, restoreDelayMs: 60 });
  factory = createAwsClientFactory({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: sandbox.adminCredentials,
    forcePathStyle: true,
    maxAttempts: 2,
  });
});
afterAll(async () => {
  factory.destroy();
  await sandbox.stop();
});
beforeEach(() => {
  const t = tempDir('ssec-backup-');
  cleanup = t.cleanup;
  store = createStore(join(t.dir, 'ssec.db'));
  sandbox.s3.reset();
  sandbox.counters.reset();
});
afterEach(() => {
  store.close();
  cleanup();
});

const BUCKET = 'backed-up';
const keys = Array.from({ length: 12 }, (_, i) => `docs/doc-${i}.txt`);
const lateKeys = ['docs/late-1.txt', 'docs/late-2.txt'];

/**
 * Clean objects, a recovery point before the window (and a worse one inside it), then the attack:
 * SSE-C versions on top and the clean versions destroyed, so the bucket itself holds nothing to
 * restore. Two keys were created after the backup, so the recovery point lacks them.
 */
function seedBackupScenario(): number {
  sandbox.s3.createBucket(BUCKET, { versioning: 'Enabled' });
  const clean = sandbox.s3.seed(
    BUCKET,
    keys.map((key) => ({
      key,
      body: Buffer.from(`clean ${key}`),
      contentType: 'text/plain',
      lastModified: new Date('2025-01-01Z'),
    })),
  );
  sandbox.backup.createRecoveryPoint({
    vault: 'Default',
    bucket: BUCKET,
    creationDate: new Date('2025-01-03Z'),
  });
  sandbox.backup.createRecoveryPoint({
    vault: 'Default',
    bucket: BUCKET,
    creationDate: new Date('2025-01-02Z'),
  });
  sandbox.s3.seed(
    BUCKET,
    lateKeys.map((key) => ({ key, body: Buffer.from(`late ${key}`), lastModified: new Date('2025-01-05Z') })),
  );
  const attacked = [...keys, ...lateKeys].map((key) => ({
    key,
    body: Buffer.from(`encrypted ${key}`),
    sseCustomerAlgorithm: 'AES256',
    sseCustomerKeyMd5: ATTACKER_KEY_MD5,
    lastModified: new Date('2025-01-12Z'),
  }));
  const attackerIds = sandbox.s3.seed(BUCKET, attacked);
  for (const [i, key] of keys.entries()) sandbox.s3.removeVersion(BUCKET, key, clean[i]!);
  for (const key of lateKeys) {
    const old = sandbox.s3.listVersions(BUCKET, key).find((v) => !v.isLatest)!;
    sandbox.s3.removeVersion(BUCKET, key, old.versionId);
  }
  // A point taken inside the window holds none of the encrypted objects: never the one to use.
  sandbox.backup.createRecoveryPoint({
    vault: 'Default',
    bucket: BUCKET,
    creationDate: new Date('2025-01-13Z'),
  });
  const run = store.assessments.startRun({ bucket: BUCKET, windowStart: WINDOW_START });
  const affected: NewAffected[] = attacked.map((a, i) => ({
    key: a.key,
    versionId: attackerIds[i]!,
    lastModified: a.lastModified,
    size: a.body.length,
    isDeleteMarker: false,
    restoreVersionId: null,
    restoreSize: null,
    restoreEtag: null,
    reason: 'no version before the window (expired)',
  }));
  store.assessments.commitPage(run.id, { affected, changed: [], cursor: null, progress: {} });
  store.assessments.finishRun(run.id, 'completed', {});
  return run.id;
}

describe('restore from AWS Backup against the stand-in', () => {
  it('restores the latest point before the window into a new bucket, copies back, reports what it lacked', async () => {
    const runId = seedBackupScenario();
    const clients = factory.forAccount();
    const phases = new Set<string>();
    const result = await recover({
      clients,
      store,
      runIds: [runId],
      strategy: 'backup',
      backup: { roleArn: 'arn:aws:iam::123456789012:role/ssec-backup-restore', pollMs: 10 },
      idempotencyKey: 'inc-9/recover/1',
      onProgress: (p) => phases.add(p.phase),
    });
    expect(result).toMatchObject({
      strategy: 'backup',
      restored: 12,
      unrecoverable: 2,
      failed: 0,
      copied: 12,
    });
    expect(phases).toEqual(new Set(['backup-restore', 'restoring']));
    const b = result.backup!.buckets[0]!;
    expect(b.recoveryPointDate).toBe('2025-01-03T00:00:00.000Z');
    expect(b.status).toBe('COMPLETED');
    expect(b.notInRecoveryPoint).toBe(2);
    expect(b.notInRecoveryPointSample.sort()).toEqual(lateKeys);
    expect(b.restoreBucket).not.toBe(BUCKET);
    expect(sandbox.s3.bucketExists(b.restoreBucket!)).toBe(true);
    expect(sandbox.counters.get('StartRestoreJob')).toBe(1);

    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: keys[0] }));
    expect(head.ContentType).toBe('text/plain');
    expect(sandbox.s3.getCurrentObject(BUCKET, keys[0]!)?.body?.toString()).toBe(`clean ${keys[0]}`);
    const rows = [...store.assessments.affected(runId)];
    expect(rows.filter((r) => r.recoveryStatus === 'unrecoverable').map((r) => r.recoveryError)).toEqual([
      expect.stringContaining('not in recovery point'),
      expect.stringContaining('not in recovery point'),
    ]);
    const verify = await verifyRecovery({ s3: clients.s3, store, runIds: [runId] });
    expect(verify).toMatchObject({ done: false, stillSseC: 2, clean: 12 });

    // Again under the same key: the job is followed, not restarted, and nothing is copied twice.
    const again = await recover({
      clients,
      store,
      runIds: [runId],
      strategy: 'backup',
      backup: { roleArn: 'arn:aws:iam::123456789012:role/ssec-backup-restore', pollMs: 10 },
      idempotencyKey: 'inc-9/recover/1',
    });
    expect(again).toMatchObject({ restored: 12, copied: 0 });
    expect(sandbox.counters.get('StartRestoreJob')).toBe(1);
    for (const key of keys) expect(sandbox.s3.listVersions(BUCKET, key)).toHaveLength(2);
  });

  it('a failed restore job is reported, and the next call starts a new one', async () => {
    const runId = seedBackupScenario();
    sandbox.s3.createBucket('already-there');
    const names = ['already-there', 'fresh-restore-bucket'];
    const params = {
      clients: factory.forAccount(),
      store,
      runIds: [runId],
      strategy: 'backup' as const,
      backup: {
        roleArn: 'arn:aws:iam::123456789012:role/r',
        pollMs: 10,
        restoreBucketName: () => names.shift()!,
      },
      idempotencyKey: 'inc-11/recover/1',
    };
    await expect(recover(params)).rejects.toThrow(/ended FAILED: Bucket already-there already exists/);
    const second = await recover(params);
    expect(second).toMatchObject({ restored: 12, unrecoverable: 2 });
    expect(second.backup?.buckets[0]?.restoreBucket).toBe('fresh-restore-bucket');
    expect(sandbox.counters.get('StartRestoreJob')).toBe(2);
  });

  it('says so when no recovery point predates the window', async () => {
    const runId = seedBackupScenario();
    const result = await recover({
      clients: factory.forAccount(),
      store,
      runIds: [runId],
      strategy: 'backup',
      backup: { roleArn: 'arn:aws:iam::123456789012:role/r', pollMs: 10, before: new Date('2024-12-01Z') },
      idempotencyKey: 'inc-10/recover/1',
    });
    expect(result.backup?.buckets[0]).toMatchObject({ status: 'NO_RECOVERY_POINT', recoveryPointArn: null });
    expect(result).toMatchObject({ restored: 0, unrecoverable: 14 });
    expect(sandbox.counters.get('StartRestoreJob')).toBe(0);
  });
});

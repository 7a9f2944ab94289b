import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsClientFactory, createAwsClientFactory } from '../../../src/aws/clients.ts';
import { recover } from '../../../src/aws/recover/recover.ts';
import { verifyRecovery } from '../../../src/aws/recover/verify.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { tempDir } from '../../helpers/temp.ts';
import { manyObjects, seedAttack } from './seed-attack.ts';

let sandbox: AwsSandbox;
let factory: AwsClientFactory;
let store: Store;
let cleanup: () => void;
let roleArn: string;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 5 });
  // The production factory: its S3 Control endpoint handling must work against a custom endpoint.
  factory = createAwsClientFactory({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: sandbox.adminCredentials,
    forcePathStyle: true,
    maxAttempts: 2,
  });
  roleArn = sandbox.iam.createRole('ssec-batch').arn;
});
afterAll(async () => {
  factory.destroy();
  await sandbox.stop();
});
beforeEach(() => {
  const t = tempDir('ssec-batch-');
  cleanup = t.cleanup;
  store = createStore(join(t.dir, 'ssec.db'));
  sandbox.s3.reset();
  sandbox.s3.createBucket('ssec-manifests');
  sandbox.counters.reset();
});
afterEach(() => {
  store.close();
  cleanup();
});

const clients = () => {
  const c = factory.forAccount();
  return { s3: c.s3, s3control: c.s3control };
};
const batch = (confirm: boolean) => ({
  accountId: sandbox.accountId,
  roleArn,
  manifestBucket: 'ssec-manifests',
  confirm,
  pollMs: 10,
});

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

describe('restore with S3 Batch Operations against the stand-in', () => {
  it('writes the manifest, creates a confirmed-on-approval job, follows it, reconciles the report; >5 GB copied here', async () => {
    const objects = [
      ...manyObjects(60),
      { key: 'odd keys/naïve, "quoted" +plus%.txt', body: Buffer.from('odd'), contentType: 'text/plain' },
      { key: 'big/archive.tar', size: 5 * 1024 ** 3 + 1, contentType: 'application/x-tar' },
    ];
    const { runId, clean } = seedAttack(sandbox, store, 'batch-victim', objects);
    const result = await recover({
      clients: clients(),
      store,
      runIds: [runId],
      strategy: 'batch',
      batch: batch(true),
      idempotencyKey: 'inc-1/recover/1',
    });
    expect(result).toMatchObject({ strategy: 'batch', restored: 62, failed: 0, pending: 0 });
    expect(result.jobIds).toHaveLength(1);
    expect(result.batch?.jobs[0]).toMatchObject({
      status: 'Complete',
      total: 61,
      succeeded: 61,
      failed: 0,
      reconciled: 61,
    });
    expect(sandbox.counters.get('CreateJob')).toBe(1);
    expect(sandbox.counters.get('UpdateJobStatus')).toBe(1);
    // The one object over 5 GB went through UploadPartCopy here, not through the job.
    expect(result.copied).toBe(1);
    expect(sandbox.counters.get('UploadPartCopy')).toBeGreaterThan(0);

    const manifest = await text(clients().s3, 'ssec-manifests', result.batch!.jobs[0]!.manifestKey);
    const lines = manifest.trim().split('\n');
    expect(lines).toHaveLength(61);
    const odd = objects[60]!.key;
    expect(lines).toContain(`batch-victim,${encodeURIComponent(odd)},${clean.get(odd)!.versionId}`);

    for (const o of objects) expect(sandbox.s3.listVersions('batch-victim', o.key), o.key).toHaveLength(3);
    const seen: Array<{ done: number; total: number }> = [];
    const verified = await verifyRecovery({
      s3: clients().s3,
      store,
      runIds: [runId],
      onProgress: (p) => seen.push({ done: p.done, total: p.total }),
    });
    expect(verified.done).toBe(true);
    // However the reports were throttled, the last one says everything was checked.
    expect(seen.at(-1)).toEqual({ done: verified.checked, total: verified.checked });

    // Called again (a workflow effect re-run): the job is not created twice, nothing is copied.
    const again = await recover({
      clients: clients(),
      store,
      runIds: [runId],
      strategy: 'batch',
      batch: batch(true),
      idempotencyKey: 'inc-1/recover/1',
    });
    expect(again).toMatchObject({ restored: 62, copied: 0 });
    expect(sandbox.counters.get('CreateJob')).toBe(1);
    for (const o of objects) expect(sandbox.s3.listVersions('batch-victim', o.key)).toHaveLength(3);
  });

  it('waits for confirmation without copying anything, then resumes the same job once approved', async () => {
    const objects = manyObjects(20);
    const { runId } = seedAttack(sandbox, store, 'batch-wait', objects);
    const waiting = await recover({
      clients: clients(),
      store,
      runIds: [runId],
      strategy: 'batch',
      batch: batch(false),
      idempotencyKey: 'inc-2/recover/1',
    });
    expect(waiting.batch?.awaitingConfirmation).toBe(true);
    expect(waiting.batch?.jobs[0]?.status).toBe('Suspended');
    expect(waiting).toMatchObject({ restored: 0, pending: 20 });
    expect(sandbox.counters.get('UpdateJobStatus')).toBe(0);
    for (const o of objects) expect(sandbox.s3.listVersions('batch-wait', o.key)).toHaveLength(2);

    const approved = await recover({
      clients: clients(),
      store,
      runIds: [runId],
      strategy: 'batch',
      batch: { ...batch(false), confirm: async () => true },
      idempotencyKey: 'inc-2/recover/1',
    });
    expect(approved).toMatchObject({ restored: 20, pending: 0 });
    expect(sandbox.counters.get('CreateJob')).toBe(1);
    for (const o of objects) expect(sandbox.s3.listVersions('batch-wait', o.key)).toHaveLength(3);
  });

  it('records the tasks the job failed, with the reason from the report', async () => {
    const objects = manyObjects(5);
    const { runId, clean } = seedAttack(sandbox, store, 'batch-fail', objects);
    const lost = objects[2]!.key;
    sandbox.s3.removeVersion('batch-fail', lost, clean.get(lost)!.versionId);
    const result = await recover({
      clients: clients(),
      store,
      runIds: [runId],
      strategy: 'batch',
      batch: batch(true),
      idempotencyKey: 'inc-3/recover/1',
    });
    expect(result.batch?.jobs[0]).toMatchObject({ succeeded: 4, failed: 1, reconciled: 5 });
    // The fallback pass then finds the clean version gone and says so.
    expect(result).toMatchObject({ restored: 4, unrecoverable: 1, failed: 0 });
    const row = [...store.assessments.affected(runId)].find((r) => r.key === lost);
    expect(row?.recoveryError).toMatch(/no longer exists/);
    expect(row?.recoveryAttempts).toBe(2);
  });
});

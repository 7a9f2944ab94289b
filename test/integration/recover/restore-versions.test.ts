import { join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SSEC_DENY_SID } from '../../../src/aws/contain/block-sse-c.ts';
import { recover } from '../../../src/aws/recover/recover.ts';
import { restoreFromVersions } from '../../../src/aws/recover/restore-versions.ts';
import { verifyRecovery } from '../../../src/aws/recover/verify.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';
import { tempDir } from '../../helpers/temp.ts';
import { manyObjects, seedAttack } from './seed-attack.ts';

let sandbox: AwsSandbox;
let s3: S3Client;
let store: Store;
let cleanup: () => void;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50 };

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 11 });
  s3 = sandboxS3Client(sandbox, { maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  await sandbox.stop();
});
beforeEach(() => {
  const t = tempDir('ssec-recover-');
  cleanup = t.cleanup;
  store = createStore(join(t.dir, 'ssec.db'));
  sandbox.s3.reset();
  sandbox.setFaults({ slowDownRate: 0, latencyMs: 0 });
  sandbox.counters.reset();
});
afterEach(() => {
  store.close();
  cleanup();
});

/** Every affected key has exactly one version more than the attack left: the restore. */
function expectOneNewVersionEach(bucket: string, keys: string[], before = 2) {
  for (const key of keys) expect(sandbox.s3.listVersions(bucket, key), key).toHaveLength(before + 1);
}

async function statusOfHead(bucket: string, key: string): Promise<number> {
  return s3
    .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    .then(() => 200)
    .catch((e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? -1);
}

describe('restore from versions against the stand-in', () => {
  it('restores metadata, content type, tags and storage class; verify goes from SSE-C to clean', async () => {
    const objects = [
      {
        key: 'reports/q1 final+draft ü%.pdf',
        body: Buffer.from('quarterly numbers'),
        contentType: 'application/pdf',
        metadata: { owner: 'finance', 'x-origin': 'erp' },
        tags: { classification: 'internal', team: 'fin ops' },
        storageClass: 'STANDARD_IA',
      },
      { key: 'logs/2025/01/app.log', body: Buffer.from('line\n'.repeat(50)), contentType: 'text/plain' },
      {
        key: 'deleted-by-attacker.txt',
        body: Buffer.from('gone?'),
        contentType: 'text/plain',
        deleted: true,
      },
    ];
    const { runId, clean, attacker } = seedAttack(sandbox, store, 'victim', objects);
    const before = await verifyRecovery({ s3, store, runIds: [runId] });
    expect(before).toMatchObject({ checked: 3, stillSseC: 2, missing: 1, done: false, remainingCount: 3 });

    const result = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 4,
      retry: FAST_RETRY,
    });
    expect(result).toMatchObject({ restored: 3, failed: 0, unrecoverable: 0, copied: 3, pending: 0 });
    expectOneNewVersionEach(
      'victim',
      objects.map((o) => o.key),
    );

    const key = objects[0]!.key;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'victim', Key: key }));
    expect(head.ContentType).toBe('application/pdf');
    expect(head.Metadata).toEqual({ owner: 'finance', 'x-origin': 'erp' });
    expect(head.StorageClass).toBe('STANDARD_IA');
    expect(head.ETag).toBe(clean.get(key)!.etag);
    expect(head.VersionId).not.toBe(attacker.get(key));
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'victim', Key: key }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      classification: 'internal',
      team: 'fin ops',
    });
    const body = await s3.send(new GetObjectCommand({ Bucket: 'victim', Key: 'logs/2025/01/app.log' }));
    expect(await body.Body?.transformToString()).toBe('line\n'.repeat(50));
    // The attacker's version stays as evidence.
    const versions = sandbox.s3.listVersions('victim', key).map((v) => v.versionId);
    expect(versions).toContain(attacker.get(key));

    const rows = [...store.assessments.affected(runId)];
    expect(rows.every((r) => r.recoveryStatus === 'restored' && r.restoredVersionId)).toBe(true);
    const after = await verifyRecovery({ s3, store, runIds: [runId] });
    expect(after).toMatchObject({
      checked: 3,
      clean: 3,
      stillSseC: 0,
      missing: 0,
      done: true,
      remaining: [],
    });
  });

  it('a re-run restores nothing twice, and uses one listing per chunk instead of HEADs', async () => {
    const objects = manyObjects(300);
    const { runId } = seedAttack(sandbox, store, 'bulk', objects);
    const first = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 16,
      retry: FAST_RETRY,
    });
    expect(first).toMatchObject({ restored: 300, copied: 300 });
    expect(sandbox.counters.get('CopyObject')).toBe(300);
    expect(sandbox.counters.get('HeadObject')).toBe(0);
    expect(sandbox.counters.get('ListObjectVersions')).toBeLessThanOrEqual(2);

    const second = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 16,
      retry: FAST_RETRY,
    });
    expect(second).toMatchObject({ restored: 300, copied: 0, alreadyRestored: 0 });
    expect(sandbox.counters.get('CopyObject')).toBe(300);
    expectOneNewVersionEach(
      'bulk',
      objects.map((o) => o.key),
    );
  });

  it('finds copies made by a run that died before recording them, and does not copy again', async () => {
    const objects = manyObjects(40);
    const { runId } = seedAttack(sandbox, store, 'crashy', objects);
    await recover({ clients: { s3 }, store, runIds: [runId], concurrency: 8, retry: FAST_RETRY });
    // Forget what was recorded, as if the process had died before its SQLite commits.
    store.db
      .prepare(
        "UPDATE affected_objects SET recovery_status = 'pending', restored_version_id = NULL WHERE run_id = ?",
      )
      .run(runId);
    sandbox.counters.reset();
    const again = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 8,
      retry: FAST_RETRY,
    });
    expect(again).toMatchObject({ restored: 40, copied: 0, alreadyRestored: 40 });
    expect(sandbox.counters.get('CopyObject')).toBe(0);
    expectOneNewVersionEach(
      'crashy',
      objects.map((o) => o.key),
    );
  });

  it('goes on through 20% 503 SlowDown and restores every object exactly once', async () => {
    const objects = manyObjects(200);
    const { runId } = seedAttack(sandbox, store, 'throttled', objects);
    sandbox.setFaults({ slowDownRate: 0.2 });
    const result = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 16,
      retry: FAST_RETRY,
    });
    sandbox.setFaults({ slowDownRate: 0 });
    expect(result).toMatchObject({ restored: 200, failed: 0, copied: 200 });
    expect(result.retries).toBeGreaterThan(10);
    expect(sandbox.counters.throttled()).toBeGreaterThan(10);
    expectOneNewVersionEach(
      'throttled',
      objects.map((o) => o.key),
    );
    expect((await verifyRecovery({ s3, store, runIds: [runId], retry: FAST_RETRY })).done).toBe(true);
  });

  it('restores an object over 5 GB with UploadPartCopy, keeping its metadata, tags and storage class', async () => {
    const size = 6 * 1024 ** 3 + 12_345;
    const { runId } = seedAttack(sandbox, store, 'huge', [
      {
        key: 'backups/db.dump',
        size,
        contentType: 'application/x-dump',
        metadata: { db: 'orders' },
        tags: { retention: '7y' },
        storageClass: 'STANDARD_IA',
      },
    ]);
    const result = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 2,
      retry: FAST_RETRY,
    });
    expect(result).toMatchObject({ restored: 1, copied: 1 });
    expect(sandbox.counters.get('CopyObject')).toBe(0);
    expect(sandbox.counters.get('UploadPartCopy')).toBe(13);
    expect(sandbox.counters.get('CompleteMultipartUpload')).toBe(1);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'huge', Key: 'backups/db.dump' }));
    expect(head).toMatchObject({
      ContentLength: size,
      ContentType: 'application/x-dump',
      Metadata: { db: 'orders' },
      StorageClass: 'STANDARD_IA',
    });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'huge', Key: 'backups/db.dump' }));
    expect(tags.TagSet).toEqual([{ Key: 'retention', Value: '7y' }]);
    expectOneNewVersionEach('huge', ['backups/db.dump']);
    // A re-run recognises the multipart copy (its ETag differs from the source's) and leaves it.
    store.db.prepare("UPDATE affected_objects SET recovery_status = 'pending' WHERE run_id = ?").run(runId);
    const again = await recover({ clients: { s3 }, store, runIds: [runId], retry: FAST_RETRY });
    expect(again).toMatchObject({ restored: 1, copied: 0, alreadyRestored: 1 });
    expectOneNewVersionEach('huge', ['backups/db.dump']);
  });

  it('passes the SSE-C block (encryption setting and policy) because its copies are plain', async () => {
    const objects = manyObjects(10);
    const { runId } = seedAttack(sandbox, store, 'blocked', objects);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'blocked',
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
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'blocked',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: SSEC_DENY_SID,
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::blocked/*',
              Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
            },
          ],
        }),
      }),
    );
    const result = await recover({ clients: { s3 }, store, runIds: [runId], retry: FAST_RETRY });
    expect(result).toMatchObject({ restored: 10, failed: 0 });
  });

  it('leaves what it must not touch: no clean version, a clean version expired since, a newer legitimate write', async () => {
    const objects = manyObjects(4, 'edge/');
    const { runId, clean } = seedAttack(sandbox, store, 'edges', objects);
    const [a, b, c] = objects.map((o) => o.key);
    // b's clean version was destroyed by a lifecycle rule after the assessment.
    sandbox.s3.removeVersion('edges', b!, clean.get(b!)!.versionId);
    // c got a new, plain version from its owner after the assessment.
    sandbox.s3.seed('edges', [{ key: c!, body: Buffer.from('new legit content') }]);
    // One more object the assessment found no clean version for.
    store.assessments.commitPage(runId, {
      affected: [
        {
          key: 'edge/zz-no-history.bin',
          versionId: 'v-attacker',
          lastModified: new Date(),
          size: 1,
          isDeleteMarker: false,
          restoreVersionId: null,
          restoreSize: null,
          restoreEtag: null,
          reason: 'no version before the window',
        },
      ],
      changed: [],
      cursor: null,
      progress: {},
    });
    const result = await recover({ clients: { s3 }, store, runIds: [runId], retry: FAST_RETRY });
    expect(result).toMatchObject({ restored: 2, failed: 1, unrecoverable: 2, total: 5 });
    const byKey = new Map([...store.assessments.affected(runId)].map((r) => [r.key, r]));
    expect(byKey.get(a!)?.recoveryStatus).toBe('restored');
    expect(byKey.get(b!)?.recoveryError).toMatch(/no longer exists/);
    expect(byKey.get(c!)?.recoveryError).toMatch(/not overwriting/);
    expect(await statusOfHead('edges', c!)).toBe(200);
    expect(result.failures).toEqual([
      { bucket: 'edges', key: c, reason: expect.stringMatching(/not overwriting/) },
    ]);
    const v = await verifyRecovery({ s3, store, runIds: [runId], sampleSize: 1 });
    expect(v).toMatchObject({ done: false, stillSseC: 1, remainingCount: 2 });
    expect(v.remaining).toHaveLength(1);
  });

  it('leaves an archived (GLACIER) clean version failed with the restore-object command that frees it', async () => {
    const objects = [
      { key: "cold/it's archived.bin", body: Buffer.from('cold'), storageClass: 'GLACIER' },
      { key: 'warm/plain.bin', body: Buffer.from('warm') },
    ];
    const { runId, clean } = seedAttack(sandbox, store, 'archive', objects);
    const result = await recover({ clients: { s3 }, store, runIds: [runId], retry: FAST_RETRY });
    expect(result).toMatchObject({ restored: 1, failed: 1 });
    const cold = [...store.assessments.affected(runId)].find((r) => r.key.startsWith('cold/'))!;
    expect(cold.recoveryStatus).toBe('failed');
    const versionId = clean.get(cold.key)!.versionId;
    expect(cold.recoveryError).toBe(
      `the clean version is archived (GLACIER) and must be restored before it can be copied: aws s3api restore-object --bucket archive --key 'cold/it'\\''s archived.bin' --version-id '${versionId}' --restore-request Days=7, then run the recovery again once it is readable`,
    );
    // Nothing was written over the attacker's version of the archived object.
    expect(sandbox.s3.listVersions('archive', cold.key)).toHaveLength(2);
  });

  it('stops on abort with the rest pending, and a second run finishes exactly once', async () => {
    const objects = manyObjects(150);
    const { runId } = seedAttack(sandbox, store, 'aborted', objects);
    sandbox.setFaults({ latencyMs: 3 });
    const controller = new AbortController();
    const progress: number[] = [];
    const first = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 4,
      retry: FAST_RETRY,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.done);
        if (p.done >= 40) controller.abort();
      },
    });
    sandbox.setFaults({ latencyMs: 0 });
    expect(first.aborted).toBe(true);
    expect(first.pending).toBeGreaterThan(0);
    expect(first.restored).toBeGreaterThanOrEqual(40);
    expect(progress.length).toBeGreaterThan(0);
    const second = await recover({
      clients: { s3 },
      store,
      runIds: [runId],
      concurrency: 8,
      retry: FAST_RETRY,
    });
    expect(second).toMatchObject({ restored: 150, pending: 0, aborted: false });
    expectOneNewVersionEach(
      'aborted',
      objects.map((o) => o.key),
    );
  });

  it('aborts cleanly while the next chunk’s listing is in flight', async () => {
    const objects = manyObjects(30);
    const { runId } = seedAttack(sandbox, store, 'aborted-lookahead', objects);
    // Every request is throttled: both chunks' listings sit in back-off when the abort comes.
    sandbox.setFaults({ slowDownRate: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const tally = await restoreFromVersions({
      s3,
      store,
      runIds: [runId],
      chunkSize: 10,
      retry: { baseDelayMs: 20, maxDelayMs: 40 },
      signal: controller.signal,
    });
    // A look-ahead rejecting after the consumer stopped must not go unhandled (vitest fails the run).
    await new Promise((r) => setTimeout(r, 100));
    sandbox.setFaults({ slowDownRate: 0 });
    expect(tally).toMatchObject({ aborted: true, copied: 0 });
    expect(store.assessments.counts(runId).pending).toBe(30);
  });

  it('dry run plans from SQLite and touches nothing', async () => {
    const objects = manyObjects(12);
    const { runId } = seedAttack(sandbox, store, 'planned', objects);
    sandbox.counters.reset();
    const result = await recover({ clients: { s3 }, store, runIds: [runId], dryRun: true });
    expect(sandbox.counters.total()).toBe(0);
    expect(result.plan?.[0]).toMatchObject({ bucket: 'planned', toRestore: 12, large: 0 });
    expect(result.plan?.[0]?.sample).toHaveLength(10);
    expect(result).toMatchObject({ dryRun: true, restored: 0, pending: 12 });
  });
});

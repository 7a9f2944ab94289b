// Restore-from-versions and verify against any S3 endpoint (Ceph RGW in CI, a real AWS test bucket
// by hand): the same code path as production, against an S3 we did not write. Attacked objects are
// written with PutObject + SSE-C, which every implementation honours (RGW's CopyObject ignores SSE-C).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../src/aws/recover/recover.ts';
import { verifyRecovery } from '../../src/aws/recover/verify.ts';
import type { NewAffected } from '../../src/store/assessments.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { tempDir } from '../helpers/temp.ts';

const endpoint = process.env.SSEC_TEST_S3_ENDPOINT;
const flavour = process.env.SSEC_TEST_S3_FLAVOUR ?? 'aws';
if (!endpoint) {
  console.log(
    'recover.s3.test.ts skipped: set SSEC_TEST_S3_ENDPOINT (and SSEC_TEST_S3_ACCESS_KEY_ID/SECRET) to run it',
  );
}

const ATTACKER = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: randomBytes(32).toString('base64') };
const KEYS = [
  'plain.txt',
  'dir/with space/ü+plus%.csv',
  ...Array.from({ length: 30 }, (_, i) => `bulk/obj-${String(i).padStart(3, '0')}.bin`),
];

describe.skipIf(!endpoint)(`restore from versions against the S3 endpoint ${endpoint} (${flavour})`, () => {
  const bucket = `ssec-recover-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let s3: S3Client;
  let store: Store;
  let dir: { dir: string; cleanup: () => void };
  let runId: number;
  const clean = new Map<string, { versionId: string; etag: string; size: number }>();

  beforeAll(async () => {
    s3 = new S3Client({
      endpoint,
      region: process.env.SSEC_TEST_S3_REGION ?? 'us-east-1',
      forcePathStyle: flavour === 'rgw' || process.env.SSEC_TEST_S3_FORCE_PATH_STYLE === 'true',
      maxAttempts: 4,
      ...(process.env.SSEC_TEST_S3_ACCESS_KEY_ID
        ? {
            credentials: {
              accessKeyId: process.env.SSEC_TEST_S3_ACCESS_KEY_ID,
              secretAccessKey: process.env.SSEC_TEST_S3_SECRET_ACCESS_KEY ?? '',
            },
          }
        : {}),
    });
    dir = tempDir('ssec-recover-s3-');
    store = createStore(join(dir.dir, 'ssec.db'));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const affected: NewAffected[] = [];
    for (const key of KEYS) {
      const body = `clean ${key} ${randomBytes(8).toString('hex')}`;
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain',
          Metadata: { origin: 'erp' },
          Tagging: 'team=fin%20ops&class=internal',
        }),
      );
      clean.set(key, { versionId: put.VersionId!, etag: put.ETag!, size: Buffer.byteLength(body) });
      const bad = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: `ciphertext of ${key}`, ...ATTACKER }),
      );
      affected.push({
        key,
        versionId: bad.VersionId!,
        lastModified: new Date(),
        size: key.length + 14,
        isDeleteMarker: false,
        restoreVersionId: put.VersionId!,
        restoreSize: Buffer.byteLength(body),
        restoreEtag: put.ETag!,
        reason: null,
      });
    }
    const run = store.assessments.startRun({ bucket, windowStart: new Date(Date.now() - 60_000) });
    store.assessments.commitPage(run.id, { affected, changed: [], cursor: null, progress: {} });
    store.assessments.finishRun(run.id, 'completed', {});
    runId = run.id;
  }, 120_000);

  afterAll(async () => {
    store?.close();
    dir?.cleanup();
    if (!s3) return;
    // Best effort: remove every version, then the bucket.
    try {
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
          Key: v.Key!,
          VersionId: v.VersionId,
        }));
        if (objects.length === 0) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (error) {
      console.warn(`cleanup of ${bucket} failed: ${String(error)}`);
    }
    s3.destroy();
  }, 120_000);

  async function versionsOf(key: string): Promise<number> {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return (page.Versions ?? []).filter((v) => v.Key === key).length;
  }

  it('sees every attacked key as still SSE-C before the restore', async () => {
    const report = await verifyRecovery({ s3, store, runIds: [runId] });
    expect(report).toMatchObject({ checked: KEYS.length, stillSseC: KEYS.length, done: false });
  });

  it('restores every key exactly once, keeping content type, metadata and tags; verify is done', async () => {
    const result = await recover({ clients: { s3 }, store, runIds: [runId], concurrency: 8 });
    expect(result).toMatchObject({ restored: KEYS.length, failed: 0, unrecoverable: 0, copied: KEYS.length });
    for (const key of KEYS) expect(await versionsOf(key), key).toBe(3);
    const key = KEYS[1]!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head).toMatchObject({
      ContentType: 'text/plain',
      Metadata: { origin: 'erp' },
      ContentLength: clean.get(key)!.size,
    });
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await body.Body?.transformToString()).toMatch(/^clean /);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      team: 'fin ops',
      class: 'internal',
    });
    expect(await verifyRecovery({ s3, store, runIds: [runId] })).toMatchObject({
      done: true,
      clean: KEYS.length,
    });
  });

  it('a second run, even with the recorded state lost, copies nothing again', async () => {
    store.db.prepare("UPDATE affected_objects SET recovery_status = 'pending' WHERE run_id = ?").run(runId);
    const again = await recover({ clients: { s3 }, store, runIds: [runId], concurrency: 8 });
    expect(again).toMatchObject({ restored: KEYS.length, copied: 0, alreadyRestored: KEYS.length });
    for (const key of KEYS) expect(await versionsOf(key), key).toBe(3);
  });
});

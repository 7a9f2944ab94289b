// The core assess scenarios against any S3 endpoint (Ceph RGW in CI, a real AWS test bucket by
// hand). Real S3 does not let a client set LastModified, so the scenario runs in two phases a
// little over a second apart (listings report whole seconds) and the window opens between them.
// Attacked objects are written with PutObject + SSE-C, which every S3 implementation honours
// (RGW's CopyObject ignores SSE-C).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessBucket } from '../../src/aws/assess/assess-bucket.ts';
import { REASONS } from '../../src/aws/assess/classify-key.ts';
import { type AssessmentReport, assessmentReport } from '../../src/aws/assess/report.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { tempDir } from '../helpers/temp.ts';

const endpoint = process.env.SSEC_TEST_S3_ENDPOINT;
const flavour = process.env.SSEC_TEST_S3_FLAVOUR ?? 'aws';
if (!endpoint) {
  console.log(
    'assess.s3.test.ts skipped: set SSEC_TEST_S3_ENDPOINT (and SSEC_TEST_S3_ACCESS_KEY_ID/SECRET) to run it',
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key32 = (b: number) => Buffer.alloc(32, b).toString('base64');
const ATTACKER = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: randomBytes(32).toString('base64') };
const LEGIT = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key32(0x11) };

describe.skipIf(!endpoint)(`assess against the S3 endpoint ${endpoint} (${flavour})`, () => {
  const bucket = `ssec-assess-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let s3: S3Client;
  let store: Store;
  let dir: { dir: string; cleanup: () => void };
  let since: Date;
  const v: Record<string, string[]> = {};
  let report: AssessmentReport;
  let smallPages: AssessmentReport;
  let tail: AssessmentReport;

  async function put(key: string, body: string, sse?: typeof ATTACKER) {
    const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...sse }));
    const list = v[key] ?? [];
    list.push(out.VersionId ?? 'null');
    v[key] = list;
  }
  async function remove(key: string) {
    const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    v[key] = [...(v[key] ?? []), out.VersionId ?? 'null'];
  }

  beforeAll(async () => {
    s3 = new S3Client({
      endpoint,
      region: process.env.SSEC_TEST_S3_REGION ?? 'us-east-1',
      forcePathStyle: flavour === 'rgw' || process.env.SSEC_TEST_S3_FORCE_PATH_STYLE === 'true',
      ...(process.env.SSEC_TEST_S3_ACCESS_KEY_ID
        ? {
            credentials: {
              accessKeyId: process.env.SSEC_TEST_S3_ACCESS_KEY_ID,
              secretAccessKey: process.env.SSEC_TEST_S3_SECRET_ACCESS_KEY ?? '',
            },
          }
        : {}),
    });
    dir = tempDir('ssec-assess-s3-');
    store = createStore(join(dir.dir, 'ssec.db'));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );

    // Before the incident.
    await put('clean/untouched.txt', 'clean');
    await put('enc/once.txt', 'clean v1');
    await put('enc/once.txt', 'clean v2');
    await put('enc/twice.txt', 'clean');
    await put('legit/sse-c.bin', 'legit', LEGIT);
    await put('legit/then-attacked.bin', 'legit', LEGIT);
    await put('dm/over-attacker.txt', 'clean');
    await put('dm/over-clean.txt', 'clean');
    await put('deep/a/b/c/d/e/f/g/file with spaces.txt', 'clean');
    await put('symbols/plus+sign.txt', 'clean');
    await put('symbols/per%cent%20.txt', 'clean');
    await put('unicodé/日本語/😀 ünï.txt', 'clean');
    await sleep(1100);
    since = new Date();

    // The attack.
    await put('enc/once.txt', 'ciphertext', ATTACKER);
    await put('enc/twice.txt', 'ciphertext', ATTACKER);
    await put('enc/twice.txt', 'ciphertext again', ATTACKER);
    await put('legit/then-attacked.bin', 'ciphertext', ATTACKER);
    await put('attacker/created.bin', 'ciphertext', ATTACKER);
    await put('dm/over-attacker.txt', 'ciphertext', ATTACKER);
    await remove('dm/over-attacker.txt');
    await remove('dm/over-clean.txt');
    await put('deep/a/b/c/d/e/f/g/file with spaces.txt', 'ciphertext', ATTACKER);
    await put('symbols/plus+sign.txt', 'ciphertext', ATTACKER);
    await put('symbols/per%cent%20.txt', 'ciphertext', ATTACKER);
    await put('unicodé/日本語/😀 ünï.txt', 'ciphertext', ATTACKER);
    await put('notes/README_RANSOM.txt', 'pay up');

    const run = async (opts: { maxKeys?: number; listConcurrency?: number; maxPartitions?: number }) =>
      assessmentReport(store, (await assessBucket({ s3, store, bucket, since, ...opts })).runId);
    report = await run({});
    // Three entries a page: every multi-version key straddles a page boundary somewhere.
    smallPages = await run({ maxKeys: 3, listConcurrency: 1 });
    // Two folder slices, then a tail slice that starts at a KeyMarker past the second folder.
    tail = await run({ maxKeys: 3, listConcurrency: 4, maxPartitions: 2 });
  }, 120_000);

  afterAll(async () => {
    if (s3) {
      try {
        for (;;) {
          const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
          const objects = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].map((o) => ({
            Key: o.Key!,
            VersionId: o.VersionId!,
          }));
          if (objects.length === 0) break;
          await s3.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
          );
        }
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch (error) {
        console.log(`could not clean up ${bucket}: ${String(error)}`);
      }
      s3.destroy();
    }
    store?.close();
    dir?.cleanup();
  });

  const affected = (key: string) => report.affected.find((a) => a.key === key);

  it('finds the re-encrypted objects and the clean versions to restore', () => {
    expect(affected('enc/once.txt')).toMatchObject({
      versionId: v['enc/once.txt']![2],
      restoreVersionId: v['enc/once.txt']![1],
    });
    expect(affected('enc/twice.txt')).toMatchObject({
      versionId: v['enc/twice.txt']![2],
      restoreVersionId: v['enc/twice.txt']![0],
    });
    for (const key of [
      'deep/a/b/c/d/e/f/g/file with spaces.txt',
      'symbols/plus+sign.txt',
      'symbols/per%cent%20.txt',
      'unicodé/日本語/😀 ünï.txt',
    ]) {
      expect(affected(key), key).toMatchObject({ versionId: v[key]![1], restoreVersionId: v[key]![0] });
    }
  });

  it('tells legitimate SSE-C, attacker-created objects and deletions apart', () => {
    expect(affected('legit/sse-c.bin')).toBeUndefined();
    expect(affected('clean/untouched.txt')).toBeUndefined();
    expect(affected('legit/then-attacked.bin')).toMatchObject({
      restoreVersionId: null,
      reason: REASONS.legitimateSseC,
    });
    expect(affected('attacker/created.bin')).toMatchObject({
      restoreVersionId: null,
      reason: REASONS.noEarlierVersion,
    });
    expect(affected('dm/over-attacker.txt')).toMatchObject({
      versionId: v['dm/over-attacker.txt']![2],
      isDeleteMarker: true,
      restoreVersionId: v['dm/over-attacker.txt']![0],
    });
    expect(report.changed.map((c) => [c.key, c.deleted])).toEqual([
      ['dm/over-clean.txt', true],
      ['notes/README_RANSOM.txt', false],
    ]);
    expect(report.errors).toEqual([]);
    expect(report.counts).toMatchObject({ affected: 9, unrecoverable: 2, changed: 2 });
  });

  it('gives the same answer when every key straddles tiny pages', () => {
    expect(smallPages.affected).toEqual(report.affected);
    expect(smallPages.changed).toEqual(report.changed);
    expect(smallPages.counts.listRequests).toBeGreaterThan(5);
  });

  it('gives the same answer when folders beyond the slice limit go to a tail slice', () => {
    expect(tail.affected).toEqual(report.affected);
    expect(tail.changed).toEqual(report.changed);
    expect(tail.counts.partitions).toBe(4);
  });
});

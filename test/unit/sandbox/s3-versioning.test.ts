// Versioning, delete markers, the null version and listing pagination, as the S3 User Guide
// ("Retaining multiple versions of objects with S3 Versioning") and API reference describe them.

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';

let sandbox: AwsSandbox;
let s3: S3Client;
let bucketCounter = 0;

async function bucketWith(versioning: 'Enabled' | 'Suspended' | undefined): Promise<string> {
  const bucket = `versioning-${++bucketCounter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioning) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }),
    );
  }
  return bucket;
}

async function failure(promise: Promise<unknown>): Promise<{ status: number | undefined; name: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode, name: e.name };
  }
  throw new Error('expected the request to fail');
}

const put = (bucket: string, key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

/** Every entry of a bucket through ListObjectVersions pages of `maxKeys`, in response order. */
async function listAllVersions(
  bucket: string,
  maxKeys: number,
  extra: { Prefix?: string; Delimiter?: string } = {},
) {
  const entries: Array<{ key: string; versionId: string; isLatest: boolean; deleteMarker: boolean }> = [];
  const prefixes: string[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let pages = 0;
  for (;;) {
    const page: ListObjectVersionsCommandOutput = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        MaxKeys: maxKeys,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
        ...extra,
      }),
    );
    pages++;
    // The SDK splits versions and markers into two arrays; S3 interleaves them in key/version order.
    const merged = [
      ...(page.Versions ?? []).map((v) => ({ ...v, deleteMarker: false })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ ...m, deleteMarker: true })),
    ];
    const count = merged.length + (page.CommonPrefixes?.length ?? 0);
    expect(count).toBeLessThanOrEqual(maxKeys);
    // Stable sort by key restores S3's key order; versions of one key keep their relative order.
    merged.sort((a, b) => utf8(a.Key as string, b.Key as string));
    for (const e of merged) {
      entries.push({
        key: e.Key as string,
        versionId: e.VersionId as string,
        isLatest: e.IsLatest as boolean,
        deleteMarker: e.deleteMarker,
      });
    }
    prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  return { entries, prefixes, pages };
}

const utf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 3 });
  s3 = sandboxS3Client(sandbox);
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

describe('a bucket that never had versioning', () => {
  it('keeps one null version per key; PutObject returns no version id', async () => {
    const bucket = await bucketWith(undefined);
    const first = await put(bucket, 'k', 'one');
    await put(bucket, 'k', 'two');
    expect(first.VersionId).toBeUndefined();
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([['null', true, 3]]);
  });

  it('DeleteObject removes the object outright: no delete marker', async () => {
    const bucket = await bucketWith(undefined);
    await put(bucket, 'k', 'one');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(deleted.DeleteMarker).toBeUndefined();
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions ?? []).toEqual([]);
    expect(listed.DeleteMarkers ?? []).toEqual([]);
  });
});

describe('a versioning-enabled bucket', () => {
  it('gives every PUT a new version id and keeps older versions noncurrent', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    const v2 = await put(bucket, 'k', 'two');
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, true],
      [v1.VersionId, false],
    ]);
    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v1.VersionId }));
    expect(await old.Body?.transformToString()).toBe('one');
  });

  it('DeleteObject without a version id inserts a delete marker; GET then answers 404 NoSuchKey', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))).toEqual({
      status: 404,
      name: 'NoSuchKey',
    });
    // The current delete marker is announced in the 404's headers.
    const raw = await fetch(`${sandbox.endpoint}/${bucket}/k`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${sandbox.adminCredentials.accessKeyId}/20260101/us-east-1/s3/aws4_request`,
      },
    });
    expect(raw.headers.get('x-amz-delete-marker')).toBe('true');
    expect(raw.headers.get('x-amz-version-id')).toBe(deleted.VersionId);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[deleted.VersionId, true]]);
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, false]]);
  });

  it('GET of a delete marker by version id answers 405 MethodNotAllowed', async () => {
    const bucket = await bucketWith('Enabled');
    await put(bucket, 'k', 'one');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    const result = await failure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: marker.VersionId })),
    );
    expect(result.status).toBe(405);
  });

  it('deleting the delete marker by version id makes the previous version current again', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    const removed = await s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: marker.VersionId }),
    );
    expect(removed.DeleteMarker).toBe(true);
    expect(removed.VersionId).toBe(marker.VersionId);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(head.VersionId).toBe(v1.VersionId);
  });

  it('DeleteObject with a version id deletes that version permanently', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    const v2 = await put(bucket, 'k', 'two');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v2.VersionId }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(head.VersionId).toBe(v1.VersionId);
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v2.VersionId }))),
    ).toEqual({ status: 404, name: 'NoSuchVersion' });
  });

  it('DeleteObjects inserts markers for plain keys and removes named versions', async () => {
    const bucket = await bucketWith('Enabled');
    await put(bucket, 'a', 'a');
    const b = await put(bucket, 'b', 'b');
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'a' }, { Key: 'b', VersionId: b.VersionId }] },
      }),
    );
    const byKey = Object.fromEntries((result.Deleted ?? []).map((d) => [d.Key, d]));
    expect(byKey['a']?.DeleteMarker).toBe(true);
    expect(byKey['a']?.DeleteMarkerVersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(byKey['b']?.VersionId).toBe(b.VersionId);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => v.Key)).toEqual(['a']);
    expect(listed.DeleteMarkers?.map((m) => m.Key)).toEqual(['a']);
  });
});

describe('a versioning-suspended bucket (S3 User Guide: "Working with objects in a versioning-suspended bucket")', () => {
  it('PUT adds a null version that becomes current and leaves existing versions alone', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await put(bucket, 'k', 'two');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ['null', true],
      [v1.VersionId, false],
    ]);
  });

  it('another PUT overwrites the null version instead of adding one', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await put(bucket, 'k', 'two');
    await put(bucket, 'k', 'three!');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.Size])).toEqual([
      ['null', 6],
      [v1.VersionId, 3],
    ]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: 'null' }));
    expect(await got.Body?.transformToString()).toBe('three!');
  });

  it('a null version written while versioning was enabled later is still overwritten, wherever it sits', async () => {
    const bucket = await bucketWith(undefined);
    await put(bucket, 'k', 'pre-versioning');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v2 = await put(bucket, 'k', 'versioned');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await put(bucket, 'k', 'suspended');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual(['null', v2.VersionId]);
  });

  it('DeleteObject replaces the null version with a null delete marker', async () => {
    const bucket = await bucketWith('Enabled');
    const v1 = await put(bucket, 'k', 'one');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await put(bucket, 'k', 'two');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(deleted.DeleteMarker).toBe(true);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([['null', true]]);
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([v1.VersionId]);
  });
});

describe('ListObjectVersions pagination (API reference: NextKeyMarker + NextVersionIdMarker)', () => {
  it('pages of MaxKeys continue exactly where the previous stopped, even inside one key', async () => {
    const bucket = await bucketWith('Enabled');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await put(bucket, 'same-key', `v${i}`)).VersionId as string);
    await put(bucket, 'z-other', 'z');
    const { entries, pages } = await listAllVersions(bucket, 3);
    expect(pages).toBe(3);
    expect(entries.filter((e) => e.key === 'same-key').map((e) => e.versionId)).toEqual([...ids].reverse());
    expect(entries.at(-1)?.key).toBe('z-other');
  });

  it('returns at most 1,000 entries a page even when asked for more', async () => {
    const bucket = await bucketWith('Enabled');
    sandbox.s3.seed(
      bucket,
      Array.from({ length: 1500 }, (_, i) => ({
        key: `bulk/${String(i).padStart(4, '0')}`,
        body: Buffer.from('x'),
      })),
    );
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 5000 }));
    expect(page.Versions).toHaveLength(1000);
    expect(page.MaxKeys).toBe(1000);
    expect(page.IsTruncated).toBe(true);
    expect(page.NextKeyMarker).toBe('bulk/0999');
  });

  it('rolls keys into CommonPrefixes with a delimiter, each prefix counted once', async () => {
    const bucket = await bucketWith('Enabled');
    for (const key of ['a/1', 'a/2', 'b/1', 'c', 'd/x/y', 'e']) await put(bucket, key, key);
    const { entries, prefixes } = await listAllVersions(bucket, 2, { Delimiter: '/' });
    expect(prefixes).toEqual(['a/', 'b/', 'd/']);
    expect(entries.map((e) => e.key)).toEqual(['c', 'e']);
    const nested = await listAllVersions(bucket, 1, { Prefix: 'd/', Delimiter: '/' });
    expect(nested.prefixes).toEqual(['d/x/']);
  });

  it('matches a model of any sequence of writes, deletes and version deletes, at any page size', async () => {
    const keyArb = fc.constantFrom('a', 'a/b', 'a/c', 'b', 'b/a/z', 'c d', '\u00e9', 'z');
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('put' as const), key: keyArb }),
      fc.record({ op: fc.constant('delete' as const), key: keyArb }),
      fc.record({ op: fc.constant('deleteVersion' as const), key: keyArb, pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        async (ops, maxKeys) => {
          const bucket = await bucketWith('Enabled');
          // Model: per key, version ids newest first, and which are delete markers.
          const model = new Map<string, Array<{ id: string; marker: boolean }>>();
          for (const step of ops) {
            const versions = model.get(step.key) ?? [];
            if (step.op === 'put') {
              const out = await put(bucket, step.key, 'x');
              versions.unshift({ id: out.VersionId as string, marker: false });
            } else if (step.op === 'delete') {
              const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: step.key }));
              versions.unshift({ id: out.VersionId as string, marker: true });
            } else if (versions.length > 0) {
              const [victim] = versions.splice(step.pick % versions.length, 1);
              await s3.send(
                new DeleteObjectCommand({ Bucket: bucket, Key: step.key, VersionId: victim?.id }),
              );
            }
            model.set(step.key, versions);
          }
          const expected = [...model.keys()].sort(utf8).flatMap((key) =>
            (model.get(key) ?? []).map((v, i) => ({
              key,
              versionId: v.id,
              isLatest: i === 0,
              deleteMarker: v.marker,
            })),
          );
          const { entries } = await listAllVersions(bucket, maxKeys);
          // Within one page the SDK separates Versions from DeleteMarkers; compare per key, in order.
          const byKey = (list: typeof expected) =>
            [...new Set(list.map((e) => e.key))].map((k) => list.filter((e) => e.key === k));
          expect(byKey(entries).map((group) => group.sort((x, y) => idOrder(x, y, expected)))).toEqual(
            byKey(expected),
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});

function idOrder(
  x: { versionId: string },
  y: { versionId: string },
  expected: Array<{ versionId: string }>,
): number {
  return (
    expected.findIndex((e) => e.versionId === x.versionId) -
    expected.findIndex((e) => e.versionId === y.versionId)
  );
}

describe('ListObjectsV2', () => {
  it('lists current objects only, hides deleted keys, and continues with tokens', async () => {
    const bucket = await bucketWith('Enabled');
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await put(bucket, key, key);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k3' }));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: token }),
      );
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      keys.push(...(page.Contents ?? []).map((c) => c.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual(['k1', 'k2', 'k4', 'k5']);
  });

  it('hides a common prefix whose keys all end in delete markers', async () => {
    const bucket = await bucketWith('Enabled');
    await put(bucket, 'gone/a', 'a');
    await put(bucket, 'kept/a', 'a');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/a' }));
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['kept/']);
  });

  it('url-encodes keys when EncodingType=url is asked for', async () => {
    const bucket = await bucketWith(undefined);
    await put(bucket, 'dir/a b+c.txt', 'x');
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url' }));
    expect(page.EncodingType).toBe('url');
    expect(page.Contents?.[0]?.Key).toBe('dir/a+b%2Bc.txt');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, EncodingType: 'url' }));
    expect(versions.Versions?.[0]?.Key).toBe('dir/a+b%2Bc.txt');
  });

  it('round-trips keys with characters XML cannot carry raw', async () => {
    const bucket = await bucketWith(undefined);
    const key = 'odd/<&>"\'\r\u{1f600}.txt';
    await put(bucket, key, 'x');
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(page.Contents?.map((c) => c.Key)).toEqual([key]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('x');
  });
});

describe('ListObjects (v1)', () => {
  it('continues from Marker; NextMarker is sent only with a delimiter, as the API reference says', async () => {
    const bucket = await bucketWith(undefined);
    for (const key of ['a/1', 'a/2', 'b', 'c/1', 'd']) await put(bucket, key, key);
    const plain = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 2 }));
    expect([plain.Contents?.map((c) => c.Key), plain.IsTruncated, plain.NextMarker]).toEqual([
      ['a/1', 'a/2'],
      true,
      undefined,
    ]);
    const next = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 2, Marker: 'a/2' }));
    expect(next.Contents?.map((c) => c.Key)).toEqual(['b', 'c/1']);
    const delimited = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 2, Delimiter: '/' }));
    expect([delimited.CommonPrefixes?.map((p) => p.Prefix), delimited.Contents?.map((c) => c.Key)]).toEqual([
      ['a/'],
      ['b'],
    ]);
    expect(delimited.NextMarker).toBe('b');
    const rest = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Marker: delimited.NextMarker }),
    );
    expect([rest.CommonPrefixes?.map((p) => p.Prefix), rest.Contents?.map((c) => c.Key)]).toEqual([
      ['c/'],
      ['d'],
    ]);
  });
});

describe('seeding in process', () => {
  it('places versions at the LastModified a test needs, e.g. before and inside an incident window', async () => {
    const bucket = await bucketWith('Enabled');
    const [before, inside] = sandbox.s3.seed(bucket, [
      { key: 'report.pdf', body: Buffer.from('clean'), lastModified: new Date('2026-01-01T00:00:00Z') },
      {
        key: 'report.pdf',
        body: Buffer.from('encrypted'),
        lastModified: new Date('2026-01-10T12:00:00Z'),
        sseCustomerAlgorithm: 'AES256',
        sseCustomerKeyMd5: 'bm90LWEtcmVhbC1rZXktbWQ1',
      },
    ]);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.LastModified?.toISOString()])).toEqual([
      [inside, '2026-01-10T12:00:00.000Z'],
      [before, '2026-01-01T00:00:00.000Z'],
    ]);
    expect(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'report.pdf' })))).status,
    ).toBe(400);
  });

  it('setNow freezes the clock used for HTTP writes', async () => {
    const bucket = await bucketWith('Enabled');
    sandbox.setNow(new Date('2025-01-13T08:00:00Z'));
    try {
      await put(bucket, 'k', 'x');
    } finally {
      sandbox.setNow(undefined);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(head.LastModified?.toISOString()).toBe('2025-01-13T08:00:00.000Z');
  });
});

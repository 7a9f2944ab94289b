import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lookupVersions } from '../../../src/aws/recover/version-lookup.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';

let sandbox: AwsSandbox;
let s3: S3Client;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 21 });
  s3 = sandboxS3Client(sandbox);
});
afterAll(async () => {
  s3.destroy();
  await sandbox.stop();
});
beforeEach(() => {
  sandbox.s3.reset();
  sandbox.s3.createBucket('b', { versioning: 'Enabled' });
  sandbox.counters.reset();
});

const name = (i: number) => `k-${String(i).padStart(4, '0')}`;

describe('lookupVersions', () => {
  it('walks dense keys in a page or two', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => name(i));
    const clean = sandbox.s3.seed(
      'b',
      keys.map((key) => ({ key, body: Buffer.from(key) })),
    );
    const bad = sandbox.s3.seed(
      'b',
      keys.map((key) => ({ key, body: Buffer.from(`x${key}`) })),
    );
    const map = await lookupVersions(
      s3,
      'b',
      keys.map((key, i) => ({ key, restoreVersionId: clean[i]! })),
    );
    expect(sandbox.counters.get('ListObjectVersions')).toBe(1);
    keys.forEach((key, i) => {
      expect(map.get(key)?.current?.versionId).toBe(bad[i]);
      expect(map.get(key)?.source).toMatchObject({
        versionId: clean[i],
        storageClass: 'STANDARD',
        size: key.length,
      });
    });
  });

  it('falls back to one listing per key when affected keys are sparse, and stays correct', async () => {
    const all = Array.from({ length: 3000 }, (_, i) => name(i));
    sandbox.s3.seed(
      'b',
      all.map((key) => ({ key, body: Buffer.from('.') })),
    );
    const affected = [name(100), name(1500), name(2999)];
    const clean = new Map(affected.map((k) => [k, sandbox.s3.listVersions('b', k)[0]!.versionId]));
    const bad = new Map(
      affected.map((k) => [k, sandbox.s3.seed('b', [{ key: k, body: Buffer.from('enc') }])[0]!]),
    );
    const map = await lookupVersions(
      s3,
      'b',
      affected.map((key) => ({ key, restoreVersionId: clean.get(key)! })),
    );
    for (const key of affected) {
      expect(map.get(key)?.current?.versionId, key).toBe(bad.get(key));
      expect(map.get(key)?.source?.versionId, key).toBe(clean.get(key));
    }
    expect(sandbox.counters.get('ListObjectVersions')).toBeLessThanOrEqual(3);
  });

  it('follows one key’s versions across pages, and sees delete markers and vanished versions', async () => {
    const [cleanHot] = sandbox.s3.seed('b', [{ key: 'hot', body: Buffer.from('clean') }]);
    sandbox.s3.seed(
      'b',
      Array.from({ length: 2300 }, () => ({ key: 'hot', body: Buffer.from('churn') })),
    );
    sandbox.s3.seed('b', [{ key: 'hot/child', body: Buffer.from('c') }]);
    const [cleanGone] = sandbox.s3.seed('b', [{ key: 'gone', body: Buffer.from('clean') }]);
    sandbox.s3.seed('b', [{ key: 'gone', body: Buffer.from('enc') }]);
    sandbox.s3.removeVersion('b', 'gone', cleanGone!);
    const [cleanDel] = sandbox.s3.seed('b', [{ key: 'deleted', body: Buffer.from('clean') }]);
    const marker = sandbox.s3.putDeleteMarker('b', 'deleted');
    const map = await lookupVersions(s3, 'b', [
      { key: 'hot', restoreVersionId: cleanHot! },
      { key: 'gone', restoreVersionId: cleanGone! },
      { key: 'deleted', restoreVersionId: cleanDel! },
    ]);
    expect(map.get('hot')?.source?.versionId).toBe(cleanHot);
    expect(map.get('gone')?.source).toBeNull();
    expect(map.get('deleted')?.current).toMatchObject({ versionId: marker, isDeleteMarker: true });
    expect(map.get('deleted')?.source?.versionId).toBe(cleanDel);
  });
});

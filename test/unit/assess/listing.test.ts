import type { ListObjectVersionsOutput, ObjectVersionStorageClass } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeWindow } from '../../../src/aws/assess/classify-key.ts';
import { KeyGrouper, type ListedEntry } from '../../../src/aws/assess/group-versions.ts';
import { compareKeys } from '../../../src/aws/assess/key-order.ts';
import { decodeS3Url, mergeEntries, readAhead } from '../../../src/aws/assess/list-versions.ts';
import type { KeyGroup } from '../../../src/aws/assess/types.ts';

describe('compareKeys', () => {
  it('orders keys by UTF-8 bytes, as S3 lists them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect(Math.sign(compareKeys(a, b))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
    // The case JavaScript's own `<` gets wrong: an emoji sorts after U+FFFD in UTF-8.
    expect(compareKeys('😀', '\uFFFD')).toBeGreaterThan(0);
    expect('😀' < '\uFFFD').toBe(true);
  });
});

describe('decodeS3Url', () => {
  it('reads form encoding: + is a space, %2B a plus', () => {
    expect(decodeS3Url('a+b%2Bc%25d%E2%82%AC')).toBe('a b+c%d€');
  });
});

describe('mergeEntries', () => {
  const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
  it('puts versions and delete markers back into listing order', () => {
    const out: ListObjectVersionsOutput = {
      Versions: [
        {
          Key: 'a',
          VersionId: 'a2',
          IsLatest: false,
          LastModified: t(20),
          Size: 1,
          // The SDK types ObjectVersion.StorageClass as 'STANDARD' only; S3 sends every class.
          StorageClass: 'GLACIER' as ObjectVersionStorageClass,
        },
        {
          Key: 'a',
          VersionId: 'a1',
          IsLatest: false,
          LastModified: t(10),
          Size: 1,
          StorageClass: 'STANDARD',
        },
        { Key: 'b', VersionId: 'b1', IsLatest: true, LastModified: t(10), Size: 1 },
        { Key: 'c', VersionId: 'c1', IsLatest: false, LastModified: t(5), Size: 1 },
      ],
      DeleteMarkers: [
        { Key: 'a', VersionId: 'ad2', IsLatest: true, LastModified: t(30) },
        { Key: 'a', VersionId: 'ad1', IsLatest: false, LastModified: t(15) },
        { Key: 'c', VersionId: 'cd1', IsLatest: true, LastModified: t(5) },
      ],
    };
    const merged = mergeEntries(out, (s) => s);
    // c: the marker is the latest even though both share a second.
    expect(merged.map((e) => e.versionId)).toEqual(['ad2', 'a2', 'ad1', 'a1', 'b1', 'cd1', 'c1']);
    // The SDK's fallback path keeps the storage class too; markers and unlisted ones have none.
    expect(merged.map((e) => e.storageClass)).toEqual([
      undefined,
      'GLACIER',
      undefined,
      'STANDARD',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('puts a version before a delete marker of the same second when neither is latest', () => {
    const out: ListObjectVersionsOutput = {
      Versions: [
        { Key: 'a', VersionId: 'top', IsLatest: true, LastModified: t(50), Size: 1 },
        { Key: 'a', VersionId: 'v', IsLatest: false, LastModified: t(10), Size: 1 },
      ],
      DeleteMarkers: [{ Key: 'a', VersionId: 'd', IsLatest: false, LastModified: t(10) }],
    };
    expect(mergeEntries(out, (s) => s).map((e) => e.versionId)).toEqual(['top', 'v', 'd']);
  });
});

describe('KeyGrouper', () => {
  const w = makeWindow(new Date('2025-01-13T00:00:00Z'));
  const at = (h: number) => new Date(Date.UTC(2025, 0, 13) + h * 3_600_000);
  const entry = fc.record({
    key: fc.constantFrom('a', 'b', 'c c', 'd+%', 'é/😀'),
    hour: fc.integer({ min: -200, max: 20 }),
    dm: fc.boolean(),
  });

  /** A listing of unique keys in order, each with versions newest first. */
  const listing = fc.array(entry, { maxLength: 80 }).map((raw) => {
    const byKey = new Map<string, { hour: number; dm: boolean }[]>();
    for (const r of raw) byKey.set(r.key, [...(byKey.get(r.key) ?? []), { hour: r.hour, dm: r.dm }]);
    const keys = [...byKey.keys()].sort(compareKeys);
    const entries: ListedEntry[] = [];
    let n = 0;
    for (const key of keys) {
      const vs = byKey.get(key)!.sort((x, y) => y.hour - x.hour);
      for (const [i, v] of vs.entries()) {
        entries.push({
          key,
          versionId: `v${n++}`,
          isDeleteMarker: v.dm,
          isLatest: i === 0,
          lastModified: at(v.hour),
          size: 1,
          etag: undefined,
          storageClass: v.dm ? undefined : 'STANDARD',
        });
      }
    }
    return entries;
  });

  function groups(entries: ListedEntry[], cuts: number[]): KeyGroup[] {
    const g = new KeyGrouper(w);
    const out: KeyGroup[] = [];
    // Pages are only a way of delivering the same sequence; the grouper never sees them.
    let from = 0;
    for (const cut of [...cuts.filter((c) => c < entries.length)]
      .sort((a, b) => a - b)
      .concat(entries.length)) {
      for (const e of entries.slice(from, cut)) {
        const done = g.push(e);
        if (done) out.push(done);
      }
      from = cut;
    }
    const last = g.flush();
    if (last) out.push(last);
    return out;
  }

  it('yields one group per key, whatever the page boundaries, keeping only what a decision needs', () => {
    fc.assert(
      fc.property(listing, fc.array(fc.nat(80)), (entries, cuts) => {
        const gs = groups(entries, cuts);
        expect(gs).toEqual(groups(entries, []));
        expect(gs.map((g) => g.key)).toEqual([...new Set(entries.map((e) => e.key))]);
        for (const g of gs) {
          const all = entries.filter((e) => e.key === g.key);
          expect(g.versions).toBe(all.length);
          expect(g.candidate).toBe(all[0]!.lastModified >= w.since);
          if (!g.candidate) expect(g.entries).toEqual([]);
          else {
            const firstOld = all.findIndex((e) => e.lastModified < w.since);
            expect(g.entries.length).toBe(firstOld === -1 ? all.length : firstOld + 1);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('readAhead', () => {
  it('keeps the source the given number of items ahead of the consumer', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    }
    const seen: Array<[number, number]> = [];
    for await (const v of readAhead(source(), 3)) {
      await new Promise((r) => setTimeout(r, 1));
      seen.push([v, produced]);
    }
    expect(seen.map(([v]) => v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // While item 0 is consumed, items up to 3 are already produced.
    expect(seen[0]![1]).toBe(4);
  });

  it('propagates a failure of the source to the consumer', async () => {
    async function* source() {
      yield 1;
      throw new Error('list failed');
    }
    const got: number[] = [];
    await expect(async () => {
      for await (const v of readAhead(source(), 2)) got.push(v);
    }).rejects.toThrow('list failed');
    expect(got).toEqual([1]);
  });
});

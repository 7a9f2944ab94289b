import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copySource } from '../../../src/aws/recover/copy-version.ts';
import { partRanges } from '../../../src/aws/recover/multipart-copy.ts';
import { compareKeys } from '../../../src/aws/recover/version-lookup.ts';

describe('partRanges', () => {
  it('covers every byte once, in order, in at most 10,000 parts of 5 MiB to 5 GiB', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 * 1024 ** 4 }),
        fc.integer({ min: 1, max: 6 * 1024 ** 3 }),
        (size, partSize) => {
          const parts = partRanges(size, partSize);
          expect(parts.length).toBeLessThanOrEqual(10_000);
          expect(parts[0]?.first).toBe(0);
          expect(parts.at(-1)?.last).toBe(size - 1);
          // Plain checks per part: up to 10,000 parts per case.
          const bad = parts.filter((p, i) => {
            const length = p.last - p.first + 1;
            return (
              p.partNumber !== i + 1 ||
              (i > 0 && p.first !== parts[i - 1]!.last + 1) ||
              length > 5 * 1024 ** 3 ||
              (i < parts.length - 1 && length < 5 * 1024 ** 2)
            );
          });
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('splits a 6 GiB object in 512 MiB parts by default', () => {
    expect(partRanges(6 * 1024 ** 3, 512 * 1024 ** 2)).toHaveLength(12);
  });
});

describe('copySource', () => {
  it('URL-encodes the key once, keeps slashes, and encodes the version id', () => {
    expect(copySource('b', 'dir/a b+c%d?e#f.txt', 'v+1')).toBe(
      'b/dir/a%20b%2Bc%25d%3Fe%23f.txt?versionId=v%2B1',
    );
    expect(copySource('b', 'k', undefined)).toBe('b/k');
  });
  it('round-trips any key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (key) => {
        const path = copySource('bucket', key, undefined);
        expect(decodeURIComponent(path.slice('bucket/'.length))).toBe(key);
      }),
    );
  });
});

describe('compareKeys', () => {
  it('orders keys by UTF-8 bytes, as S3 does (not by UTF-16 code units)', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in S3, after it in UTF-16.
    expect(compareKeys('\uFF5E', '😀')).toBeLessThan(0);
    expect('\uFF5E' < '😀').toBe(false);
  });
});

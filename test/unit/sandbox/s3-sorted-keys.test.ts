// The key index behind every listing: S3 lists keys in UTF-8 binary order (S3 User Guide,
// "Listing object keys programmatically": "returns keys in UTF-8 binary order").

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, SortedKeys } from '../../../src/sandbox/aws/s3-sorted-keys.ts';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// Keys mixing ASCII, BMP characters above the surrogate range and astral characters: the cases
// where UTF-16 order and UTF-8 order disagree.
const keyChar = fc.constantFrom('a', 'b', '/', '-', '\u00e9', '\uff21', '\u{1f600}', '\u{10000}', '~');
const keyArb = fc.array(keyChar, { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));

describe('compareKeys', () => {
  it('orders keys exactly as UTF-8 bytes compare', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(utf8Order(a, b)));
      }),
    );
  });

  it('puts U+FF21 before an astral character, unlike JavaScript string comparison', () => {
    expect('\uff21' < '\u{1f600}').toBe(false);
    expect(compareKeys('\uff21', '\u{1f600}')).toBeLessThan(0);
  });
});

describe('SortedKeys', () => {
  it('keeps any sequence of inserts and removes in UTF-8 order, across block splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), keyArb), { maxLength: 400 }),
        fc.integer({ min: 0, max: 3000 }),
        (ops, bulk) => {
          const index = new SortedKeys();
          const model = new Set<string>();
          // Enough appended keys to force several block splits.
          for (let i = 0; i < bulk; i++) {
            const key = `bulk/${String(i).padStart(5, '0')}`;
            index.insert(key);
            model.add(key);
          }
          for (const [insert, key] of ops) {
            if (insert && !model.has(key)) {
              index.insert(key);
              model.add(key);
            } else if (!insert) {
              index.remove(key);
              model.delete(key);
            }
          }
          expect([...index]).toEqual([...model].sort(utf8Order));
          expect(index.size).toBe(model.size);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('seek and seekPastPrefix land where a sorted scan would', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { maxLength: 300 }),
        keyArb,
        fc.boolean(),
        (keys, probe, exclusive) => {
          const index = new SortedKeys();
          for (const key of keys) index.insert(key);
          const sorted = [...keys].sort(utf8Order);
          const expectedSeek = sorted.find((k) =>
            exclusive ? utf8Order(k, probe) > 0 : utf8Order(k, probe) >= 0,
          );
          expect(index.keyAt(index.seek(probe, exclusive))).toBe(expectedSeek);
          const expectedPast = sorted.find((k) => utf8Order(k, probe) > 0 && !k.startsWith(probe));
          expect(index.keyAt(index.seekPastPrefix(probe))).toBe(expectedPast);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('advances a cursor across block boundaries', () => {
    const index = new SortedKeys();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (const key of [...keys].reverse()) index.insert(key);
    const cursor = index.seek('k2047', false);
    const seen: string[] = [];
    for (let key = index.keyAt(cursor); key !== undefined && seen.length < 5; key = index.keyAt(cursor)) {
      seen.push(key);
      index.advance(cursor);
    }
    expect(seen).toEqual(['k2047', 'k2048', 'k2049', 'k2050', 'k2051']);
  });
});

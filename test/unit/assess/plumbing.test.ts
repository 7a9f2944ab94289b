import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, csvRow } from '../../../src/aws/assess/csv.ts';
import { OrderedFrontier, settle } from '../../../src/aws/assess/ordered-frontier.ts';
import { writeChunk } from '../../../src/aws/assess/report.ts';
import { Semaphore } from '../../../src/aws/assess/semaphore.ts';

describe('csvField', () => {
  it('quotes commas, quotes and line breaks, and leaves other text as is', () => {
    expect(csvField('plain key.txt')).toBe('plain key.txt');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('caf\u00e9 +%20')).toBe('caf\u00e9 +%20');
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
  });

  it('writes rows with the columns in contract order', () => {
    expect(CSV_COLUMNS.slice(0, 4)).toEqual(['key', 'versionId', 'restoreVersionId', 'reason']);
    // Columns are only ever added at the end: readers that go by position keep working.
    expect(CSV_COLUMNS).toEqual([
      'key',
      'versionId',
      'restoreVersionId',
      'reason',
      'category',
      'bucket',
      'lastModified',
      'size',
      'isDeleteMarker',
      'restoreSize',
      'restoreEtag',
      'previousVersionId',
      'httpStatus',
      'restoreStorageClass',
    ]);
    expect(csvRow({ key: 'k,1', versionId: 'v', restoreVersionId: null, reason: 'r' })).toBe(
      `"k,1",v,,r${','.repeat(CSV_COLUMNS.length - 4)}\r\n`,
    );
  });
});

describe('OrderedFrontier', () => {
  it('only moves the cursor past keys whose predecessors are all decided', () => {
    const f = new OrderedFrontier<string>('start');
    const a = f.add('a');
    const b = f.add('b');
    const c = f.add('c');
    settle(b, 'B');
    settle(c, 'C');
    expect(f.drain()).toEqual([]);
    expect(f.cursor()).toBe('start');
    settle(a, 'A');
    expect(f.drain()).toEqual(['A', 'B', 'C']);
    expect(f.cursor()).toBe('c');
    expect(f.size()).toBe(0);
  });
});

describe('Semaphore', () => {
  it('never lets more than its limit in, and hands permits over in order', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        await s.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        s.release();
      }),
    );
    expect(peak).toBe(2);
    expect(s.inUse()).toBe(0);
  });
});

describe('writeChunk', () => {
  it('waits for drain when the stream is full', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    let done = false;
    const p = writeChunk(out, 'more than four bytes').then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    out.read();
    await p;
    expect(done).toBe(true);
  });
});

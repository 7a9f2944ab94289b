import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, csvRow } from '../../../src/aws/assess/csv.ts';
import { OrderedFrontier, settle } from '../../../src/aws/assess/ordered-frontier.ts';
import { writeChunk } from '../../../src/aws/assess/report.ts';
import { Semaphore } from '../../../src/aws/assess/semaphore.ts';
import { backoffDelay, isThrottling, isTransient, withRetry } from '../../../src/aws/assess/slow-down.ts';

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

describe('slow-down retry', () => {
  const slowDown = () =>
    Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });

  it('classifies throttling and transient errors by status and name', () => {
    expect(isThrottling(slowDown())).toBe(true);
    expect(isThrottling({ name: 'Unknown', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isThrottling({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isTransient({ name: 'InternalError', $metadata: { httpStatusCode: 500 } })).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient({ name: 'Unknown', $metadata: { httpStatusCode: 400 } })).toBe(false);
  });

  it('keeps retrying throttling far past any fixed attempt count', async () => {
    let calls = 0;
    const delays: number[] = [];
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 30) throw slowDown();
        return 'ok';
      },
      { baseMs: 1, maxDelayMs: 2, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(30);
    expect(delays.every((d) => d >= 0 && d <= 2)).toBe(true);
  });

  it('gives up on other transient failures after the configured attempts, and at once on the rest', async () => {
    let calls = 0;
    const internal = { name: 'InternalError', $metadata: { httpStatusCode: 500 } };
    await expect(
      withRetry(
        async () => {
          calls++;
          throw internal;
        },
        { baseMs: 1, maxTransientAttempts: 3 },
      ),
    ).rejects.toBe(internal);
    expect(calls).toBe(3);
    calls = 0;
    const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
    await expect(
      withRetry(async () => {
        calls++;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const p = withRetry(
      async () => {
        throw slowDown();
      },
      { baseMs: 10_000, maxDelayMs: 10_000, random: () => 1, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('uses full jitter under an exponential ceiling', () => {
    expect(backoffDelay(1, { baseMs: 100, random: () => 1 })).toBe(100);
    expect(backoffDelay(4, { baseMs: 100, random: () => 1 })).toBe(800);
    expect(backoffDelay(30, { baseMs: 100, maxDelayMs: 5000, random: () => 1 })).toBe(5000);
    expect(backoffDelay(4, { baseMs: 100, random: () => 0 })).toBe(0);
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

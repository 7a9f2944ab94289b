import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeAwsError } from '../../../src/aws/aws-errors.ts';
import { runPool } from '../../../src/aws/recover/pool.ts';
import { throttledProgress } from '../../../src/aws/recover/progress.ts';
import { RecoveryLog } from '../../../src/aws/recover/recovery-log.ts';
import { createStore } from '../../../src/store/store.ts';
import { tempDir } from '../../helpers/temp.ts';

const awsError = (status: number, name: string) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('describeAwsError', () => {
  it('leaves out the name Unknown the SDK gives a HEAD error (no body)', () => {
    expect(describeAwsError(awsError(400, 'Unknown'))).toBe('400: Unknown happened');
  });
});

describe('runPool', () => {
  it('never runs more than the concurrency at once and visits every item once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    async function* items() {
      for (let i = 0; i < 50; i++) yield i;
    }
    await runPool(items(), 7, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      running--;
    });
    expect(peak).toBe(7);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('lets workers in flight finish before returning, even when the source fails', async () => {
    let finished = 0;
    async function* items() {
      yield 1;
      yield 2;
      throw new Error('listing failed');
    }
    await expect(
      runPool(items(), 3, async () => {
        await new Promise((r) => setTimeout(r, 20));
        finished++;
      }),
    ).rejects.toThrow('listing failed');
    expect(finished).toBe(2);
  });

  it('reports a worker’s failure after the others finish', async () => {
    await expect(
      runPool([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});

describe('RecoveryLog', () => {
  it('commits marks in batches, and everything on flush', () => {
    const t = tempDir('ssec-log-');
    const store = createStore(join(t.dir, 'db.sqlite'));
    try {
      const run = store.assessments.startRun({ bucket: 'b', windowStart: new Date() });
      store.assessments.commitPage(run.id, {
        affected: Array.from({ length: 5 }, (_, i) => ({
          key: `k${i}`,
          versionId: 'a',
          lastModified: new Date(),
          size: 1,
          isDeleteMarker: false,
          restoreVersionId: 'c',
          restoreSize: 1,
          restoreEtag: '"e"',
          reason: null,
        })),
        changed: [],
        cursor: null,
        progress: {},
      });
      const log = new RecoveryLog(store, { maxRows: 3, maxDelayMs: 60_000 });
      for (let i = 0; i < 4; i++)
        log.mark({ runId: run.id, key: `k${i}`, status: 'restored', restoredVersionId: `n${i}` });
      expect(store.assessments.counts(run.id).restored).toBe(3);
      log.mark({ runId: run.id, key: 'k4', status: 'failed', error: 'nope' });
      log.flush();
      expect(store.assessments.counts(run.id)).toMatchObject({ restored: 4, failed: 1, pending: 0 });
      expect([...store.assessments.affected(run.id)][4]).toMatchObject({
        recoveryError: 'nope',
        recoveryAttempts: 1,
      });
    } finally {
      store.close();
      t.cleanup();
    }
  });
});

describe('throttledProgress', () => {
  it('reports at most once per interval, with rate and time left', () => {
    let now = 1000;
    const seen: Array<{ done: number; rate: number; etaSeconds: number | null }> = [];
    const p = throttledProgress(
      (x) => seen.push(x),
      100,
      () => now,
    );
    const base = {
      phase: 'restoring' as const,
      total: 100,
      restored: 0,
      failed: 0,
      skipped: 0,
      unrecoverable: 0,
    };
    now = 2000;
    p.report({ ...base, done: 10 });
    now = 2050;
    p.report({ ...base, done: 20 });
    p.report({ ...base, done: 25 }, true);
    expect(seen.map((s) => s.done)).toEqual([10, 25]);
    expect(seen[0]).toMatchObject({ rate: 10, etaSeconds: 9 });
  });
});

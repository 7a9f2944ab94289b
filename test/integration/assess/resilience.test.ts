import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessBucket } from '../../../src/aws/assess/assess-bucket.ts';
import { assessmentReport } from '../../../src/aws/assess/report.ts';
import type { AssessProgress } from '../../../src/aws/assess/types.ts';
import type { Store } from '../../../src/store/store.ts';
import {
  attacker,
  comparable,
  del,
  type Harness,
  inWin,
  plain,
  pre,
  SINCE,
  type Step,
  seedBucket,
  startHarness,
} from './harness.ts';

function keys(n: number): Record<string, Step[]> {
  const out: Record<string, Step[]> = {};
  for (let i = 0; i < n; i++) {
    const key = `${i % 7 === 0 ? '' : `p${i % 5}/`}k-${String(i).padStart(5, '0')}`;
    if (i % 4 === 0)
      out[key] = [plain(pre(2)), attacker(inWin(1)), ...(i % 8 === 0 ? [attacker(inWin(2))] : [])];
    else if (i % 13 === 0) out[key] = [plain(pre(2)), del(inWin(3))];
    else if (i % 17 === 0) out[key] = [plain(inWin(3))];
    else out[key] = [plain(pre(2))];
  }
  return out;
}

const fast = { baseDelayMs: 5, maxDelayMs: 50 };

describe('assess against the AWS stand-in: throttling and interruptions', () => {
  let h: Harness;
  const bucket = 'resilience-bucket';
  const seeded = keys(3000);
  let baseline: ReturnType<typeof comparable>;

  beforeAll(async () => {
    h = await startHarness({ maxAttempts: 3 });
    seedBucket(h.sandbox, bucket, seeded);
    const summary = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE, retry: fast });
    baseline = comparable(assessmentReport(h.store, summary.runId));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives an identical result when 20% of requests answer 503 SlowDown', async () => {
    h.sandbox.counters.reset();
    h.sandbox.setFaults({ slowDownRate: 0.2 });
    try {
      const summary = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE, retry: fast });
      expect(h.sandbox.counters.throttled()).toBeGreaterThan(100);
      expect(comparable(assessmentReport(h.store, summary.runId))).toEqual(baseline);
    } finally {
      h.sandbox.setFaults({ slowDownRate: 0 });
    }
  });

  it('never gives up while every request is throttled for a while', async () => {
    let throttled = false;
    const started = Date.now();
    const summary = await assessBucket({
      s3: h.s3,
      store: h.store,
      bucket,
      since: SINCE,
      retry: fast,
      progressIntervalMs: 5,
      onProgress: (p) => {
        if (throttled || p.keys < 200) return;
        // Mid-scan, S3 refuses everything for 1.5 s.
        throttled = true;
        h.sandbox.setFaults({ slowDownRate: 1 });
        setTimeout(() => h.sandbox.setFaults({ slowDownRate: 0 }), 1500);
      },
    });
    expect(throttled).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(comparable(assessmentReport(h.store, summary.runId))).toEqual(baseline);
    expect(summary.counts.retries).toBeGreaterThan(0);
  });

  it('resumes a stopped run from its last committed key, with the same result', async () => {
    const stop = new AbortController();
    h.sandbox.counters.reset();
    const first = assessBucket({
      s3: h.s3,
      store: h.store,
      bucket,
      since: SINCE,
      signal: stop.signal,
      concurrency: 4,
      progressIntervalMs: 5,
      onProgress: (p) => {
        if (p.keys > 600 && !stop.signal.aborted) stop.abort();
      },
    });
    await expect(first).rejects.toMatchObject({ name: 'AbortError', message: 'The assessment was stopped' });
    const runs = h.store.db
      .prepare('SELECT id, status, progress FROM assess_runs ORDER BY id DESC LIMIT 1')
      .get() as {
      id: number;
      status: string;
      progress: string;
    };
    expect(runs.status).toBe('failed');
    const committedAtStop = JSON.parse(runs.progress) as AssessProgress;
    expect(committedAtStop.keys).toBeGreaterThan(0);
    expect(committedAtStop.keys).toBeLessThan(3000);
    const listsBefore = h.sandbox.counters.get('ListObjectVersions');

    h.sandbox.counters.reset();
    const summary = await assessBucket({
      s3: h.s3,
      store: h.store,
      bucket,
      since: SINCE,
      resumeRunId: runs.id,
    });
    expect(summary.runId).toBe(runs.id);
    const report = assessmentReport(h.store, runs.id);
    expect(comparable(report)).toEqual(baseline);
    // The resumed run did not list the bucket again from the start.
    const fullListing = Math.ceil(report.counts.versions / 1000) + report.counts.partitions;
    expect(listsBefore + h.sandbox.counters.get('ListObjectVersions')).toBeLessThanOrEqual(fullListing + 8);
    expect(h.sandbox.counters.get('HeadObject')).toBeLessThan(report.counts.headRequests);
  });

  it('resumes after the store failed mid-run (a crash between two commits)', async () => {
    const store: Store = h.store;
    const real = store.assessments.commitPage.bind(store.assessments);
    let commits = 0;
    store.assessments.commitPage = (runId, page) => {
      if (++commits === 2) throw new Error('disk I/O error');
      real(runId, page);
    };
    try {
      await expect(assessBucket({ s3: h.s3, store, bucket, since: SINCE, concurrency: 2 })).rejects.toThrow(
        'disk I/O error',
      );
    } finally {
      store.assessments.commitPage = real;
    }
    const runId = (store.db.prepare('SELECT max(id) AS id FROM assess_runs').get() as { id: number }).id;
    expect(store.assessments.getRun(runId)?.status).toBe('failed');
    await assessBucket({ s3: h.s3, store, bucket, since: SINCE, resumeRunId: runId });
    expect(comparable(assessmentReport(store, runId))).toEqual(baseline);
  });

  it('refuses to resume a run of another bucket', async () => {
    await expect(
      assessBucket({ s3: h.s3, store: h.store, bucket: 'other', since: SINCE, resumeRunId: 1 }),
    ).rejects.toThrow(/is for bucket/);
  });
});

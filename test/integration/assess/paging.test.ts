import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessBucket } from '../../../src/aws/assess/assess-bucket.ts';
import { type AssessmentReport, assessmentReport } from '../../../src/aws/assess/report.ts';
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

/**
 * 2,000 filler keys in 20 folders and at the root, one key with 1,500 versions, and a key whose
 * versions straddle the first page boundary; every 10th filler key attacked.
 */
function bigBucket(): { keys: Record<string, Step[]>; attacked: Set<string> } {
  const keys: Record<string, Step[]> = {};
  const attacked = new Set<string>();
  // 999 single-version keys sort first, so the next key's 5 versions straddle entry 1,000.
  for (let i = 0; i < 999; i++) keys[`0000-first/${String(i).padStart(4, '0')}`] = [plain(pre(10))];
  keys['0001-straddle.txt'] = [
    plain(pre(50)),
    plain(pre(40)),
    plain(pre(30)),
    attacker(inWin(2)),
    attacker(inWin(3)),
  ];
  attacked.add('0001-straddle.txt');
  const many: Step[] = [];
  for (let i = 0; i < 1497; i++) many.push(plain(pre(2000 - i)));
  many.push(plain(pre(1)), attacker(inWin(1)), attacker(inWin(4)));
  keys['0002-many-versions.bin'] = many;
  attacked.add('0002-many-versions.bin');
  for (let i = 0; i < 2000; i++) {
    const folder = i % 21 === 0 ? '' : `folder-${String(i % 21).padStart(2, '0')}/sub/`;
    const key = `${folder}obj-${String(i).padStart(5, '0')}.dat`;
    if (i % 10 === 0) {
      keys[key] = [plain(pre(3)), attacker(inWin(i % 50))];
      attacked.add(key);
    } else if (i % 97 === 0) keys[key] = [plain(pre(3)), del(inWin(30))];
    else keys[key] = [plain(pre(3))];
  }
  return { keys, attacked };
}

describe('assess against the AWS stand-in: paging, request counts and listing slices', () => {
  let h: Harness;
  const { keys, attacked } = bigBucket();
  const bucket = 'paging-bucket';
  const versions = Object.values(keys).reduce((n, s) => n + s.length, 0);
  let ids: Record<string, string[]>;
  let sliced: AssessmentReport;

  async function run(opts: { listConcurrency: number; maxPartitions?: number }) {
    h.sandbox.counters.reset();
    const summary = await assessBucket({ s3: h.s3, store: h.store, bucket, since: SINCE, ...opts });
    return {
      report: assessmentReport(h.store, summary.runId),
      lists: h.sandbox.counters.get('ListObjectVersions'),
      heads: h.sandbox.counters.get('HeadObject'),
    };
  }

  beforeAll(async () => {
    h = await startHarness();
    ids = seedBucket(h.sandbox, bucket, keys);
    sliced = (await run({ listConcurrency: 4 })).report;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds every attacked key, including one straddling a page and one with 1,500 versions', () => {
    expect(sliced.affected.map((a) => a.key).sort()).toEqual([...attacked].sort());
    expect(sliced.affected.find((a) => a.key === '0001-straddle.txt')).toMatchObject({
      versionId: ids['0001-straddle.txt']![4],
      restoreVersionId: ids['0001-straddle.txt']![2],
    });
    expect(sliced.affected.find((a) => a.key === '0002-many-versions.bin')).toMatchObject({
      versionId: ids['0002-many-versions.bin']![1499],
      restoreVersionId: ids['0002-many-versions.bin']![1497],
    });
    expect(sliced.changed.every((c) => c.deleted)).toBe(true);
    expect(sliced.counts).toMatchObject({ keys: Object.keys(keys).length, versions, unrecoverable: 0 });
  });

  it('lists in one sequence within ceil(versions / 1000) + 1 requests, HEADs within the contract', async () => {
    const { report, lists, heads } = await run({ listConcurrency: 1 });
    expect(comparable(report)).toEqual(comparable(sliced));
    expect(report.counts.partitions).toBe(1);
    expect(lists).toBeLessThanOrEqual(Math.ceil(versions / 1000) + 1);
    let inWindow = 0;
    for (const steps of Object.values(keys)) {
      if (steps[steps.length - 1]!.at < SINCE) continue;
      inWindow += steps.filter((s) => s.at >= SINCE && s.kind !== 'delete').length;
    }
    expect(heads).toBeLessThanOrEqual(inWindow + report.affected.length);
    expect(heads).toBe(inWindow + report.affected.length);
  });

  it('lists folder slices in parallel with the same result, within one extra request per slice', async () => {
    const { report, lists } = await run({ listConcurrency: 4 });
    expect(comparable(report)).toEqual(comparable(sliced));
    // The root, 0000-first/ and 20 folders.
    expect(report.counts.partitions).toBe(22);
    expect(lists).toBeLessThanOrEqual(Math.ceil(versions / 1000) + report.counts.partitions);
  });

  it('sends folders past the slice limit to one tail slice, with the same result', async () => {
    const { report, lists } = await run({ listConcurrency: 3, maxPartitions: 5 });
    expect(comparable(report)).toEqual(comparable(sliced));
    // The root, 5 folders and the tail.
    expect(report.counts.partitions).toBe(7);
    expect(lists).toBeLessThanOrEqual(Math.ceil(versions / 1000) + report.counts.partitions);
  });

  it('reports progress at most once per interval while scanning, and the final counts at the end', async () => {
    const calls: Array<{ at: number; keys: number }> = [];
    const summary = await assessBucket({
      s3: h.s3,
      store: h.store,
      bucket,
      since: SINCE,
      progressIntervalMs: 100,
      onProgress: (p) => calls.push({ at: performance.now(), keys: p.keys }),
    });
    expect(calls.length).toBeGreaterThan(1);
    const gaps = calls.slice(1, -1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps.every((g) => g >= 90)).toBe(true);
    expect(calls[calls.length - 1]!.keys).toBe(summary.counts.keys);
    expect(summary.counts.keys).toBe(Object.keys(keys).length);
  });
});

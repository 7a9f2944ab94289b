import { PassThrough } from 'node:stream';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessBucket } from '../../../src/aws/assess/assess-bucket.ts';
import { REASONS } from '../../../src/aws/assess/classify-key.ts';
import { mergeEntries, sendListVersions } from '../../../src/aws/assess/list-versions.ts';
import {
  type AssessmentReport,
  assessmentReport,
  writeAssessmentJson,
} from '../../../src/aws/assess/report.ts';
import {
  attacker,
  del,
  type Harness,
  inWin,
  legit,
  plain,
  pre,
  SINCE,
  type Step,
  seedBucket,
  startHarness,
} from './harness.ts';

const KEYS: Record<string, Step[]> = {
  'clean/untouched.txt': [plain(pre(48))],
  'enc/once.txt': [plain(pre(72)), plain(pre(48)), attacker(inWin(5))],
  'enc/twice.txt': [plain(pre(48)), attacker(inWin(5)), attacker(inWin(9))],
  'legit/sse-c.bin': [legit(pre(24))],
  'legit/then-attacked.bin': [legit(pre(24)), attacker(inWin(6))],
  'attacker/created.bin': [attacker(inWin(7))],
  'dm/over-attacker.txt': [plain(pre(30)), attacker(inWin(5)), del(inWin(8))],
  'dm/over-clean.txt': [plain(pre(30)), del(inWin(8))],
  'dm/old-delete-then-attacked.txt': [plain(pre(90)), del(pre(30)), attacker(inWin(8))],
  'notes/README_RANSOM.txt': [plain(inWin(10))],
  'mixed/plain-after-attack.txt': [plain(pre(5)), attacker(inWin(5)), plain(inWin(20))],
  'deep/a/b/c/d/e/f/g/h/i/file with spaces.txt': [plain(pre(5)), attacker(inWin(5))],
  'symbols/plus+sign.txt': [plain(pre(5)), attacker(inWin(5))],
  'symbols/per%cent%20.txt': [plain(pre(5)), attacker(inWin(5))],
  'symbols/a&b<c>\'q".txt': [plain(pre(5)), attacker(inWin(5))],
  'unicodé/日本語/😀 ünï.txt': [plain(pre(5)), attacker(inWin(5))],
  'root-file.txt': [plain(pre(5)), attacker(inWin(5))],
};

describe('assess against the AWS stand-in: the rules', () => {
  let h: Harness;
  let ids: Record<string, string[]>;
  let report: AssessmentReport;
  let heads: number;
  let lists: number;
  const bucket = 'rules-bucket';

  beforeAll(async () => {
    h = await startHarness();
    ids = seedBucket(h.sandbox, bucket, KEYS);
    h.sandbox.counters.reset();
    const summary = await assessBucket({ s3: h.s3, backup: h.backup, store: h.store, bucket, since: SINCE });
    heads = h.sandbox.counters.get('HeadObject');
    lists = h.sandbox.counters.get('ListObjectVersions');
    report = assessmentReport(h.store, summary.runId);
  });
  afterAll(async () => {
    await h?.close();
  });

  const v = (key: string, i: number) => ids[key]![i]!;
  const affected = (key: string) => report.affected.find((a) => a.key === key);
  const changed = (key: string) => report.changed.find((c) => c.key === key);

  it('finds each re-encrypted object and the clean version beneath it', () => {
    expect(affected('enc/once.txt')).toMatchObject({
      versionId: v('enc/once.txt', 2),
      restoreVersionId: v('enc/once.txt', 1),
      reason: null,
    });
    expect(affected('enc/twice.txt')).toMatchObject({
      versionId: v('enc/twice.txt', 2),
      restoreVersionId: v('enc/twice.txt', 0),
    });
  });

  it('leaves legitimate SSE-C from before the window and untouched objects alone', () => {
    expect(affected('legit/sse-c.bin')).toBeUndefined();
    expect(changed('legit/sse-c.bin')).toBeUndefined();
    expect(affected('clean/untouched.txt')).toBeUndefined();
  });

  it('says why an object cannot be restored from versions', () => {
    expect(affected('legit/then-attacked.bin')).toMatchObject({
      restoreVersionId: null,
      reason: REASONS.legitimateSseC,
    });
    expect(affected('attacker/created.bin')).toMatchObject({
      versionId: v('attacker/created.bin', 0),
      restoreVersionId: null,
      reason: REASONS.noEarlierVersion,
    });
    expect(affected('dm/old-delete-then-attacked.txt')).toMatchObject({
      restoreVersionId: null,
      reason: REASONS.overDeleteMarker,
    });
  });

  it('reports a delete marker over an attacker version as affected, and over a clean one as a deletion', () => {
    expect(affected('dm/over-attacker.txt')).toMatchObject({
      versionId: v('dm/over-attacker.txt', 2),
      isDeleteMarker: true,
      restoreVersionId: v('dm/over-attacker.txt', 0),
    });
    expect(affected('dm/over-clean.txt')).toBeUndefined();
    expect(changed('dm/over-clean.txt')).toMatchObject({
      versionId: v('dm/over-clean.txt', 1),
      deleted: true,
      previousVersionId: v('dm/over-clean.txt', 0),
    });
  });

  it('lists plain writes inside the window, ransom notes included, as changed and not affected', () => {
    expect(changed('notes/README_RANSOM.txt')).toMatchObject({ versionId: v('notes/README_RANSOM.txt', 0) });
    expect(changed('mixed/plain-after-attack.txt')).toMatchObject({
      versionId: v('mixed/plain-after-attack.txt', 2),
      deleted: false,
    });
    expect(affected('notes/README_RANSOM.txt')).toBeUndefined();
    expect(affected('mixed/plain-after-attack.txt')).toBeUndefined();
  });

  it('handles keys with spaces, +, %, XML characters, unicode and deep prefixes exactly', () => {
    for (const key of [
      'deep/a/b/c/d/e/f/g/h/i/file with spaces.txt',
      'symbols/plus+sign.txt',
      'symbols/per%cent%20.txt',
      'symbols/a&b<c>\'q".txt',
      'unicodé/日本語/😀 ünï.txt',
      'root-file.txt',
    ]) {
      expect(affected(key), key).toMatchObject({ versionId: v(key, 1), restoreVersionId: v(key, 0) });
    }
  });

  it('reports exactly these keys, in S3 key order, with matching counts', () => {
    const expectedAffected = [
      'attacker/created.bin',
      'deep/a/b/c/d/e/f/g/h/i/file with spaces.txt',
      'dm/old-delete-then-attacked.txt',
      'dm/over-attacker.txt',
      'enc/once.txt',
      'enc/twice.txt',
      'legit/then-attacked.bin',
      'root-file.txt',
      'symbols/a&b<c>\'q".txt',
      'symbols/per%cent%20.txt',
      'symbols/plus+sign.txt',
      'unicodé/日本語/😀 ünï.txt',
    ];
    expect(report.affected.map((a) => a.key)).toEqual(expectedAffected);
    expect(report.changed.map((c) => c.key)).toEqual([
      'dm/over-clean.txt',
      'mixed/plain-after-attack.txt',
      'notes/README_RANSOM.txt',
    ]);
    expect(report.errors).toEqual([]);
    expect(report.counts).toMatchObject({
      keys: Object.keys(KEYS).length,
      versions: Object.values(KEYS).reduce((n, s) => n + s.length, 0),
      affected: 12,
      unrecoverable: 3,
      recoverable: 9,
      changed: 3,
    });
    expect(report.unrecoverable).toBe(3);
    expect(report.status).toBe('completed');
    expect(report.bucket).toBe(bucket);
  });

  it('HEADs only in-window versions of candidate keys plus one per affected key, and lists little', () => {
    let inWindowVersionsOfCandidates = 0;
    for (const steps of Object.values(KEYS)) {
      const newest = steps[steps.length - 1]!;
      if (newest.at < SINCE) continue;
      inWindowVersionsOfCandidates += steps.filter((s) => s.at >= SINCE && s.kind !== 'delete').length;
    }
    expect(heads).toBeLessThanOrEqual(inWindowVersionsOfCandidates + report.affected.length);
    // Exactly, key by key: once 2, twice 3, then-attacked 2, created 1, dm/over-attacker 2,
    // dm/over-clean 0, old-delete 1, note 1, plain-after-attack 1, six odd keys 2 each.
    expect(heads).toBe(report.counts.headRequests);
    expect(heads).toBe(2 + 3 + 2 + 1 + 2 + 0 + 1 + 1 + 1 + 6 * 2);
    expect(lists).toBe(report.counts.listRequests);
    expect(lists).toBeLessThanOrEqual(1 + report.counts.partitions);
  });

  it('reports the bucket findings', () => {
    expect(report.findings).toMatchObject({
      versioning: { status: 'Enabled', priorVersionsKept: true },
      sseCBlocked: { blocked: false },
      lifecycle: { rules: [] },
    });
    // Unrecoverable keys exist, so AWS Backup was looked at too.
    expect(report.findings).toMatchObject({ backup: { checked: true, recoveryPoints: [] } });
  });

  it('streams the same document as it builds in memory', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeAssessmentJson(h.store, report.runId, out);
    out.end();
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toEqual(report);
  });

  it('reads every listing page with its own parser, agreeing with the SDK entry for entry', async () => {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    let pages = 0;
    do {
      const input = { Bucket: bucket, MaxKeys: 4, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker };
      const ours = await sendListVersions(h.s3, input, undefined);
      const sdk = await h.s3.send(new ListObjectVersionsCommand(input));
      expect(ours.parser).toBe('ssec');
      expect(ours.entries).toEqual(mergeEntries(sdk, (s) => s));
      expect(ours.nextKeyMarker).toBe(sdk.NextKeyMarker);
      expect(ours.nextVersionIdMarker).toBe(sdk.NextVersionIdMarker);
      expect(ours.isTruncated).toBe(sdk.IsTruncated ?? false);
      keyMarker = ours.isTruncated ? ours.nextKeyMarker : undefined;
      versionIdMarker = ours.nextVersionIdMarker;
      pages++;
    } while (keyMarker !== undefined);
    expect(pages).toBeGreaterThan(5);
  });
});

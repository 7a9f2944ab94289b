// The clean version's storage class, from the listing to the report, the findings and Slack: S3
// refuses to copy a GLACIER or DEEP_ARCHIVE version until RestoreObject has run on it (hours), so
// the assessment must say which clean versions are archived before anyone tries to recover.
import { PassThrough } from 'node:stream';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AssessSummary, assessBucket } from '../../../src/aws/assess/assess-bucket.ts';
import { CSV_COLUMNS, writeAssessmentCsv } from '../../../src/aws/assess/csv.ts';
import { mergeEntries, sendListVersions } from '../../../src/aws/assess/list-versions.ts';
import {
  type AssessmentReport,
  assessmentReport,
  writeAssessmentJson,
} from '../../../src/aws/assess/report.ts';
import { recover } from '../../../src/aws/recover/recover.ts';
import { validateBlocks } from '../../../src/sandbox/slack/block-rules.ts';
import { stepSucceededReply } from '../../../src/slack/blocks/guided-replies.ts';
import { summarizeFindings } from '../../../src/slack/findings.ts';
import { describeIncident } from '../../../src/slack/incident-view.ts';
import { affectedCsv } from '../../../src/slack/report/affected-csv.ts';
import { parseCsv } from '../../helpers/csv.ts';
import {
  attacker,
  type Harness,
  inWin,
  plain,
  pre,
  SINCE,
  type Step,
  seedBucket,
  startHarness,
} from './harness.ts';

const BUCKET = 'cold-bucket';

/** Each key's steps, and the storage class its row must carry (null: no clean version). */
const KEYS: Record<string, { steps: Step[]; restoreStorageClass: string | null }> = {
  'glacier/1.txt': { steps: [plain(pre(48), 'GLACIER'), attacker(inWin(1))], restoreStorageClass: 'GLACIER' },
  'glacier/2.txt': { steps: [plain(pre(48), 'GLACIER'), attacker(inWin(2))], restoreStorageClass: 'GLACIER' },
  'glacier/3 with, comma.txt': {
    steps: [plain(pre(30), 'GLACIER'), attacker(inWin(3)), attacker(inWin(9))],
    restoreStorageClass: 'GLACIER',
  },
  'deep/archive.bin': {
    steps: [plain(pre(300), 'STANDARD'), plain(pre(72), 'DEEP_ARCHIVE'), attacker(inWin(4))],
    restoreStorageClass: 'DEEP_ARCHIVE',
  },
  // Instant Retrieval copies like any other class: not archived.
  'instant/ir.bin': {
    steps: [plain(pre(24), 'GLACIER_IR'), attacker(inWin(5))],
    restoreStorageClass: 'GLACIER_IR',
  },
  'ia/infrequent.txt': {
    steps: [plain(pre(24), 'STANDARD_IA'), attacker(inWin(5))],
    restoreStorageClass: 'STANDARD_IA',
  },
  'std/a.txt': { steps: [plain(pre(5)), attacker(inWin(6))], restoreStorageClass: 'STANDARD' },
  'std/b.txt': { steps: [plain(pre(5), 'STANDARD'), attacker(inWin(6))], restoreStorageClass: 'STANDARD' },
  // An older archived version does not matter: the clean version is the newest before the window.
  'std/old-glacier-below.txt': {
    steps: [plain(pre(500), 'GLACIER'), plain(pre(5), 'STANDARD'), attacker(inWin(7))],
    restoreStorageClass: 'STANDARD',
  },
  // Nor does the class the attacker wrote with.
  'std/attacker-wrote-glacier.txt': {
    steps: [plain(pre(5), 'STANDARD_IA'), { ...attacker(inWin(8)), storageClass: 'GLACIER' }],
    restoreStorageClass: 'STANDARD_IA',
  },
  'created/by-attacker.bin': { steps: [attacker(inWin(8))], restoreStorageClass: null },
};
const ARCHIVED = Object.entries(KEYS)
  .filter(([, k]) => k.restoreStorageClass === 'GLACIER' || k.restoreStorageClass === 'DEEP_ARCHIVE')
  .map(([key]) => key)
  .sort();

describe('assess against the AWS stand-in: archived clean versions', () => {
  let h: Harness;
  let summary: AssessSummary;
  let report: AssessmentReport;
  let incidentId: number;

  beforeAll(async () => {
    h = await startHarness();
    seedBucket(h.sandbox, BUCKET, Object.fromEntries(Object.entries(KEYS).map(([key, k]) => [key, k.steps])));
    incidentId = h.store.incidents.create({
      title: 'SSE-C writes',
      severity: 'high',
      buckets: [BUCKET],
      windowStart: SINCE,
    }).id;
    summary = await assessBucket({ s3: h.s3, store: h.store, incidentId, bucket: BUCKET, since: SINCE });
    report = assessmentReport(h.store, summary.runId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives each affected object the storage class of the clean version it restores', () => {
    expect(Object.fromEntries(report.affected.map((a) => [a.key, a.restoreStorageClass]))).toEqual(
      Object.fromEntries(Object.entries(KEYS).map(([key, k]) => [key, k.restoreStorageClass])),
    );
    // Every affected entry has the field, null included, in the streamed document too.
    for (const a of report.affected) expect(a).toHaveProperty('restoreStorageClass');
  });

  it('streams the same JSON document', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeAssessmentJson(h.store, summary.runId, out);
    out.end();
    const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AssessmentReport;
    expect(doc).toEqual(report);
    expect(doc.affected.find((a) => a.key === 'created/by-attacker.bin')?.restoreStorageClass).toBeNull();
  });

  it('writes the storage class as the last CSV column', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeAssessmentCsv(h.store, summary.runId, out);
    out.end();
    const rows = parseCsv(Buffer.concat(chunks).toString('utf8'));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows[0]!.at(-1)).toBe('restoreStorageClass');
    const byKey = new Map(rows.slice(1).map((r) => [r[0]!, r]));
    for (const [key, k] of Object.entries(KEYS)) {
      expect(byKey.get(key)?.at(-1), key).toBe(k.restoreStorageClass ?? '');
      expect(byKey.get(key)).toHaveLength(CSV_COLUMNS.length);
    }
  });

  it('adds the storage class as the last column of the CSV attached in Slack', () => {
    const csv = affectedCsv(h.store.assessments, [h.store.assessments.getRun(summary.runId)!]);
    const [header, ...rows] = csv.content.toString('utf8').trim().split('\n');
    expect(header).toBe(
      'bucket,key,attacker_version_id,restore_version_id,recovery_status,size,last_modified,reason,restore_storage_class',
    );
    expect(rows).toHaveLength(Object.keys(KEYS).length);
    expect(rows.find((r) => r.startsWith(`${BUCKET},deep/archive.bin,`))).toMatch(/,DEEP_ARCHIVE$/);
    expect(rows.find((r) => r.startsWith(`${BUCKET},"glacier/3 with, comma.txt",`))).toMatch(/,GLACIER$/);
    expect(rows.find((r) => r.startsWith(`${BUCKET},created/by-attacker.bin,`))).toMatch(/,$/);
  });

  it('counts exactly the GLACIER and DEEP_ARCHIVE clean versions in the findings', () => {
    expect(ARCHIVED).toHaveLength(4);
    const f = summary.findings;
    expect(f.archivedRestoreVersions).toBe(ARCHIVED.length);
    expect(f.archived).toEqual({
      versions: 4,
      byStorageClass: { DEEP_ARCHIVE: 1, GLACIER: 3 },
      message: expect.stringContaining('4 clean versions to restore in cold-bucket are archived'),
    });
    expect(f.messages).toContain(f.archived!.message);
    // Stored with the run, as the Slack layer and `ssec assess` read it back.
    expect(h.store.assessments.getRun(summary.runId)!.findings).toMatchObject({ archivedRestoreVersions: 4 });
  });

  it('says nothing about archives when no clean version is archived', async () => {
    seedBucket(h.sandbox, 'warm-bucket', {
      'a.txt': [plain(pre(5), 'GLACIER_IR'), attacker(inWin(1))],
      'b.txt': [plain(pre(5), 'INTELLIGENT_TIERING'), attacker(inWin(1))],
    });
    const warm = await assessBucket({ s3: h.s3, store: h.store, bucket: 'warm-bucket', since: SINCE });
    expect(warm.findings.archivedRestoreVersions).toBe(0);
    expect(warm.findings.archived).toBeUndefined();
    expect(warm.findings.messages.join(' ')).not.toMatch(/archived/);
  });

  it('reads the storage class the same way as the SDK, page after page', async () => {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    let pages = 0;
    const classes = new Set<string | undefined>();
    do {
      const input = { Bucket: BUCKET, MaxKeys: 3, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker };
      const ours = await sendListVersions(h.s3, input, undefined);
      const sdk = await h.s3.send(new ListObjectVersionsCommand(input));
      expect(ours.parser).toBe('ssec');
      expect(ours.entries).toEqual(mergeEntries(sdk, (s) => s));
      for (const e of ours.entries) classes.add(e.storageClass);
      keyMarker = ours.isTruncated ? ours.nextKeyMarker : undefined;
      versionIdMarker = ours.nextVersionIdMarker;
      pages++;
    } while (keyMarker !== undefined);
    expect(pages).toBeGreaterThan(3);
    expect([...classes].sort()).toEqual(['DEEP_ARCHIVE', 'GLACIER', 'GLACIER_IR', 'STANDARD', 'STANDARD_IA']);
  });

  it('shows the Slack line after the assessment, and only the archived count in it', () => {
    const findings = summarizeFindings(h.store, incidentId);
    expect(findings.buckets).toEqual([
      expect.objectContaining({ bucket: BUCKET, archivedRestoreVersions: 4 }),
    ]);
    // The finding has a line of its own: not repeated among the bucket's messages.
    expect(findings.buckets[0]!.messages.join(' ')).not.toMatch(/archived/);
    const incident = h.store.incidents.get(incidentId)!;
    const view = describeIncident(incident, undefined, findings);
    const m = stepSucceededReply(view, {
      type: 'step.succeeded',
      step: 'assess',
      attempt: 1,
      result: {
        affected: summary.counts.affected,
        unrecoverable: summary.counts.unrecoverable,
        changed: summary.counts.changed,
        findings: { [`${BUCKET}:archivedRestoreVersions`]: summary.findings.archivedRestoreVersions },
        assessRunIds: [summary.runId],
      },
      awsRequestIds: [],
    });
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain(
      ':snowflake: 4 clean versions are archived (GLACIER/DEEP_ARCHIVE): S3 will not copy them until they are restored with restore-object (hours). Start that now.',
    );
    expect(text.match(/:snowflake:/g)).toHaveLength(1);
  });

  it('flags exactly the objects that recovery then cannot copy', async () => {
    const result = await recover({
      clients: { s3: h.s3 },
      store: h.store,
      runIds: [summary.runId],
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    const failed = result.failures.map((f) => f.key).sort();
    expect(failed).toEqual(ARCHIVED);
    for (const f of result.failures) expect(f.reason).toMatch(/^the clean version is archived/);
    expect(result).toMatchObject({
      restored: report.affected.length - ARCHIVED.length - 1,
      unrecoverable: 1,
    });
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../../src/aws/assess/csv.ts';
import { runAssessCommand } from '../../../src/cli/assess.ts';
import { type CliIo, printable } from '../../../src/cli/io.ts';
import { parseCsv } from '../../helpers/csv.ts';
import { tempDir } from '../../helpers/temp.ts';
import { attacker, type Harness, inWin, plain, pre, SINCE, seedBucket, startHarness } from './harness.ts';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

describe('ssec assess (command line) against the AWS stand-in', () => {
  let h: Harness;
  let dir: { dir: string; cleanup: () => void };
  let ids: Record<string, string[]>;
  const now = () => new Date('2025-01-14T00:00:00Z');

  beforeAll(async () => {
    h = await startHarness();
    dir = tempDir('ssec-assess-cli-');
    ids = seedBucket(h.sandbox, 'cli-bucket', {
      'a/one.txt': [plain(pre(5)), attacker(inWin(1))],
      'a/two, "quoted".txt': [plain(pre(5)), attacker(inWin(2))],
      'b/created.bin': [attacker(inWin(3))],
      'notes/RANSOM.txt': [plain(inWin(4))],
      'evil\u001b[31mred.txt': [plain(pre(5)), attacker(inWin(5))],
      'quiet.txt': [plain(pre(5))],
    });
    seedBucket(h.sandbox, 'cli-bucket-2', { 'x.txt': [plain(pre(5)), attacker(inWin(1))] });
    seedBucket(h.sandbox, 'cli-cold', {
      'frozen.txt': [plain(pre(5), 'GLACIER'), attacker(inWin(1))],
      'deep.txt': [plain(pre(5), 'DEEP_ARCHIVE'), attacker(inWin(1))],
      'instant.txt': [plain(pre(5), 'GLACIER_IR'), attacker(inWin(1))],
      'warm.txt': [plain(pre(5)), attacker(inWin(1))],
    });
  });
  afterAll(async () => {
    await h?.close();
    dir?.cleanup();
  });

  async function run(args: string[], opts: { interactive?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    const out = sink();
    const err = sink();
    const io: CliIo = {
      stdout: out.stream,
      stderr: err.stream,
      interactive: opts.interactive ?? false,
      env: {
        AWS_ENDPOINT_URL: h.sandbox.endpoint,
        AWS_ACCESS_KEY_ID: h.sandbox.adminCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: h.sandbox.adminCredentials.secretAccessKey,
        AWS_REGION: h.sandbox.region,
        SSEC_S3_FORCE_PATH_STYLE: 'true',
        SSEC_DB_PATH: join(dir.dir, 'ssec.db'),
        ...opts.env,
      },
    };
    const code = await runAssessCommand(args, io, { clock: now });
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it('prints one JSON document with the DESIGN §4 contract on stdout, and nothing on stderr', async () => {
    const r = await run(['--bucket', 'cli-bucket', '--since', SINCE.toISOString(), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.bucket).toBe('cli-bucket');
    expect(doc.since).toBe(SINCE.toISOString());
    expect(doc.affected).toEqual([
      expect.objectContaining({
        key: 'a/one.txt',
        versionId: ids['a/one.txt']![1],
        restoreVersionId: ids['a/one.txt']![0],
      }),
      expect.objectContaining({
        key: 'a/two, "quoted".txt',
        restoreVersionId: ids['a/two, "quoted".txt']![0],
      }),
      expect.objectContaining({
        key: 'b/created.bin',
        restoreVersionId: null,
        reason: expect.stringContaining('no earlier'),
      }),
      expect.objectContaining({ key: 'evil\u001b[31mred.txt' }),
    ]);
    expect(doc.changed).toEqual([expect.objectContaining({ key: 'notes/RANSOM.txt', deleted: false })]);
    expect(doc.unrecoverable).toBe(1);
    expect(doc.findings.versioning.status).toBe('Enabled');
    expect(existsSync(join(dir.dir, 'ssec.db'))).toBe(true);
  });

  it('defaults the window to SSEC_LOOKBACK_HOURS before now', async () => {
    const r = await run(['--bucket', 'cli-bucket'], { env: { SSEC_LOOKBACK_HOURS: '14' } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.since).toBe('2025-01-13T10:00:00.000Z');
    expect(doc.affected).toHaveLength(4);
  });

  it('writes CSV with quoting, one header, a bucket column, for several buckets', async () => {
    const r = await run([
      '--bucket',
      'cli-bucket',
      '--bucket',
      'cli-bucket-2',
      '--since',
      SINCE.toISOString(),
      '--format',
      'csv',
      '--db',
      ':memory:',
    ]);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.filter((row) => row[0] === 'key')).toHaveLength(1);
    const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
    const quoted = rows.find((row) => row[0] === 'a/two, "quoted".txt')!;
    expect(col(quoted, 'versionId')).toBe(ids['a/two, "quoted".txt']![1]);
    expect(col(quoted, 'restoreVersionId')).toBe(ids['a/two, "quoted".txt']![0]);
    expect(col(quoted, 'category')).toBe('affected');
    expect(col(quoted, 'bucket')).toBe('cli-bucket');
    expect(col(quoted, 'restoreEtag')).toMatch(/^"[0-9a-f]{32}"$/);
    const created = rows.find((row) => row[0] === 'b/created.bin')!;
    expect(col(created, 'restoreVersionId')).toBe('');
    expect(col(created, 'category')).toBe('unrecoverable');
    expect(rows.find((row) => row[0] === 'x.txt')?.[CSV_COLUMNS.indexOf('bucket')]).toBe('cli-bucket-2');
    expect(rows.find((row) => row[0] === 'notes/RANSOM.txt')?.[CSV_COLUMNS.indexOf('category')]).toBe(
      'changed',
    );
    expect(rows.every((row) => row.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('prints a table without letting a key send terminal escapes, and findings', async () => {
    const r = await run(['--bucket', 'cli-bucket', '--since', SINCE.toISOString(), '--format', 'table']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Affected: 4 (3 restorable, 1 not)');
    expect(r.stdout).toContain(printable('evil\u001b[31mred.txt'));
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('Findings:');
    expect(r.stdout).toContain('NOT blocked');
  });

  it('marks archived clean versions in the table, the CSV and the JSON', async () => {
    const since = SINCE.toISOString();
    const table = await run(['--bucket', 'cli-cold', '--since', since, '--format', 'table']);
    expect(table.code).toBe(0);
    const line = (key: string) => table.stdout.split('\n').find((l) => l.includes(key)) ?? '';
    expect(line('frozen.txt')).toMatch(/frozen\.txt \[GLACIER: restore-object first\]$/);
    expect(line('deep.txt')).toMatch(/deep\.txt \[DEEP_ARCHIVE: restore-object first\]$/);
    expect(line('instant.txt')).toMatch(/instant\.txt$/);
    expect(line('warm.txt')).toMatch(/warm\.txt$/);
    expect(table.stdout).toContain(
      '  - 2 clean versions to restore in cli-cold are archived (1 DEEP_ARCHIVE, 1 GLACIER)',
    );

    const csv = await run(['--bucket', 'cli-cold', '--since', since, '--format', 'csv', '--db', ':memory:']);
    const rows = parseCsv(csv.stdout);
    expect(rows[0]!.at(-1)).toBe('restoreStorageClass');
    expect(
      Object.fromEntries(rows.slice(1).map((r) => [r[0], r[CSV_COLUMNS.indexOf('restoreStorageClass')]])),
    ).toEqual({
      'deep.txt': 'DEEP_ARCHIVE',
      'frozen.txt': 'GLACIER',
      'instant.txt': 'GLACIER_IR',
      'warm.txt': 'STANDARD',
    });

    const json = JSON.parse(
      (await run(['--bucket', 'cli-cold', '--since', since, '--db', ':memory:'])).stdout,
    );
    expect(json.findings).toMatchObject({ archivedRestoreVersions: 2 });
    expect(json.affected.map((a: { restoreStorageClass: string }) => a.restoreStorageClass).sort()).toEqual([
      'DEEP_ARCHIVE',
      'GLACIER',
      'GLACIER_IR',
      'STANDARD',
    ]);
  });

  it('shows live progress on stderr only on a terminal, keeping stdout to the result', async () => {
    const r = await run(['--bucket', 'cli-bucket', '--since', SINCE.toISOString()], { interactive: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /cli-bucket: 6 keys, 9 versions, 5 candidates, 4 affected \(1 unrecoverable\), 1 changed, [\d,]+ keys\/s/,
    );
    expect(r.stderr).toContain('done');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('prints {"buckets": [...]} for several buckets, and fails with 1 when one of them fails', async () => {
    const r = await run([
      '--bucket',
      'cli-bucket-2',
      '--bucket',
      'missing-bucket',
      '--since',
      SINCE.toISOString(),
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.buckets[0]).toMatchObject({
      bucket: 'cli-bucket-2',
      affected: [expect.objectContaining({ key: 'x.txt' })],
    });
    expect(doc.buckets[1]).toMatchObject({
      bucket: 'missing-bucket',
      error: expect.stringContaining('NoSuchBucket'),
    });
    expect(r.stderr).toContain('missing-bucket failed');
    expect(r.stderr).toContain('--resume');
  });

  it('answers bad usage with exit 2 and a message saying what to type', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /needs a bucket: ssec assess --bucket my-bucket/],
      [['--bucket', 'b', '--since', 'yesterday'], /--since "yesterday" is not a date: use ISO-8601, e\.g\./],
      [
        ['--bucket', 'b', '--since', '2025-01-13T00:00:00Z', '--until', '2025-01-12T00:00:00Z'],
        /is before --since/,
      ],
      [['--bucket', 'b', '--format', 'xml'], /--format must be json, csv or table/],
      [['--bucket', 'b', '--concurrency', '0'], /--concurrency must be a whole number/],
      [['--bucket', 'b', '--colour'], /Unknown option/],
      [['--bucket', 'b', '--bucket', 'c', '--resume', '1'], /exactly one --bucket/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const bad = await run(['--bucket', 'b'], { env: { SSEC_SCAN_CONCURRENCY: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SSEC_SCAN_CONCURRENCY');
  });

  it('prints help with exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ssec assess --bucket');
  });
});

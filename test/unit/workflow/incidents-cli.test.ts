import fs from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, expect, test } from 'vitest';
import { formatDuration, runIncidentsCommand } from '../../../src/cli/incidents.ts';
import { MIN, T0 } from '../../helpers/workflow.ts';
import { type TestRuntime, tempDbPath, testRuntime } from '../../helpers/workflow-runtime.ts';

const running: TestRuntime[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

function capture() {
  const chunks = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, done) {
        chunks[k] += String(chunk);
        done();
      },
    });
  return { chunks, stdout: sink('stdout'), stderr: sink('stderr') };
}

async function run(args: string[], env: Record<string, string>, now = T0 + 90 * MIN) {
  const io = capture();
  const code = await runIncidentsCommand(
    args,
    { stdout: io.stdout, stderr: io.stderr, env },
    () => new Date(now),
  );
  return { code, ...io.chunks };
}

/** One incident waiting for a containment approval, one cancelled. */
async function database(): Promise<string> {
  const dbPath = tempDbPath();
  const t = testRuntime({ dbPath, now: T0 });
  running.push(t);
  const waiting = t.newIncident({ title: 'SSE-C re-encryption in prod-data' });
  t.runtime.open(waiting, { autoAssess: false });
  t.clock.now = T0 + 60 * MIN;
  await t.runtime.send(waiting.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
  const cancelled = t.newIncident({ title: 'Drill' });
  t.runtime.open(cancelled, { autoAssess: false });
  await t.runtime.send(cancelled.id, { type: 'CANCEL', reason: 'drill', by: 'U-BOB' });
  await t.close();
  running.pop();
  return dbPath;
}

test('--format json lists incidents with phase, status, age and pending approvals', async () => {
  const dbPath = await database();
  const { code, stdout, stderr } = await run(['--format', 'json'], { SSEC_DB_PATH: dbPath });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const { incidents } = JSON.parse(stdout);
  expect(incidents).toEqual([
    {
      id: 1,
      ref: 'INC-1',
      title: 'SSE-C re-encryption in prod-data',
      severity: 'critical',
      phase: 'contain',
      status: 'open',
      createdAt: new Date(T0).toISOString(),
      closedAt: null,
      ageSeconds: 90 * 60,
      pendingApprovals: [
        {
          id: 'contain-1',
          step: 'contain',
          requestedBy: 'U-ALICE',
          requestedAt: new Date(T0 + 60 * MIN).toISOString(),
          expiresAt: new Date(T0 + 120 * MIN).toISOString(),
          approvals: 0,
          required: 1,
          overdue: false,
        },
      ],
    },
    expect.objectContaining({ ref: 'INC-2', phase: 'cancelled', status: 'cancelled', pendingApprovals: [] }),
  ]);
});

test('the table shows the same, and marks approvals past their expiry as overdue', async () => {
  const dbPath = await database();
  const now = await run([], { SSEC_DB_PATH: dbPath });
  expect(now.code).toBe(0);
  const lines = now.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^REF\s+TITLE\s+PHASE\s+STATUS\s+AGE\s+PENDING APPROVALS$/);
  expect(lines[1]).toMatch(
    /^INC-1\s+SSE-C re-encryption in prod-data\s+contain\s+open\s+1h 30m\s+contain-1 \(0\/1, by U-ALICE, expires in 30m\)$/,
  );
  expect(lines[2]).toMatch(/^INC-2\s+Drill\s+cancelled\s+cancelled\s+30m\s+-$/);
  const later = await run(['--format=table'], { SSEC_DB_PATH: dbPath }, T0 + 3 * 60 * MIN);
  expect(later.stdout).toContain('contain-1 (0/1, by U-ALICE, overdue)');
});

test('bad usage exits 2; a missing or unreadable database exits 1', async () => {
  expect((await run(['--format', 'xml'], {})).code).toBe(2);
  const unknown = await run(['--colour'], {});
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('Usage: ssec incidents');
  const missing = await run([], { SSEC_DB_PATH: '/nonexistent/ssec.db' });
  expect(missing).toMatchObject({ code: 1, stdout: '' });
  expect(missing.stderr).toContain('/nonexistent/ssec.db');
  const junk = tempDbPath();
  fs.writeFileSync(junk, 'not a database');
  expect((await run([], { SSEC_DB_PATH: junk })).code).toBe(1);
  const help = await run(['--help'], {});
  expect(help).toMatchObject({ code: 0 });
  expect(help.stdout).toContain('SSEC_DB_PATH');
});

test('an empty database says so', async () => {
  const t = testRuntime();
  running.push(t);
  const dbPath = t.store.db.name;
  expect(await run([], { SSEC_DB_PATH: dbPath })).toMatchObject({ code: 0, stdout: 'No incidents.\n' });
  expect(JSON.parse((await run(['--format', 'json'], { SSEC_DB_PATH: dbPath })).stdout)).toEqual({
    incidents: [],
  });
});

test('durations read like a responder would say them', () => {
  expect([5, 300, 5400, 90_000].map(formatDuration)).toEqual(['5s', '5m', '1h 30m', '1d 1h']);
});

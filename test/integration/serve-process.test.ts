import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/stand-in.ts';
import { tempDir } from '../helpers/temp.ts';

const BIN = new URL('../../bin/ssec.js', import.meta.url).pathname;
const TOKEN = 'serve-process-test-token-0123456789';
const fixture = new URL('../fixtures/alerts/eventbridge-guardduty-s3-anomalous-write.json', import.meta.url);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('ssec serve as a process', () => {
  let standIn: SlackStandIn;
  let t: { dir: string; cleanup: () => void };
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    standIn = await startSlackApiStandIn();
    t = tempDir();
  });
  afterAll(async () => {
    // A failed assertion must not leave a bot running behind the test run.
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await standIn?.stop();
    t?.cleanup();
  });

  it('exits 2 naming every missing variable when Slack is not configured', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env.PATH }, stdio: 'pipe' });
    let stderr = '';
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    expect(await exited(child)).toBe(2);
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SSEC_INCIDENT_CHANNEL',
      'SSEC_RESPONDERS',
    ]) {
      expect(stderr).toContain(name);
    }
  });

  it('on SIGTERM finishes the request in flight, exits 0 and leaves the database intact', async () => {
    const port = await freePort();
    const dbPath = join(t.dir, 'serve.db');
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        SLACK_BOT_TOKEN: standIn.botToken,
        SLACK_SIGNING_SECRET: 'serve-process-signing-secret',
        SLACK_API_URL: standIn.apiUrl,
        SSEC_INCIDENT_CHANNEL: 'C0INCIDENTS',
        SSEC_RESPONDERS: 'U0ALICE',
        SSEC_ALERT_TOKEN: TOKEN,
        SSEC_DB_PATH: dbPath,
        SSEC_LOG_LEVEL: 'warn',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      },
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    const exit = exited(child);
    children.push(child);
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toMatchObject({
      ok: true,
      database: 'ok',
      alerts: { waiting: 0, failed: 0 },
      incidents: { open: 0 },
    });
    const body = Buffer.from((await import('node:fs')).readFileSync(fixture));
    // Send half the body, signal the process, then the rest: the request is in flight at SIGTERM.
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/alerts/eventbridge',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-ssec-alert-token': TOKEN,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 100));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.subarray(100)), 300);
      }, 200);
    });
    const res = await answer;
    expect(res.status, res.text).toBe(202);
    expect(await exit, stderr).toBe(0);
    const db = new BetterSqlite3(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM alerts').get()).toEqual({ n: 1 });
    db.close();
  }, 60_000);
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createAppContext } from '../../src/context.ts';
import { silentLogger } from '../../src/logger.ts';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.ts';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/stand-in.ts';
import { SUBCOMMANDS } from '../../src/slack/ssec-command.ts';
import { tempDir } from '../helpers/temp.ts';

const SIGNING_SECRET = 'test-signing-secret-not-real';

describe('the bot over HTTP (Bolt receiver, signed requests)', () => {
  let standIn: SlackStandIn;
  let app: RunningApp;
  let driver: SlackDriver;
  let cleanup: () => void;

  beforeAll(async () => {
    standIn = await startSlackApiStandIn();
    const t = tempDir();
    cleanup = t.cleanup;
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.apiUrl,
      SSEC_INCIDENT_CHANNEL: 'C0INCIDENTS',
      SSEC_RESPONDERS: 'U0ALICE',
      SSEC_DB_PATH: join(t.dir, 'ssec.db'),
    });
    app = await startApp(createAppContext(config, { logger: silentLogger() }), {
      port: 0,
      host: '127.0.0.1',
    });
    driver = createSlackDriver({ botUrl: `${app.url}/slack/events`, signingSecret: SIGNING_SECRET, standIn });
  });

  afterAll(async () => {
    await app?.stop();
    await standIn?.stop();
    cleanup?.();
  });

  it('answers a signed /ssec help within 3 s with every subcommand, ephemerally', async () => {
    const res = await driver.slashCommand({ userId: 'U0ALICE', text: 'help' });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    const body = res.json as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    for (const s of SUBCOMMANDS) expect(body.text).toContain(s.usage);
  });

  it('answers an unknown subcommand with the help and what it did not understand', async () => {
    const res = await driver.slashCommand({ userId: 'U0ALICE', text: 'frobnicate now' });
    expect(res.status).toBe(200);
    const body = res.json as { text: string };
    expect(body.text).toContain('`frobnicate`');
    expect(body.text).toContain('/ssec help');
  });

  it('refuses a wrong signature with 401 and a stale timestamp too', async () => {
    const body = 'command=%2Fssec&text=help&user_id=U0ALICE';
    const wrong = await driver.raw(body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-slack-signature': `v0=${'0'.repeat(64)}`,
    });
    expect(wrong.status).toBe(401);
    const stale = await driver.raw(body, {
      'content-type': 'application/x-www-form-urlencoded',
      ...driver.sign(body, Math.floor(Date.now() / 1000) - 10 * 60),
    });
    expect(stale.status).toBe(401);
  });

  it('reports health, including the database and whether Slack accepted the token', async () => {
    expect(await app.slackIdentity.settled()).toMatchObject({ status: 'ok' });
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      database: 'ok',
      slack: {
        status: 'ok',
        teamId: expect.any(String),
        botUserId: expect.any(String),
        botId: expect.any(String),
      },
    });
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
  });
});

describe('the bot while Slack is away or refuses its token', () => {
  const start = async (env: Record<string, string>) => {
    const t = tempDir();
    const config = loadConfig({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SSEC_INCIDENT_CHANNEL: 'C0INCIDENTS',
      SSEC_RESPONDERS: 'U0ALICE',
      SSEC_DB_PATH: join(t.dir, 'ssec.db'),
      ...env,
    });
    const app = await startApp(createAppContext(config, { logger: silentLogger() }), {
      port: 0,
      host: '127.0.0.1',
    });
    return { app, cleanup: t.cleanup };
  };

  it('starts at once with Slack unreachable, answers /healthz, and says Slack is pending', async () => {
    const began = Date.now();
    // Port 9 (discard) on loopback: nothing listens, every call fails at once.
    const { app, cleanup } = await start({
      SLACK_BOT_TOKEN: ['xoxb', 'fake', 'unreachable'].join('-'),
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
    });
    try {
      expect(Date.now() - began).toBeLessThan(5000);
      const health = await fetch(`${app.url}/healthz`);
      expect(health.status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const body = (await (await fetch(`${app.url}/healthz`)).json()) as {
        slack: { status: string; lastError?: string };
      };
      expect(body.slack.status).toBe('pending');
      expect(body.slack.lastError).toBeTruthy();
    } finally {
      await app.stop();
      cleanup();
    }
  });

  it('keeps running when Slack refuses the token, and says so on /healthz', async () => {
    const standIn = await startSlackApiStandIn();
    const { app, cleanup } = await start({
      SLACK_BOT_TOKEN: ['xoxb', 'fake', 'refused'].join('-'),
      SLACK_API_URL: standIn.apiUrl,
    });
    try {
      expect(await app.slackIdentity.settled()).toEqual({ status: 'refused', error: 'invalid_auth' });
      const body = await (await fetch(`${app.url}/healthz`)).json();
      expect(body).toMatchObject({ ok: true, slack: { status: 'refused', error: 'invalid_auth' } });
    } finally {
      await app.stop();
      await standIn.stop();
      cleanup();
    }
  });
});

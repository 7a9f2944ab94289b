// The bot in Socket Mode, at the real boundary: Bolt's SocketModeReceiver (@slack/socket-mode over
// undici's WebSocket) calls `apps.connections.open` on the Slack stand-in with the app token, connects
// to the WebSocket URL it answers, and acks the envelopes the stand-in pushes. Everything is loopback.

import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RunningBot, startBot } from '../../src/bot.ts';
import { loadConfig } from '../../src/config/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { createSocketModeDriver, type SocketModeDriver } from '../../src/sandbox/slack/socket-mode-driver.ts';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/stand-in.ts';
import { SUBCOMMANDS } from '../../src/slack/ssec-command.ts';
import { tempDir } from '../helpers/temp.ts';

// Obviously fake; built at runtime so the source holds no string shaped like a real Slack token.
const APP_TOKEN = ['xapp', '1', 'FAKE', 'socket-mode-test-not-a-real-token'].join('-');
const WRONG_APP_TOKEN = ['xapp', '1', 'FAKE', 'some-other-app'].join('-');
const CHANNEL = 'C0INCIDENTS';
const ALICE = 'U0ALICE';

/** `apps.connections.open` with this bearer token (or none), as @slack/socket-mode calls it. */
async function connectionsOpen(standIn: SlackStandIn, token: string | undefined) {
  const client = new WebClient(undefined, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
  try {
    return await client.apps.connections.open({});
  } catch (err) {
    return (err as { data: { ok: boolean; error: string } }).data;
  }
}

/** Opens a WebSocket to `url`; resolves with the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('the bot in Socket Mode (Bolt SocketModeReceiver over a real WebSocket)', () => {
  let standIn: SlackStandIn;
  let bot: RunningBot;
  let driver: SocketModeDriver;
  let cleanup: () => void;

  beforeAll(async () => {
    standIn = await startSlackApiStandIn({
      appToken: APP_TOKEN,
      users: [{ id: ALICE, name: 'alice' }],
      // Ping often so the test sees the app answer the stand-in's pings.
      socketPingIntervalMs: 250,
      triggerTtlMs: 0,
    });
    standIn.addChannel({ id: CHANNEL, name: 'incidents' });
    const t = tempDir('ssec-socket-');
    cleanup = t.cleanup;
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: standIn.apiUrl,
      SSEC_INCIDENT_CHANNEL: CHANNEL,
      SSEC_RESPONDERS: ALICE,
      SSEC_DB_PATH: join(t.dir, 'ssec.db'),
      SSEC_LOG_LEVEL: 'error',
    });
    expect(config.slack.signingSecret).toBeUndefined();
    bot = await startBot(config, { logger: silentLogger(), port: 0, host: '127.0.0.1' });
    driver = createSocketModeDriver({ standIn, defaultChannelId: CHANNEL });
  });

  afterAll(async () => {
    await bot?.stop();
    await standIn?.stop();
    cleanup?.();
  });

  it('connects with the app token: apps.connections.open, then a WebSocket greeted with hello', async () => {
    const conn = await standIn.socketMode.waitForConnection(5000);
    expect(standIn.socketMode.connected).toBe(1);
    expect(conn.closedAt).toBeUndefined();
    const opens = standIn.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ ok: true, status: 200 });
    expect((opens[0]!.response as { url: string }).url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
    // No Slack request reaches the bot over HTTP in Socket Mode (there is no signing secret to check).
    const post = await fetch(`${bot.url}/slack/events`, { method: 'POST', body: 'command=%2Fssec' });
    expect(post.status).toBe(405);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it('acks /ssec help with the same envelope id within 3 s, and Slack shows the help ephemerally', async () => {
    const ack = await driver.slashCommand(
      { userId: ALICE, text: 'help', channelId: CHANNEL },
      { timeoutMs: 3000 },
    );
    const sent = standIn.socketMode.sent.at(-1);
    expect(sent?.type).toBe('slash_commands');
    expect(sent?.payload).toMatchObject({
      command: '/ssec',
      text: 'help',
      user_id: ALICE,
      channel_id: CHANNEL,
    });
    expect(ack.envelopeId).toBe(sent?.envelope_id);
    expect(ack.ms).toBeLessThan(3000);
    expect(standIn.socketMode.unexpected).toEqual([]);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    const shown = await standIn.waitFor(() =>
      standIn.ephemerals({ channel: CHANNEL, user: ALICE }).find((e) => e.text.includes('/ssec help')),
    );
    for (const s of SUBCOMMANDS) expect(shown.text).toContain(s.usage);
    expect(shown.source).toBe('command_ack');
  });

  it('answers an unknown subcommand over the socket too', async () => {
    const ack = await driver.slashCommand({ userId: ALICE, text: 'frobnicate', channelId: CHANNEL });
    expect(String(ack.payload?.text)).toContain('`frobnicate`');
  });

  it('refuses apps.connections.open without the app token, and one-use URLs a second time', async () => {
    expect(await connectionsOpen(standIn, WRONG_APP_TOKEN)).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await connectionsOpen(standIn, standIn.botToken)).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await connectionsOpen(standIn, undefined)).toMatchObject({ ok: false, error: 'not_authed' });
    expect(standIn.callsTo('apps.connections.open').filter((c) => !c.ok)).toHaveLength(3);
    // The bot token's methods refuse the app token.
    const asApp = new WebClient(APP_TOKEN, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
    await expect(asApp.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });

    const used = (standIn.callsTo('apps.connections.open')[0]!.response as { url: string }).url;
    expect(await upgradeStatus(used)).toBe(401);
    const fresh = (await connectionsOpen(standIn, APP_TOKEN)) as { ok: boolean; url: string };
    expect(fresh.ok).toBe(true);
    expect(await upgradeStatus(fresh.url)).toBe(101);
    await standIn.waitFor(() => (standIn.socketMode.connected === 1 ? true : undefined));
    expect(await upgradeStatus(fresh.url)).toBe(401);
  });

  it('keeps the connection alive with pings both ways', async () => {
    const conn = await standIn.socketMode.waitForConnection();
    // @slack/socket-mode pings every clientPingTimeout / 3 (1.67 s) and drops a link that does not pong.
    await standIn.waitFor(() => (conn.pingsFromApp >= 1 && conn.pongsFromApp >= 1 ? true : undefined), 5000);
    expect(conn.closedAt).toBeUndefined();
  });

  it('reconnects when Slack sends disconnect, and answers on the new connection', async () => {
    const before = standIn.socketMode.connections.length;
    standIn.socketMode.requestDisconnect('refresh_requested');
    await standIn.socketMode.waitForNoConnection(5000);
    // The client waits clientPingTimeout (5 s) before it reconnects.
    await standIn.waitFor(
      () =>
        standIn.socketMode.connections.length > before && standIn.socketMode.connected === 1
          ? true
          : undefined,
      12_000,
    );
    expect(standIn.callsTo('apps.connections.open').filter((c) => c.ok).length).toBeGreaterThanOrEqual(3);
    const ack = await driver.slashCommand({ userId: ALICE, text: 'help', channelId: CHANNEL });
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
  }, 20_000);

  it('closes the socket when the bot stops, and stop() resolves', async () => {
    const open = (await standIn.socketMode.waitForConnection()) as { closedAt?: Date; closeCode?: number };
    await expect(bot.stop()).resolves.toBeUndefined();
    await standIn.socketMode.waitForNoConnection(5000);
    expect(open.closedAt).toBeInstanceOf(Date);
    expect(open.closeCode).toBe(1000);
    await expect(standIn.socketMode.push('slash_commands', { command: '/ssec' })).rejects.toThrow(
      /no app is connected over Socket Mode/,
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('a refused app token', () => {
  it('fails the start with Slack’s error and leaves neither the port nor the database held', async () => {
    const standIn = await startSlackApiStandIn({ appToken: APP_TOKEN });
    const t = tempDir('ssec-socket-refused-');
    const dbPath = join(t.dir, 'ssec.db');
    try {
      const config = loadConfig({
        SLACK_BOT_TOKEN: standIn.botToken,
        SLACK_APP_TOKEN: WRONG_APP_TOKEN,
        SLACK_API_URL: standIn.apiUrl,
        SSEC_INCIDENT_CHANNEL: CHANNEL,
        SSEC_RESPONDERS: ALICE,
        SSEC_DB_PATH: dbPath,
        SSEC_LOG_LEVEL: 'error',
      });
      const port = await freePort();
      await expect(startBot(config, { logger: silentLogger(), port, host: '127.0.0.1' })).rejects.toThrow(
        /invalid_auth/,
      );
      expect(standIn.socketMode.connected).toBe(0);
      // The port was let go: another bot starts on it at once, on the same database.
      const ok = loadConfig({
        SLACK_BOT_TOKEN: standIn.botToken,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: standIn.apiUrl,
        SSEC_INCIDENT_CHANNEL: CHANNEL,
        SSEC_RESPONDERS: ALICE,
        SSEC_DB_PATH: dbPath,
        SSEC_LOG_LEVEL: 'error',
      });
      const bot = await startBot(ok, { logger: silentLogger(), port, host: '127.0.0.1' });
      expect(bot.port).toBe(port);
      await standIn.socketMode.waitForConnection(5000);
      await bot.stop();
    } finally {
      await standIn.stop();
      t.cleanup();
    }
  }, 20_000);
});

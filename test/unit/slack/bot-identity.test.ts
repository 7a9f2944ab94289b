import { WebClient } from '@slack/web-api';
import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.ts';
import { startSlackApiStandIn } from '../../../src/sandbox/slack/stand-in.ts';
import { createSlackIdentity } from '../../../src/slack/bot-identity.ts';

it('keeps asking while Slack is away, and learns the bot’s ids once it answers', async () => {
  // A stand-in started and stopped only to find a port that nothing listens on for a while.
  const probe = await startSlackApiStandIn();
  const { port } = new URL(probe.url);
  const token = probe.botToken;
  await probe.stop();
  const client = new WebClient(undefined, {
    slackApiUrl: `http://127.0.0.1:${port}/api/`,
    retryConfig: { retries: 0 },
  });
  const identity = createSlackIdentity({ client, botToken: token, logger: silentLogger(), retryMs: 100 });
  try {
    expect(await identity.authorize()).toEqual({ botToken: token });
    await new Promise((r) => setTimeout(r, 150));
    expect(identity.state()).toMatchObject({ status: 'pending', lastError: expect.any(String) });

    const standIn = await startSlackApiStandIn({ port: Number(port), botToken: token });
    try {
      const state = await identity.settled();
      expect(state).toMatchObject({ status: 'ok', botUserId: standIn.workspace.bot.userId });
      expect(await identity.authorize()).toMatchObject({
        botToken: token,
        botUserId: standIn.workspace.bot.userId,
      });
      expect(standIn.callsTo('auth.test').filter((c) => c.ok)).toHaveLength(1);
    } finally {
      await standIn.stop();
    }
  } finally {
    identity.stop();
  }
});

// Shared set-up for tests that talk to the Slack stand-in with the real WebClient.

import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackStandIn } from '../../src/sandbox/slack/index.ts';

// WebClient logs every refusal at error level; the tests assert on them instead.
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/**
 * A WebClient pointed at the stand-in; no retries unless asked, so refusals come back at once.
 * `token: null` sends no token at all.
 */
export function clientFor(
  standIn: SlackStandIn,
  token: string | null = standIn.botToken,
  opts: WebClientOptions = {},
) {
  return new WebClient(token ?? undefined, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    logger: quiet,
    ...opts,
  });
}

/** The Slack error code (and messages) of a rejected WebClient call. */
export async function slackError(call: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  try {
    await call;
  } catch (err) {
    const data = (err as { data?: { error?: string; response_metadata?: { messages?: string[] } } }).data;
    return { error: data?.error ?? String(err), messages: data?.response_metadata?.messages ?? [] };
  }
  throw new Error('expected the Slack call to be refused, but it succeeded');
}

export const section = (text: string, blockId?: string) => ({
  type: 'section',
  ...(blockId ? { block_id: blockId } : {}),
  text: { type: 'mrkdwn', text },
});

export const button = (actionId: string, label: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text: label },
  ...extra,
});

export const modal = (blocks: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'modal' as const,
  title: { type: 'plain_text' as const, text: 'Declare incident' },
  blocks,
  ...extra,
});

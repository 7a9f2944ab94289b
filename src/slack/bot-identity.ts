// Who the bot is in Slack (auth.test), learned in the background. Bolt's default asks auth.test
// before the app may start, with the Web API's retries (about 30 minutes): a bot restarted during a
// Slack outage would then not serve its alert webhooks or health check either, though alerts need
// no Slack at all. Here the app starts at once; the identity arrives when Slack answers, and a
// refused token (a permanent error) is logged loudly and shown on /healthz.

import type { Logger } from '../logger.ts';
import type { WebClient } from './incident-notifier.ts';

export type SlackIdentityState =
  | { status: 'pending'; lastError?: string }
  | { status: 'ok'; teamId?: string; botUserId?: string; botId?: string }
  | { status: 'refused'; error: string };

export interface SlackIdentity {
  /** Bolt's `authorize`: the bot token always, with the ids once known. */
  authorize(): Promise<{ botToken: string; botUserId?: string; botId?: string; teamId?: string }>;
  state(): SlackIdentityState;
  /** Resolves once Slack has answered auth.test either way (tests, start-up logs). */
  settled(): Promise<SlackIdentityState>;
  stop(): void;
}

// Slack's answers that no retry can fix.
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

export function createSlackIdentity(opts: {
  client: Pick<WebClient, 'auth'>;
  botToken: string;
  logger: Logger;
  retryMs?: number;
}): SlackIdentity {
  const retryMs = opts.retryMs ?? 30_000;
  let current: SlackIdentityState = { status: 'pending' };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let settle: (s: SlackIdentityState) => void = () => {};
  const settledOnce = new Promise<SlackIdentityState>((resolve) => {
    settle = resolve;
  });

  async function check(): Promise<void> {
    try {
      const r = await opts.client.auth.test({ token: opts.botToken });
      current = {
        status: 'ok',
        ...(r.team_id ? { teamId: r.team_id } : {}),
        ...(r.user_id ? { botUserId: r.user_id } : {}),
        ...(r.bot_id ? { botId: r.bot_id } : {}),
      };
      opts.logger.info({ team: r.team, user: r.user }, 'Slack token verified');
      settle(current);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code && PERMANENT.has(code)) {
        current = { status: 'refused', error: code };
        opts.logger.error(
          { error: code },
          `Slack refused SLACK_BOT_TOKEN (${code}): nothing can be posted until it is fixed`,
        );
        settle(current);
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      current = { status: 'pending', lastError: message };
      opts.logger.warn({ err: message }, 'Slack did not answer auth.test; the bot runs and tries again');
      if (!stopped) {
        timer = setTimeout(() => void check(), retryMs);
        timer.unref();
      }
    }
  }
  void check();

  return {
    async authorize() {
      const s = current;
      return {
        botToken: opts.botToken,
        ...(s.status === 'ok' ? { botUserId: s.botUserId, botId: s.botId, teamId: s.teamId } : {}),
      };
    },
    state: () => current,
    settled: () => settledOnce,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

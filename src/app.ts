import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { AppContext } from './context.ts';
import { ConfigError } from './errors.ts';
import { createHttpServer, listen, type RouteHandler, sendJson } from './receivers/http-server.ts';
import { toBoltLogger } from './slack/bolt-logger.ts';
import { createSlackIdentity, type SlackIdentity } from './slack/bot-identity.ts';
import { registerSlackListeners, type SlackListenerDeps } from './slack/listeners.ts';

export interface RunningApp {
  url: string;
  port: number;
  bolt: App;
  /** Whether Slack has accepted the bot token yet (checked beside the app, never before it). */
  slackIdentity: SlackIdentity;
  /** Stops accepting work, lets in-flight requests and listeners finish, closes the database. */
  stop(): Promise<void>;
}

export interface StartAppOptions {
  port?: number;
  host?: string;
  /** Extra routes (`METHOD /path`), e.g. the alert webhooks. */
  routes?: Record<string, RouteHandler>;
  commands?: SlackListenerDeps['commands'];
  /** Called by stop() before the database closes (workflow runtime, sweepers). */
  onStop?: () => Promise<void> | void;
  register?: (app: App) => void;
  /** More to report on /healthz (backlogs), read only when the database answers. */
  healthDetails?: () => Record<string, unknown>;
}

/** Builds the Bolt app and the HTTP server from the context and starts them. */
export async function startApp(ctx: AppContext, opts: StartAppOptions = {}): Promise<RunningApp> {
  const { config, logger } = ctx;
  const socketMode = config.slack.appToken !== undefined;
  const boltLogger = toBoltLogger(logger);

  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        endpoints: '/slack/events',
        logger: boltLogger,
        // Ack fast; listeners keep working after the HTTP answer.
        processBeforeResponse: false,
      });

  const botToken = config.slack.botToken;
  if (!botToken)
    throw new ConfigError([
      'SLACK_BOT_TOKEN is not set: the bot posts with it. Example: SLACK_BOT_TOKEN=xoxb-…',
    ]);
  // Slack's check of the token runs beside the app, not before it: see bot-identity.ts.
  const identity = createSlackIdentity({
    client: new WebClient(undefined, {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      retryConfig: { retries: 0 },
      logger: boltLogger,
    }),
    botToken,
    logger: logger.child({ component: 'slack-identity' }),
  });
  const bolt = new App({
    authorize: () => identity.authorize(),
    logger: boltLogger,
    deferInitialization: true,
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.slack.appToken }),
    ...(socketMode ? { signingSecret: config.slack.signingSecret } : {}),
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {},
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  bolt.use(async ({ next }) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  });
  registerSlackListeners(bolt, { logger, commands: opts.commands });
  opts.register?.(bolt);
  await bolt.init();

  const routes: Record<string, RouteHandler> = {
    'GET /healthz': (_req, res) => {
      const ok = ctx.store.healthy();
      // Slack's state is reported, not judged: the bot still takes alerts while Slack is away.
      sendJson(res, ok ? 200 : 503, {
        ok,
        database: ok ? 'ok' : 'unavailable',
        slack: identity.state(),
        ...(ok ? opts.healthDetails?.() : {}),
      });
    },
    ...opts.routes,
  };
  const server = createHttpServer({ routes, slackListener: receiver?.requestListener, logger });
  const running = await listen(server, opts.port ?? config.port, opts.host).catch((error: unknown) => {
    identity.stop();
    ctx.store.close();
    throw error;
  });
  if (socketMode) {
    try {
      await bolt.start();
    } catch (error) {
      // A refused app token must not leave a half-started bot holding the port and the database.
      await running.close();
      identity.stop();
      ctx.store.close();
      throw error;
    }
  }
  logger.info({ url: running.url, socketMode }, 'ssec-responder listening');

  let stopping: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    bolt,
    slackIdentity: identity,
    stop: () => {
      stopping ??= (async () => {
        await running.close();
        identity.stop();
        if (socketMode) await bolt.stop();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, 25_000).unref();
          });
        }
        await opts.onStop?.();
        ctx.store.close();
        logger.info('ssec-responder stopped');
      })();
      return stopping;
    },
  };
}

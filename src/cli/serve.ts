import { startBot } from '../bot.ts';
import { loadConfig } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import { type CliIo, EXIT } from './io.ts';

export async function runServeCommand(_args: string[], io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env, { mode: 'serve' });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const app = await startBot(config);
  const { logger } = app.ctx;
  io.stderr.write(
    `ssec-responder listening on ${app.url} (POST /slack/events, /alerts/eventbridge, /alerts/sns; GET /healthz)\n`,
  );
  return await new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      app.stop().then(
        () => resolve(EXIT.ok),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(EXIT.failed);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

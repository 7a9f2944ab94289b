import { startApp } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { createAppContext } from '../context.ts';
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
  const ctx = createAppContext(config);
  const app = await startApp(ctx);
  io.stderr.write(`ssec-responder listening on ${app.url} (POST /slack/events, GET /healthz)\n`);
  return await new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      ctx.logger.info({ signal }, 'shutting down');
      app.stop().then(
        () => resolve(EXIT.ok),
        (error: unknown) => {
          ctx.logger.error({ err: error }, 'shutdown failed');
          resolve(EXIT.failed);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

import type { Config } from './config/config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStore, type Store } from './store/store.ts';

export type Clock = () => Date;

/**
 * The one composition root: everything that talks to the outside world is built here from the
 * config, and handed down. Tests build it with their own endpoints and clock.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  store: Store;
  clock: Clock;
}

export interface ContextOverrides {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
}

export function createAppContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const store = overrides.store ?? createStore(config.dbPath);
  return { config, logger, store, clock: overrides.clock ?? (() => new Date()) };
}

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Config, loadConfig } from '../config/config.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { type CliIo, EXIT } from './io.ts';

/**
 * Parses a command's options strictly; an unknown or malformed option is a UsageError (exit 2)
 * that ends with the command's help, never a crash reported as a failure.
 */
export function parseCommandLine<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  help: string,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${help}`);
  }
}

/**
 * The configuration and options a command runs with, or the exit code when it ends before doing
 * anything: its help (0), or a configuration or usage problem explained on stderr (2).
 */
export function prepareCommand<A>(
  io: CliIo,
  help: string,
  parse: (config: Config) => A | 'help',
): { config: Config; args: A } | number {
  try {
    const config = loadConfig(io.env, { mode: 'cli' });
    const args = parse(config);
    if (args === 'help') {
      io.stdout.write(`${help}\n`);
      return EXIT.ok;
    }
    return { config, args };
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

import { isSsecError } from '../errors.ts';
import { type CliIo, EXIT, processIo } from './io.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: {
    summary: 'Run the bot (Slack + alert webhooks + health) on PORT',
    load: async () => (await import('./serve.ts')).runServeCommand,
  },
  drill: {
    summary: 'Run a whole incident end to end on this machine (local AWS and Slack stand-ins)',
    load: async () => (await import('../drill/drill-command.ts')).runDrillCommand,
  },
  sandbox: {
    summary: 'Run the local AWS stand-in and print its endpoint',
    load: async () => (await import('./sandbox.ts')).runSandboxCommand,
  },
  assess: {
    summary: 'List every object the attacker encrypted and the clean version to restore (read-only)',
    load: async () => (await import('./assess.ts')).runAssessCommand,
  },
  contain: {
    summary: 'Disable a key, block SSE-C writes and defuse lifecycle rules (asks first)',
    load: async () => (await import('./contain.ts')).runContainCommand,
  },
  recover: {
    summary: 'Restore the clean versions of attacked objects, then verify (asks first)',
    load: async () => (await import('./recover.ts')).runRecoverCommand,
  },
  incidents: {
    summary: 'List incidents with phase, age and pending approvals',
    load: async () => (await import('./incidents.ts')).runIncidentsCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: ssec <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `ssec <command> --help` for its options.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (isSsecError(error) && error.code === 'SSEC_USAGE') {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`ssec ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

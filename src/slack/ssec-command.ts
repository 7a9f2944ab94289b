// The `/ssec` command's grammar: one table drives the help text and the parser, so help never
// drifts from what is actually understood.

export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'help', usage: '/ssec help', summary: 'Show this list.' },
  {
    name: 'declare',
    usage: '/ssec declare <bucket…> [--key AKIA…] [--since 2026-01-13T00:00Z]',
    summary: 'Open an incident by hand (a form opens when arguments are missing).',
  },
  { name: 'list', usage: '/ssec list', summary: 'List open incidents and their phase.' },
  {
    name: 'status',
    usage: '/ssec status [INC-n]',
    summary: 'Show where an incident stands and who it waits on.',
  },
  {
    name: 'assess',
    usage: '/ssec assess [INC-n]',
    summary: 'Re-run the read-only scan for attacked objects.',
  },
  {
    name: 'contain',
    usage: '/ssec contain [INC-n] [--skip deactivate,deny-all,sessions,block,lifecycle] [--dry-run]',
    summary:
      'Ask to disable the key, block SSE-C writes and defuse the lifecycle rule (--skip leaves parts out).',
  },
  {
    name: 'recover',
    usage: '/ssec recover [INC-n] [--strategy versions|backup|batch] [--dry-run]',
    summary: 'Ask to restore the clean versions (then verify).',
  },
  {
    name: 'rollback',
    usage: '/ssec rollback [INC-n] [--dry-run]',
    summary: 'Ask to undo containment, back to the saved before-state.',
  },
  {
    name: 'report',
    usage: '/ssec report [INC-n]',
    summary: 'Attach the post-incident report to the thread.',
  },
  {
    name: 'close',
    usage: '/ssec close [INC-n] [reason]',
    summary: 'Close the incident (cancel it if not recovered).',
  },
];

export type ParsedCommand =
  | { kind: 'subcommand'; name: string; positional: string[]; flags: Record<string, string | true> }
  | { kind: 'unknown'; given: string };

/** Splits on whitespace, honouring "double quotes"; `--flag value` and `--flag=value`; `--x` alone is true. */
export function parseSsecCommand(text: string): ParsedCommand {
  const tokens = [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  const name = (tokens.shift() ?? 'help').toLowerCase();
  if (!SUBCOMMANDS.some((s) => s.name === name)) return { kind: 'unknown', given: name };
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith('--')) {
      const [flag, inline] = t.slice(2).split(/=(.*)/s);
      const next = tokens[i + 1];
      if (inline !== undefined) flags[flag!] = inline;
      else if (next !== undefined && !next.startsWith('--') && BOOLEAN_FLAGS.has(flag!) === false) {
        flags[flag!] = next;
        i++;
      } else flags[flag!] = true;
    } else positional.push(t);
  }
  return { kind: 'subcommand', name, positional, flags };
}

const BOOLEAN_FLAGS = new Set(['dry-run', 'yes']);

export function helpText(): string {
  return ['*ssec-responder commands*', ...SUBCOMMANDS.map((s) => `• \`${s.usage}\` — ${s.summary}`)].join(
    '\n',
  );
}

export function unknownCommandText(given: string): string {
  return `I did not understand \`${given}\`. Here is what I know:\n\n${helpText()}`;
}

// Which incident a command means: the one it names (`INC-7`, `inc-7`, `7`), else the only open one.
// When that is not clear, the answer says exactly what to type instead of guessing.

import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';

export type Target = { ok: true; incident: Incident; rest: string[] } | { ok: false; message: string };

const REF = /^(inc-)?\d+$/i;

export function resolveTarget(
  store: Store,
  subcommand: string,
  positional: string[],
  opts: { allowClosed?: boolean; example?: string } = {},
): Target {
  const example = (ref: string) => `\`/ssec ${subcommand} ${ref}${opts.example ? ` ${opts.example}` : ''}\``;
  const [first, ...rest] = positional;
  const open = store.incidents.listOpen();
  if (first !== undefined && REF.test(first)) {
    const incident = store.incidents.find(first.replace(/^inc-/i, ''));
    if (!incident) {
      const refs = open.map((i) => i.ref);
      return {
        ok: false,
        message:
          `There is no incident ${first.toUpperCase().startsWith('INC-') ? first.toUpperCase() : `INC-${first}`}.` +
          (refs.length > 0
            ? ` Open incidents: ${refs.join(', ')}. For example: ${example(refs[0]!)}`
            : ' No incident is open.'),
      };
    }
    if (incident.status !== 'open' && !opts.allowClosed) {
      return {
        ok: false,
        message: `${incident.ref} is ${incident.status}; \`/ssec ${subcommand}\` only works on open incidents.`,
      };
    }
    return { ok: true, incident, rest };
  }
  if (open.length === 1) return { ok: true, incident: open[0]!, rest: positional };
  if (open.length === 0) {
    return {
      ok: false,
      message: opts.allowClosed
        ? `No incident is open. Name one: ${example('INC-1')} (\`/ssec list\` shows open ones).`
        : 'No incident is open. To open one by hand: `/ssec declare <bucket> [--key AKIA…]`.',
    };
  }
  const refs = open.map((i) => i.ref);
  const shown =
    refs.length > 10 ? `${refs.slice(0, 10).join(', ')} …and ${refs.length - 10} more` : refs.join(', ');
  return {
    ok: false,
    message: `${open.length} incidents are open (${shown}); say which one: ${example(refs[0]!)}`,
  };
}

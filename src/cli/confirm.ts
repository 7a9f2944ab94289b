import { createInterface } from 'node:readline';
import type { CliIo } from './io.ts';

/**
 * A change to AWS goes ahead only with --yes, or a "y" typed on a terminal; without a terminal
 * it is refused (exit 2) rather than assumed.
 */
export async function confirmChange(
  io: CliIo,
  yes: boolean,
  question: string,
): Promise<'yes' | 'no' | 'refused'> {
  if (yes) return 'yes';
  if (!io.interactive || !io.stdin) {
    io.stderr.write(
      'This would change AWS. Not on a terminal, so not asking: re-run with --yes to go ahead.\n',
    );
    return 'refused';
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${question} [y/N] `, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim()) ? 'yes' : 'no';
  } finally {
    rl.close();
  }
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const CHILD = path.join(import.meta.dirname, 'crash-child.ts');

export type ChildLine = Record<string, unknown> & { t: string };

/** The crash child, driven over stdin and observed line by line on stdout. */
export interface WorkflowChild {
  proc: ChildProcessWithoutNullStreams;
  lines: ChildLine[];
  /** Resolves with the first line (from `from` on) matching `pred`. */
  waitFor(pred: (l: ChildLine) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<ChildLine>;
  command(c: Record<string, unknown>): void;
  kill(): Promise<void>;
  stderr(): string;
}

export function spawnWorkflowChild(dbPath: string, env: Record<string, string> = {}): WorkflowChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: ChildLine[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let exited = false;
  proc.stderr.on('data', (d) => {
    err += String(d);
  });
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      for (const w of waiters) w();
      resolve();
    }),
  );
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as ChildLine);
    } catch {
      lines.push({ t: 'text', line });
    }
    for (const w of waiters) w();
  });

  return {
    proc,
    lines,
    waitFor(pred, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (exited) {
            done();
            reject(
              new Error(
                `child exited before the awaited line; stderr:\n${err}\nlines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `timed out; lines so far:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    command(c) {
      proc.stdin.write(`${JSON.stringify(c)}\n`);
    },
    async kill() {
      if (!exited) proc.kill('SIGKILL');
      await exit;
    },
    stderr: () => err,
  };
}

import type { Writable } from 'node:stream';

/** What a command may touch of its process, injectable so commands are testable in-process. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** True when stdin and stderr are terminals: confirmations and live progress only then. */
  interactive: boolean;
  stdin?: NodeJS.ReadableStream;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    stdin: process.stdin,
  };
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Keys are attacker-controlled: never let one put terminal escape sequences on a responder's screen. */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

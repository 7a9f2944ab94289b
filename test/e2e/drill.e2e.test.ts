import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/ssec.js', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ssec drill` as a user would, answering its prompts with `answer` when given. */
function drill(args: string[], answer?: (prompt: string, transcript: string) => string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'drill', '--no-color', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    let answered = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!answer) return;
      // Each prompt ends with this line; answer every new one exactly once.
      const prompts = stdout.split(/Choose 1-\d+, Enter to wait, q to stop: \n/);
      while (answered < prompts.length - 1) {
        const before = prompts.slice(0, answered + 1).join('\n');
        child.stdin.write(`${answer(prompts[answered]!, before)}\n`);
        answered++;
      }
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function summaryValue(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(label));
  return line?.slice(line.indexOf(label) + label.length).trim() ?? '';
}

describe('ssec drill', () => {
  it('--yes: the whole incident on its defaults, every recoverable object restored, exit 0', async () => {
    const run = await drill(['--yes', '--timeout', '240']);
    expect(run.stderr).not.toMatch(/failed|Error/);
    expect(run.code).toBe(0);
    const attacked = Number(summaryValue(run.stdout, 'objects attacked'));
    expect(attacked).toBeGreaterThan(500);
    expect(summaryValue(run.stdout, 'restored')).toMatch(new RegExp(`^${attacked} readable without a key`));
    expect(summaryValue(run.stdout, 'still encrypted')).toBe('0');
    expect(run.stdout).toMatch(/leaked key AKIA\w+ +Inactive/);
    expect(summaryValue(run.stdout, 'SSE-C writes blocked')).toMatch(/^yes/);
    expect(summaryValue(run.stdout, 'lifecycle defused')).toMatch(/^yes/);
    expect(run.stdout).toContain('Bucket verified clean.');
    // Two different people: one asks, the other approves.
    expect(run.stdout).toMatch(/alice clicks “Request containment”[\s\S]*bob clicks “Approve”/);
  }, 300_000);

  it('interactive: a person at the prompt takes the decisions', async () => {
    const wanted = [
      /^Approve/,
      /^Request containment$/,
      /^Request recovery: prior versions$/,
      /^Close incident$/,
    ];
    const run = await drill(['--objects', '150', '--seed', '7', '--timeout', '240'], (prompt) => {
      const choices = [...prompt.matchAll(/^ {2}\[(\d+)\] (.+)$/gm)].map((m) => ({ n: m[1]!, label: m[2]! }));
      for (const w of wanted) {
        const c = choices.find((x) => w.test(x.label));
        if (c) return c.n;
      }
      return '';
    });
    expect(run.code, run.stdout.slice(-2000)).toBe(0);
    expect(run.stdout).toContain('Your decision');
    expect(run.stdout).toContain('Bucket verified clean.');
  }, 300_000);

  it('refuses bad options with exit 2 and says what to fix', async () => {
    const run = await drill(['--objects', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--objects must be a whole number');
    const unknown = await drill(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--frobnicate'");
    expect(unknown.stderr).toContain('Usage: ssec drill');
  });
});

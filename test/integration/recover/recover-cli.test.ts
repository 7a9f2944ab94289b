import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';
import { runRecoverCommand } from '../../../src/cli/recover.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { tempDir } from '../../helpers/temp.ts';
import { manyObjects, seedAttack } from './seed-attack.ts';

let sandbox: AwsSandbox;
const dir = tempDir('ssec-recover-cli-');

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 13 });
});
afterAll(async () => {
  await sandbox.stop();
  dir.cleanup();
});
beforeEach(() => {
  sandbox.s3.reset();
  sandbox.counters.reset();
});

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

function io(opts: { interactive?: boolean; answer?: string; db: string }) {
  const stdout = sink();
  const stderr = sink();
  const stdin = new PassThrough();
  if (opts.answer !== undefined) stdin.end(`${opts.answer}\n`);
  const value: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    interactive: opts.interactive ?? false,
    stdin,
    env: {
      AWS_ENDPOINT_URL: sandbox.endpoint,
      AWS_REGION: sandbox.region,
      AWS_ACCESS_KEY_ID: sandbox.adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.adminCredentials.secretAccessKey,
      SSEC_S3_FORCE_PATH_STYLE: 'true',
      SSEC_DB_PATH: opts.db,
    },
  };
  return { io: value, stdout: stdout.text, stderr: stderr.text };
}

const SINCE = '2025-01-10T00:00:00Z';

describe('ssec recover', () => {
  it('refuses to change AWS without a terminal or --yes (exit 2), and changes nothing', async () => {
    seedAttack(sandbox, null, 'cli-victim', manyObjects(5));
    const t = io({ db: join(dir.dir, 'refuse.db') });
    const code = await runRecoverCommand(['--bucket', 'cli-victim', '--since', SINCE], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toMatch(/--yes/);
    expect(t.stdout()).toBe('');
    expect(sandbox.counters.get('CopyObject')).toBe(0);
  });

  it('assesses, restores and verifies with --yes; stdout is one JSON document', async () => {
    const objects = manyObjects(25);
    seedAttack(sandbox, null, 'cli-victim', objects);
    const t = io({ db: join(dir.dir, 'yes.db') });
    const code = await runRecoverCommand(
      ['--bucket', 'cli-victim', '--since', SINCE, '--yes', '--format', 'json', '--concurrency', '4'],
      t.io,
    );
    expect(t.stderr()).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(t.stdout()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      restored: 25,
      failed: 0,
      unrecoverable: 0,
      strategy: 'versions',
      verify: { done: true, checked: 25 },
    });
    expect(sandbox.counters.get('CopyObject')).toBe(25);

    // Again, from the recorded run: nothing to copy, still verified.
    const again = io({ db: join(dir.dir, 'yes.db') });
    const runId = (doc.runIds as number[])[0]!;
    expect(await runRecoverCommand(['--run-id', String(runId), '--format', 'json'], again.io)).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ restored: 25, copied: 0 });
    expect(sandbox.counters.get('CopyObject')).toBe(25);
  });

  it('dry run prints the plan and copies nothing; a terminal "n" declines', async () => {
    seedAttack(sandbox, null, 'cli-victim', manyObjects(8));
    const dry = io({ db: join(dir.dir, 'dry.db') });
    expect(
      await runRecoverCommand(
        ['--bucket', 'cli-victim', '--since', SINCE, '--dry-run', '--format', 'json'],
        dry.io,
      ),
    ).toBe(0);
    const plan = JSON.parse(dry.stdout()) as {
      dryRun: boolean;
      plan: Array<{ toRestore: number }>;
      restored: number;
    };
    expect(plan).toMatchObject({ dryRun: true, restored: 0 });
    expect(plan.plan[0]?.toRestore).toBe(8);

    const no = io({ db: join(dir.dir, 'dry.db'), interactive: true, answer: 'n' });
    expect(await runRecoverCommand(['--bucket', 'cli-victim', '--since', SINCE], no.io)).toBe(1);
    expect(no.stderr()).toMatch(/\[y\/N\]/);
    expect(no.stdout()).toBe('');
    expect(sandbox.counters.get('CopyObject')).toBe(0);

    const yes = io({ db: join(dir.dir, 'dry.db'), interactive: true, answer: 'y' });
    expect(await runRecoverCommand(['--bucket', 'cli-victim', '--since', SINCE], yes.io)).toBe(0);
    expect(yes.stdout()).toMatch(/Verified: all 8 affected keys/);
    expect(yes.stderr()).toMatch(/restoring: 8\/8/);
  });

  it('reports bad usage with exit 2', async () => {
    const t = io({ db: join(dir.dir, 'usage.db') });
    expect(await runRecoverCommand(['--bucket', 'x'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/--since/);
    const s = io({ db: join(dir.dir, 'usage.db') });
    expect(await runRecoverCommand(['--bucket', 'x', '--since', SINCE, '--strategy', 'magic'], s.io)).toBe(2);
    const r = io({ db: join(dir.dir, 'usage.db') });
    expect(await runRecoverCommand(['--run-id', '999'], r.io)).toBe(2);
    expect(r.stderr()).toMatch(/run 999 is not in this database/);
    seedAttack(sandbox, null, 'cli-victim', manyObjects(2));
    const b = io({ db: join(dir.dir, 'usage.db') });
    expect(
      await runRecoverCommand(
        ['--bucket', 'cli-victim', '--since', SINCE, '--strategy', 'batch', '--yes'],
        b.io,
      ),
    ).toBe(2);
    expect(b.stderr()).toMatch(/SSEC_BATCH_MANIFEST_BUCKET/);
    expect(sandbox.counters.get('CopyObject')).toBe(0);
  });
});

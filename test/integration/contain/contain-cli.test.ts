import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContainCommand } from '../../../src/cli/contain.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { tempDir } from '../../helpers/temp.ts';

let sandbox: AwsSandbox;
const dir = tempDir('ssec-contain-cli-');

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 17 });
});
afterAll(async () => {
  await sandbox.stop();
  dir.cleanup();
});

function io(opts: { interactive?: boolean; answer?: string; db: string }) {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  if (opts.answer !== undefined) stdin.end(`${opts.answer}\n`);
  const value: CliIo = {
    stdout: new Writable({
      write(c, _e, done) {
        out += c.toString();
        done();
      },
    }),
    stderr: new Writable({
      write(c, _e, done) {
        err += c.toString();
        done();
      },
    }),
    interactive: opts.interactive ?? false,
    stdin,
    env: {
      AWS_ENDPOINT_URL: sandbox.endpoint,
      AWS_REGION: sandbox.region,
      AWS_ACCESS_KEY_ID: sandbox.adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.adminCredentials.secretAccessKey,
      SSEC_S3_FORCE_PATH_STYLE: 'true',
      SSEC_DB_PATH: opts.db,
      USER: 'responder',
    },
  };
  return { io: value, stdout: () => out, stderr: () => err };
}

describe('ssec contain', () => {
  it('plans, refuses without a terminal, applies with --yes, and rolls back by id', async () => {
    sandbox.iam.createUser('cli-mallory');
    const key = sandbox.iam.createAccessKey('cli-mallory');
    sandbox.s3.createBucket('cli-bucket', { versioning: 'Enabled' });
    const db = join(dir.dir, 'contain.db');
    const args = ['--access-key', key.accessKeyId, '--bucket', 'cli-bucket'];

    const dry = io({ db });
    expect(await runContainCommand([...args, '--dry-run', '--format', 'json'], dry.io)).toBe(0);
    const plan = JSON.parse(dry.stdout()) as {
      dryRun: boolean;
      steps: Array<{ kind: string; status: string }>;
    };
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.map((s) => `${s.kind}:${s.status}`)).toEqual([
      'deactivate-key:planned',
      'block-sse-c-encryption:planned',
      'block-sse-c-policy:planned',
      'defuse-lifecycle:unchanged',
    ]);

    const refused = io({ db });
    expect(await runContainCommand(args, refused.io)).toBe(2);
    expect(refused.stderr()).toMatch(/--yes/);
    expect(sandbox.iam.describeAccessKey(key.accessKeyId)?.status).toBe('Active');

    const declined = io({ db, interactive: true, answer: 'no' });
    expect(await runContainCommand(args, declined.io)).toBe(1);
    expect(declined.stderr()).toMatch(/Active → Inactive/);
    expect(sandbox.iam.describeAccessKey(key.accessKeyId)?.status).toBe('Active');

    const applied = io({ db });
    expect(await runContainCommand([...args, '--yes'], applied.io)).toBe(0);
    expect(sandbox.iam.describeAccessKey(key.accessKeyId)?.status).toBe('Inactive');
    expect(sandbox.s3.bucketConfig('cli-bucket').encryption?.[0]?.blockedEncryptionTypes).toEqual(['SSE-C']);
    const id = /ssec contain --rollback (\S+)/.exec(applied.stdout())?.[1];
    expect(id).toMatch(/^cli-contain-/);

    const undo = io({ db });
    expect(await runContainCommand(['--rollback', id!, '--yes', '--format', 'json'], undo.io)).toBe(0);
    expect(JSON.parse(undo.stdout())).toMatchObject({ keysReactivated: 1, bucketsUnblocked: 1, failed: 0 });
    expect(sandbox.iam.describeAccessKey(key.accessKeyId)?.status).toBe('Active');
    expect(sandbox.s3.bucketConfig('cli-bucket').encryption?.[0]?.blockedEncryptionTypes).toBeUndefined();
  });

  it('asks (or refuses) when it cannot even read what it would change', async () => {
    const db = join(dir.dir, 'missing.db');
    const dry = io({ db });
    expect(await runContainCommand(['--bucket', 'no-such-bucket', '--dry-run'], dry.io)).toBe(1);
    expect(dry.stdout()).toMatch(
      /\[FAILED\] block-sse-c-encryption no-such-bucket\n\s+error: 404 NoSuchBucket/,
    );
    const refused = io({ db });
    expect(await runContainCommand(['--bucket', 'no-such-bucket'], refused.io)).toBe(2);
    expect(refused.stderr()).toMatch(/--yes/);
  });

  it('reports bad usage with exit 2', async () => {
    const db = join(dir.dir, 'usage.db');
    for (const args of [
      [],
      ['--access-key', 'not a key'],
      ['--bucket', 'b', '--block', 'wall'],
      ['--rollback', 'nope', '--yes'],
    ]) {
      const t = io({ db });
      expect(await runContainCommand(args, t.io), args.join(' ')).toBe(2);
      expect(t.stdout()).toBe('');
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../../src/aws/recover/recover.ts';
import { verifyRecovery } from '../../../src/aws/recover/verify.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { createStore } from '../../../src/store/store.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';
import { tempDir } from '../../helpers/temp.ts';
import { manyObjects, seedAttack } from './seed-attack.ts';

let sandbox: AwsSandbox;
let s3: S3Client;
const dir = tempDir('ssec-crash-');

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 3 });
  s3 = sandboxS3Client(sandbox, { maxAttempts: 3 });
});
afterAll(async () => {
  s3.destroy();
  await sandbox.stop();
  dir.cleanup();
});

function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (condition()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 2);
    };
    tick();
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('a restore killed with SIGKILL', () => {
  it('resumes from SQLite and restores every object exactly once', async () => {
    const COUNT = 400;
    const dbPath = join(dir.dir, 'ssec.db');
    const seedStore = createStore(dbPath);
    const objects = manyObjects(COUNT);
    const { runId } = seedAttack(sandbox, seedStore, 'crash-bucket', objects);
    seedStore.close();
    sandbox.counters.reset();
    // Slow each request a little so the kill lands in the middle of the run.
    sandbox.setFaults({ latencyMs: 4 });

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/helpers/recover-child.ts',
        JSON.stringify({
          endpoint: sandbox.endpoint,
          region: sandbox.region,
          ...sandbox.adminCredentials,
          dbPath,
          runIds: [runId],
          concurrency: 8,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exit = exited(child);
    await waitFor(() => sandbox.counters.get('CopyObject') >= COUNT / 4, 30_000).catch((error: unknown) => {
      throw new Error(`child made no progress: ${String(error)}\n${stderr}`);
    });
    child.kill('SIGKILL');
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    sandbox.setFaults({ latencyMs: 0 });

    const copiedBeforeKill = sandbox.counters.get('CopyObject');
    expect(copiedBeforeKill).toBeLessThan(COUNT);
    const store = createStore(dbPath);
    const recorded = store.assessments.counts(runId);
    expect(recorded.pending).toBeGreaterThan(0);
    expect(recorded.restored).toBeLessThanOrEqual(copiedBeforeKill);

    const resumed = await recover({ clients: { s3 }, store, runIds: [runId], concurrency: 8 });
    expect(resumed).toMatchObject({ restored: COUNT, failed: 0, pending: 0 });
    // Every copy the killed process made was found and recorded, never repeated.
    expect(resumed.copied + copiedBeforeKill).toBe(COUNT);
    expect(resumed.alreadyRestored).toBe(COUNT - recorded.restored - resumed.copied);
    expect(sandbox.counters.get('CopyObject')).toBe(COUNT);
    for (const o of objects) expect(sandbox.s3.listVersions('crash-bucket', o.key)).toHaveLength(3);
    expect((await verifyRecovery({ s3, store, runIds: [runId] })).done).toBe(true);
    store.close();
  });
});

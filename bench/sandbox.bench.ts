// The AWS stand-in's ceiling: HEAD and COPY requests per second at concurrency 16 through the real
// SDK, and the memory a million seeded versions take. Later benchmarks (assess, recover) compare
// the bot's throughput with these numbers, so they measure the bot and not the stand-in.
//
//   node --import tsx bench/sandbox.bench.ts [--seconds 5] [--concurrency 16] [--versions 1000000]
//
// Two placements are measured: the sandbox in this process (as tests and benchmarks that call
// startAwsSandbox() run it: client and server share one event loop), and the sandbox in a child
// process (its own core, as with `ssec sandbox`). The memory figure comes from a child process
// holding nothing but the seeded sandbox.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type AwsSandbox, startAwsSandbox } from '../src/sandbox/aws/server.ts';

const BUCKET = 'bench-bucket';
const KEYS = 10_000;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    versions: { type: 'string', default: '1000000' },
    role: { type: 'string', default: 'client' },
  },
});

interface Target {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  versionIds: string[];
}

type ChildMessage =
  | ({ type: 'ready' } & Target)
  | {
      type: 'memory';
      versions: number;
      seedSeconds: number;
      heapMb: number;
      rssMb: number;
      baseRssMb: number;
    };

const key = (i: number) => `obj/${String(i % KEYS).padStart(6, '0')}`;

async function seededSandbox(): Promise<{ sandbox: AwsSandbox; target: Target }> {
  const sandbox = await startAwsSandbox({ seed: 42 });
  sandbox.s3.createBucket(BUCKET, { versioning: 'Enabled' });
  const body = Buffer.alloc(1024, 'b');
  const versionIds = sandbox.s3.seed(
    BUCKET,
    Array.from({ length: KEYS }, (_, i) => ({ key: key(i), body })),
  );
  return {
    sandbox,
    target: { endpoint: sandbox.endpoint, credentials: sandbox.adminCredentials, versionIds },
  };
}

/** A million versions: four per key (clean, attacker, restored…), a quarter with distinct bodies. */
function* millionVersions(count: number) {
  const shared = Buffer.alloc(64, 'x');
  const lastModified = new Date('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const n = Math.floor(i / 4);
    const objectKey = `tenant-${(n % 97).toString().padStart(2, '0')}/data/${n.toString().padStart(8, '0')}.csv`;
    yield { key: objectKey, body: i % 4 === 0 ? Buffer.from(`row ${i}\n`) : shared, lastModified };
  }
}

async function childMain(role: string): Promise<void> {
  const baseRss = process.memoryUsage().rss;
  if (role === 'memory') {
    const sandbox = await startAwsSandbox({ seed: 42 });
    sandbox.s3.createBucket(BUCKET, { versioning: 'Enabled' });
    const started = performance.now();
    sandbox.s3.seed(BUCKET, millionVersions(Number(values.versions)));
    const seedSeconds = (performance.now() - started) / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    process.send?.({
      type: 'memory',
      versions: sandbox.s3.stats().versions,
      seedSeconds,
      heapMb: usage.heapUsed / 2 ** 20,
      rssMb: usage.rss / 2 ** 20,
      baseRssMb: baseRss / 2 ** 20,
    } satisfies ChildMessage);
    await stopOnRequest(sandbox);
    return;
  }
  const { sandbox, target } = await seededSandbox();
  process.send?.({ type: 'ready', ...target } satisfies ChildMessage);
  await stopOnRequest(sandbox);
}

function stopOnRequest(sandbox: AwsSandbox): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', async () => {
      await sandbox.stop();
      process.disconnect?.();
      resolve();
    });
  });
}

function startChild(role: string): Promise<{ child: ChildProcess; message: ChildMessage }> {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--role', role, '--versions', String(values.versions)],
    {
      execArgv: ['--import', 'tsx', '--expose-gc', '--no-warnings'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('message', (message: ChildMessage) => resolve({ child, message }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await exited;
}

async function measure(
  label: string,
  seconds: number,
  concurrency: number,
  request: (i: number) => Promise<unknown>,
): Promise<void> {
  // Warm up sockets and the JIT before the clock starts.
  for (let round = 0; round < 3; round++)
    await Promise.all(Array.from({ length: concurrency }, (_, i) => request(i)));
  let done = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const lane = async (first: number) => {
    for (let i = first; performance.now() < deadline; i += concurrency) {
      const started = performance.now();
      await request(i);
      latencies.push(performance.now() - started);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, first) => lane(first)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(1);
  console.log(
    `  ${label.padEnd(5)} ${(done / elapsed).toFixed(0).padStart(6)} req/s   concurrency ${concurrency}, ${done} requests, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
  );
}

async function load(title: string, target: Target, seconds: number, concurrency: number): Promise<void> {
  const s3 = new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: target.credentials,
    maxAttempts: 1,
  });
  console.log(title);
  await measure('HEAD', seconds, concurrency, (i) =>
    s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key(i) })),
  );
  // The restore pattern: copy a named (older) version onto its own key.
  await measure('COPY', seconds, concurrency, (i) =>
    s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: key(i),
        CopySource: `${BUCKET}/${key(i)}?versionId=${target.versionIds[i % KEYS]}`,
      }),
    ),
  );
  // 1,000 versions a page: mostly the SDK's XML parsing.
  await measure('LIST', Math.min(seconds, 2), 4, (i) =>
    s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, KeyMarker: key((i * 997) % KEYS) })),
  );
  s3.destroy();
}

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  console.log(`AWS sandbox through @aws-sdk/client-s3, ${seconds}s per operation`);

  const inProcess = await seededSandbox();
  await load(
    'sandbox in this process (startAwsSandbox in a test or benchmark):',
    inProcess.target,
    seconds,
    concurrency,
  );
  await inProcess.sandbox.stop();

  const separate = await startChild('serve');
  if (separate.message.type !== 'ready') throw new Error('the sandbox process did not start');
  await load('sandbox in its own process (like `ssec sandbox`):', separate.message, seconds, concurrency);
  await stopChild(separate.child);

  const memory = await startChild('memory');
  if (memory.message.type === 'memory') {
    const m = memory.message;
    console.log(
      `memory: ${m.versions.toLocaleString('en-US')} versions seeded in ${m.seedSeconds.toFixed(1)}s; heap ${m.heapMb.toFixed(0)} MB, RSS ${m.rssMb.toFixed(0)} MB (${m.baseRssMb.toFixed(0)} MB before seeding)`,
    );
  }
  await stopChild(memory.child);
}

if (values.role === 'client') {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  childMain(values.role ?? 'serve').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

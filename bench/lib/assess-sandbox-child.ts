// The AWS stand-in in a process of its own, seeded in-process (no HTTP) with an attacked bucket, so
// the assess benchmark measures each scanner's own memory and CPU. Talks to its parent over IPC.
//
// Seeded: `objects` keys over 100 folders, each with `versions` clean versions before the window;
// every `attackedEvery`-th (10th by default) is re-encrypted by the attacker inside it (an SSE-C
// version on top).

import type { SeedVersion } from '../../src/sandbox/aws/s3-store.ts';
import { startAwsSandbox } from '../../src/sandbox/aws/server.ts';
import {
  BENCH_BUCKET,
  BENCH_SINCE,
  benchKey,
  type ChildMessage,
  type ParentMessage,
} from './assess-bench-data.ts';

async function main(): Promise<void> {
  const objects = Number(process.argv[2] ?? 100_000);
  const versionsPerObject = Number(process.argv[3] ?? 1);
  const attackedEvery = Number(process.argv[4] ?? 10);
  const sandbox = await startAwsSandbox({ seed: 5 });
  const started = Date.now();
  sandbox.s3.createBucket(BENCH_BUCKET, { versioning: 'Enabled' });
  const body = Buffer.alloc(64, 'c');
  const pre = new Date(BENCH_SINCE.getTime() - 86_400_000);
  const attack = new Date(BENCH_SINCE.getTime() + 600_000);
  const sseC = { sseCustomerAlgorithm: 'AES256', sseCustomerKeyMd5: 'rJ1Lrj8dBRrKZcd3ZzpCdQ==' };
  let versions = 0;
  const batch: SeedVersion[] = [];
  for (let i = 0; i < objects; i++) {
    const key = benchKey(i);
    for (let v = 0; v < versionsPerObject; v++) {
      batch.push({ key, body, lastModified: new Date(pre.getTime() - (versionsPerObject - v) * 1000) });
    }
    if (i % attackedEvery === 0) batch.push({ key, body, lastModified: attack, ...sseC });
    if (batch.length >= 10_000) {
      versions += batch.length;
      sandbox.s3.seed(BENCH_BUCKET, batch.splice(0));
    }
  }
  versions += batch.length;
  sandbox.s3.seed(BENCH_BUCKET, batch.splice(0));
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: ParentMessage) => {
    if (m.cmd === 'counters') {
      send({
        type: 'counters',
        counts: sandbox.counters.snapshot(),
        throttled: sandbox.counters.throttled(),
      });
    } else if (m.cmd === 'reset') {
      sandbox.counters.reset();
      send({ type: 'counters', counts: {}, throttled: 0 });
    } else if (m.cmd === 'faults') {
      sandbox.setFaults({
        ...(m.latencyMs === undefined ? {} : { latencyMs: m.latencyMs }),
        ...(m.slowDownRate === undefined ? {} : { slowDownRate: m.slowDownRate }),
      });
      send({ type: 'counters', counts: {}, throttled: 0 });
    } else if (m.cmd === 'stop') {
      void sandbox.stop().then(() => process.exit(0));
    }
  });
  send({
    type: 'ready',
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: sandbox.adminCredentials,
    versions,
    seedMs: Date.now() - started,
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
  });
}

void main();

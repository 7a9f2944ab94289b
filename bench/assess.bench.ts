// Assess throughput, request counts and memory, side by side in one run:
//
//   node --import tsx bench/assess.bench.ts [--objects 100000] [--versions 1] [--attacked-every 10]
//     [--concurrency 32]
//     [--list-concurrency 4[,1,...]] [--latency-ms 0] [--repeat 1] [--only scanner,naive,bare]
//
// The AWS stand-in runs in a child process, seeded in-process (no HTTP): `objects` keys over 100
// folders, `versions` clean versions each before the window, every 10th (`--attacked-every`)
// re-encrypted with SSE-C inside it. Each variant then runs in a fresh process of its own so its peak RSS is its own:
//   scanner  assessBucket(), as the bot and `ssec assess` run it
//   naive    s3-pit-restore's shape: a listing page at a time, HEAD every current version, 10 workers
//   bare     a bare SDK HEAD loop at the scanner's concurrency over exactly the versions the scanner
//            HEADs (listed beforehand, untimed): the ceiling DESIGN §5 measures the scanner against
//            (target: within 90%)
// `--latency-ms` adds a delay to every stand-in response, closer to S3's own round trips. Several
// `--list-concurrency` values run the scanner once each (1 = one listing sequence, no folder
// slices). `--repeat` runs every variant that many times, alternating, and keeps the fastest run
// of each: on a shared machine the slowest runs measure the neighbours, not the code.

import { type ChildProcess, execFile, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { ChildMessage, ParentMessage } from './lib/assess-bench-data.ts';
import type { RunnerArgs, RunnerResult } from './lib/assess-runner.ts';

const run = promisify(execFile);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    versions: { type: 'string', default: '1' },
    'attacked-every': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    'list-concurrency': { type: 'string', default: '4' },
    'latency-ms': { type: 'string', default: '0' },
    only: { type: 'string', default: 'scanner,naive,bare' },
    repeat: { type: 'string', default: '1' },
  },
});
const objects = Number(values.objects);
const concurrency = Number(values.concurrency);
const listConcurrencies = values['list-concurrency'].split(',').map(Number);
const repeat = Math.max(1, Number(values.repeat));
const only = new Set(values.only.split(','));

function request(
  child: ChildProcess,
  m: ParentMessage,
): Promise<Extract<ChildMessage, { type: 'counters' }>> {
  return new Promise((resolve) => {
    child.once('message', (reply: ChildMessage) =>
      resolve(reply as Extract<ChildMessage, { type: 'counters' }>),
    );
    child.send(m);
  });
}

async function variant(args: RunnerArgs): Promise<RunnerResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', here('./lib/assess-runner.ts'), JSON.stringify(args)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as RunnerResult;
}

async function main(): Promise<void> {
  const child = fork(
    here('./lib/assess-sandbox-child.ts'),
    [String(objects), values.versions, values['attacked-every']],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve) =>
    child.once('message', (m: ChildMessage) => resolve(m as Extract<ChildMessage, { type: 'ready' }>)),
  );
  console.log(
    `stand-in (own process): ${objects.toLocaleString('en-US')} objects, ${ready.versions.toLocaleString('en-US')} versions seeded in ${(ready.seedMs / 1000).toFixed(1)} s, ${ready.rssMb} MB RSS; latency ${values['latency-ms']} ms`,
  );
  await request(child, { cmd: 'faults', latencyMs: Number(values['latency-ms']) });
  const base = {
    endpoint: ready.endpoint,
    region: ready.region,
    credentials: ready.credentials,
    objects,
  };
  type Row = RunnerResult & { list: number; head: number; listConcurrency: number };
  const best = new Map<string, Row>();
  const measure = async (label: string, args: RunnerArgs) => {
    await request(child, { cmd: 'reset' });
    const r = await variant(args);
    const c = await request(child, { cmd: 'counters' });
    const row: Row = {
      ...r,
      list: c.counts['ListObjectVersions'] ?? 0,
      head: c.counts['HeadObject'] ?? 0,
      listConcurrency: args.listConcurrency,
    };
    const prev = best.get(label);
    if (!prev || row.elapsedMs < prev.elapsedMs)
      best.set(label, { ...row, maxRssMb: Math.max(row.maxRssMb, prev?.maxRssMb ?? 0) });
    else prev.maxRssMb = Math.max(prev.maxRssMb, row.maxRssMb);
    return row;
  };
  for (let round = 0; round < repeat; round++) {
    if (only.has('scanner')) {
      for (const lc of listConcurrencies) {
        await measure(`scanner-${lc}`, { ...base, variant: 'scanner', concurrency, listConcurrency: lc });
      }
    }
    if (only.has('naive'))
      await measure('naive', { ...base, variant: 'naive', concurrency: 10, listConcurrency: 1 });
    if (only.has('bare'))
      await measure('bare', { ...base, variant: 'bare', concurrency, listConcurrency: 1 });
  }
  const rows = [...best.values()];
  child.send({ cmd: 'stop' } satisfies ParentMessage);

  const pad = (s: string, n: number) => s.padStart(n);
  console.log(
    `\n${'variant'.padEnd(34)}${pad('objects/s', 11)}${pad('req/object', 12)}${pad('LIST', 7)}${pad('HEAD', 9)}${pad('seconds', 9)}${pad('CPU s', 8)}${pad('peak RSS', 10)}${pad('affected', 10)}`,
  );
  for (const r of rows) {
    const label =
      r.variant === 'scanner'
        ? `scanner (c=${concurrency}, lists≤${r.listConcurrency}: ${r.listStreams})`
        : r.variant === 'naive'
          ? 'naive (page at a time, 10 w)'
          : `bare HEAD loop (c=${concurrency})`;
    const perSecond =
      r.variant === 'bare' ? '' : Math.round(objects / (r.elapsedMs / 1000)).toLocaleString('en-US');
    const perObject = r.variant === 'bare' ? '' : ((r.list + r.head) / objects).toFixed(3);
    console.log(
      `${label.padEnd(34)}${pad(perSecond, 11)}${pad(perObject, 12)}${pad(r.variant === 'bare' ? '' : String(r.list), 7)}${pad(String(r.head), 9)}${pad((r.elapsedMs / 1000).toFixed(2), 9)}${pad((r.cpuMs / 1000).toFixed(2), 8)}${pad(`${r.maxRssMb} MB`, 10)}${pad(r.variant === 'bare' ? '' : String(r.affected), 10)}`,
    );
  }
  const naiveRow = rows.find((r) => r.variant === 'naive');
  const bareRow = rows.find((r) => r.variant === 'bare');
  for (const scanner of rows.filter((r) => r.variant === 'scanner')) {
    const name = `scanner (lists=${scanner.listConcurrency})`;
    if (bareRow) {
      console.log(
        `\n${name} vs a bare HEAD loop sending the same ${bareRow.head.toLocaleString('en-US')} HEADs at c=${concurrency}: ${(bareRow.elapsedMs / scanner.elapsedMs).toFixed(2)} of its throughput (target ≥ 0.90)`,
      );
    }
    if (naiveRow) {
      console.log(
        `${name} vs naive: ${(naiveRow.elapsedMs / scanner.elapsedMs).toFixed(1)}× faster, ${((naiveRow.list + naiveRow.head) / (scanner.list + scanner.head)).toFixed(1)}× fewer requests`,
      );
    }
    console.log(
      `${name}: LIST ${scanner.list} (ceil(${ready.versions} / 1000) = ${Math.ceil(ready.versions / 1000)}, plus one per folder slice); HEAD ${scanner.head} for ${scanner.affected} affected keys`,
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

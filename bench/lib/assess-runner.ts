// One scanner variant in a process of its own, so its peak RSS is its own. Prints one JSON line.
//
//   scanner  assessBucket() as the bot runs it (pipelined listing, folder slices, SQLite results)
//   naive    s3-pit-restore's shape: one listing page at a time, HEAD every current version of
//            that page with 10 workers, wait, next page
//   bare     a bare SDK HEAD loop at the given concurrency over exactly the versions the scanner
//            HEADs (found by an untimed listing first): the ceiling

import { join } from 'node:path';
import { HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { assessBucket } from '../../src/aws/assess/assess-bucket.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createStore } from '../../src/store/store.ts';
import { tempDir } from '../../test/helpers/temp.ts';
import { BENCH_BUCKET, BENCH_SINCE } from './assess-bench-data.ts';

export interface RunnerArgs {
  variant: 'scanner' | 'naive' | 'bare';
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  concurrency: number;
  listConcurrency: number;
  objects: number;
}

export interface RunnerResult {
  variant: string;
  elapsedMs: number;
  /** CPU the variant's process used: steadier than wall time on a shared machine. */
  cpuMs: number;
  keys: number;
  affected: number;
  maxRssMb: number;
  clientList: number;
  clientHead: number;
  /** Scanner: most listing streams it opened. */
  listStreams: number;
}

async function naive(
  s3: S3Client,
  workers: number,
): Promise<{ keys: number; affected: number; list: number; head: number }> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let keys = 0;
  let affected = 0;
  let list = 0;
  let head = 0;
  for (;;) {
    list++;
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: BENCH_BUCKET,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    const current = (page.Versions ?? []).filter((v) => v.IsLatest);
    keys += current.length;
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < current.length) {
          const v = current[next++]!;
          head++;
          try {
            await s3.send(
              new HeadObjectCommand({ Bucket: BENCH_BUCKET, Key: v.Key, VersionId: v.VersionId }),
            );
          } catch (error) {
            if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 400)
              affected++;
          }
        }
      }),
    );
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  return { keys, affected, list, head };
}

/**
 * The versions the scanner HEADs, found by an untimed listing first: for each attacked key, its
 * SSE-C version (400) and the clean one beneath (200). The timed loop then HEADs exactly those,
 * with nothing else to do.
 */
async function scannerHeadTargets(s3: S3Client): Promise<Array<{ key: string; versionId: string }>> {
  const targets: Array<{ key: string; versionId: string }> = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let previous: { key: string; versionId: string } | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: BENCH_BUCKET,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of page.Versions ?? []) {
      const entry = { key: v.Key!, versionId: v.VersionId! };
      // Newest first: an attacked key lists its SSE-C version, then the clean one.
      if (!v.IsLatest && previous?.key === entry.key && v.LastModified! < BENCH_SINCE)
        targets.push(previous, entry);
      previous = entry;
    }
    if (!page.IsTruncated) return targets;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

async function bare(
  s3: S3Client,
  targets: Array<{ key: string; versionId: string }>,
  concurrency: number,
): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < targets.length) {
        const t = targets[next++]!;
        try {
          await s3.send(new HeadObjectCommand({ Bucket: BENCH_BUCKET, Key: t.key, VersionId: t.versionId }));
        } catch {
          // SSE-C versions answer 400: a request all the same.
        }
      }
    }),
  );
  return targets.length;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as RunnerArgs;
  const factory = createAwsClientFactory({
    endpoint: args.endpoint,
    region: args.region,
    credentials: args.credentials,
    forcePathStyle: true,
    maxSockets: args.concurrency + args.listConcurrency * 2 + 8,
  });
  const { s3 } = factory.forAccount();
  const t = tempDir('ssec-assess-bench-');
  const targets = args.variant === 'bare' ? await scannerHeadTargets(s3) : [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let result: Omit<RunnerResult, 'variant' | 'elapsedMs' | 'maxRssMb' | 'cpuMs'>;
  if (args.variant === 'scanner') {
    const store = createStore(join(t.dir, 'bench.db'));
    const summary = await assessBucket({
      s3,
      store,
      bucket: BENCH_BUCKET,
      since: BENCH_SINCE,
      concurrency: args.concurrency,
      listConcurrency: args.listConcurrency,
    });
    store.close();
    result = {
      keys: summary.counts.keys,
      affected: summary.counts.affected,
      clientList: summary.counts.listRequests,
      clientHead: summary.counts.headRequests,
      listStreams: summary.counts.listStreams,
    };
  } else if (args.variant === 'naive') {
    const r = await naive(s3, 10);
    result = { keys: r.keys, affected: r.affected, clientList: r.list, clientHead: r.head, listStreams: 1 };
  } else {
    const n = await bare(s3, targets, args.concurrency);
    result = { keys: n, affected: 0, clientList: 0, clientHead: n, listStreams: 0 };
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  factory.destroy();
  t.cleanup();
  const out: RunnerResult = {
    variant: args.variant,
    elapsedMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...result,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

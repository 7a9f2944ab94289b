import { setMaxListeners } from 'node:events';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AssessError, ChangedObject, NewAffected } from '../../store/assessments.ts';
import { AbortedError, type RetryOptions } from '../retry.ts';
import { decideKey, decideWithoutHead } from './classify-key.ts';
import { KeyGrouper } from './group-versions.ts';
import { headVersion } from './head-version.ts';
import { compareKeys } from './key-order.ts';
import { listVersionPages, readAhead, type VersionPage } from './list-versions.ts';
import { OrderedFrontier, type Slot, settle } from './ordered-frontier.ts';
import { Semaphore } from './semaphore.ts';
import {
  type AssessProgress,
  emptyProgress,
  type KeyDecision,
  type KeyGroup,
  type VersioningStatus,
  type Window,
} from './types.ts';

/**
 * One independently listed slice of the bucket. The root slice lists with Delimiter '/' and turns
 * each "folder" it meets into a slice of its own; past `maxPartitions` folders a tail slice lists
 * the rest without a delimiter.
 */
export interface ScanPartition {
  prefix: string;
  delimiter?: string | undefined;
  /** Resume point: every key up to and including this one is decided and committed. */
  after?: string | undefined;
  /** Keys from here on belong to the tail slice. */
  stopAt?: string | undefined;
  /** Keys under this prefix belong to another slice (the tail's start is not exact). */
  excludePrefix?: string | undefined;
  done: boolean;
}

export interface ScanCursor {
  version: 1;
  partitions: ScanPartition[];
}

export interface ScanPage {
  affected: NewAffected[];
  changed: Omit<ChangedObject, 'runId'>[];
  errors: Omit<AssessError, 'runId'>[];
  cursor: ScanCursor;
  progress: AssessProgress;
}

export interface ScanOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  window: Window;
  versioning: VersioningStatus;
  /** Receives decided keys in listing order with the cursor that covers them (one transaction). */
  commit: (page: ScanPage) => void;
  /** Keys being decided at once; each runs its HEADs one after another. */
  concurrency: number;
  /** Slices listed at once; 1 lists the bucket in one sequence. */
  listConcurrency: number;
  /** Folders that become slices of their own before the rest goes to one tail slice. */
  maxPartitions: number;
  cursor?: ScanCursor | undefined;
  /** Counts of the run so far, when resuming. */
  progress?: AssessProgress | undefined;
  onProgress?: ((p: AssessProgress) => void) | undefined;
  progressIntervalMs: number;
  signal?: AbortSignal | undefined;
  /** Page size; S3's maximum (1,000) unless a test wants more pages. */
  maxKeys?: number | undefined;
  /** Listing pages fetched ahead of the HEADs, per slice. */
  aheadPages: number;
  retry?: RetryOptions | undefined;
}

interface Outcome {
  decision: KeyDecision;
  versions: number;
  candidate: boolean;
}

// Past this many undecided keys in one slice, listing waits (one slow key must not let the
// backlog grow without bound).
const MAX_PENDING_PER_PARTITION = 4_000;
const COMMIT_ROWS = 1_000;
const COMMIT_KEYS = 10_000;
const COMMIT_MS = 1_000;
// Past every key under a folder: S3 keys are UTF-8, and U+10FFFF is the last code point.
const BEYOND = '\u{10FFFF}';

/**
 * Lists the bucket's versions and decides every key, pipelined: listing runs ahead of the HEADs,
 * HEADs run `concurrency` keys at once, and results reach `commit` in key order with a cursor
 * from which a crashed scan resumes.
 */
export async function scanBucket(o: ScanOptions): Promise<AssessProgress> {
  const startedAt = Date.now() - (o.progress?.elapsedMs ?? 0);
  const progress: AssessProgress = { ...emptyProgress(), ...o.progress };
  const internal = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, internal.signal]) : internal.signal;
  // Every request in flight listens on this signal; hundreds of listeners are expected.
  setMaxListeners(0, signal);
  const retry: RetryOptions = {
    ...o.retry,
    signal,
    onRetry: (error, attempt, delay) => {
      progress.retries++;
      o.retry?.onRetry?.(error, attempt, delay);
    },
  };
  const partitions: ScanPartition[] = o.cursor?.partitions.map((p) => ({ ...p })) ?? [
    { prefix: o.prefix, delimiter: o.listConcurrency > 1 ? '/' : undefined, done: false },
  ];
  const frontiers = new Map<ScanPartition, OrderedFrontier<Outcome>>();
  const semaphore = new Semaphore(o.concurrency);
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let buffered: Outcome[] = [];
  let keysSinceCommit = 0;
  let dirty = false;
  let lastCommit = Date.now();
  let drainWaiters: Array<() => void> = [];

  const fail = (error: unknown) => {
    if (failure === undefined) failure = error;
    internal.abort();
  };

  const count = (x: Outcome) => {
    progress.keys++;
    progress.versions += x.versions;
    if (x.candidate) progress.candidates++;
    const d = x.decision;
    if (d.kind === 'affected') {
      progress.affected++;
      if (d.restoreVersionId === null) progress.unrecoverable++;
      const since = d.restoreNoncurrentSince?.toISOString();
      if (since && (progress.firstOverwriteAt === null || since < progress.firstOverwriteAt))
        progress.firstOverwriteAt = since;
    } else if (d.kind === 'changed') progress.changed++;
    else if (d.kind === 'error') progress.errors++;
  };

  const snapshot = (): ScanCursor => ({
    version: 1,
    partitions: partitions.map((p) => ({ ...p, after: frontiers.get(p)?.cursor() ?? p.after })),
  });

  const commit = (force: boolean) => {
    const due =
      buffered.length >= COMMIT_ROWS ||
      keysSinceCommit >= COMMIT_KEYS ||
      Date.now() - lastCommit >= COMMIT_MS;
    if (!dirty || (!force && !due)) return;
    const page: ScanPage = {
      affected: [],
      changed: [],
      errors: [],
      cursor: snapshot(),
      progress: currentProgress(),
    };
    for (const { decision: d } of buffered) {
      if (d.kind === 'affected') page.affected.push(toAffected(d));
      else if (d.kind === 'changed') page.changed.push(toChanged(d));
      else if (d.kind === 'error')
        page.errors.push({
          key: d.key,
          versionId: d.versionId,
          httpStatus: d.status ?? null,
          code: d.code,
          message: d.message,
        });
    }
    o.commit(page);
    buffered = [];
    keysSinceCommit = 0;
    dirty = false;
    lastCommit = Date.now();
  };

  const drainAll = () => {
    try {
      for (const frontier of frontiers.values()) {
        for (const x of frontier.drain()) {
          count(x);
          keysSinceCommit++;
          dirty = true;
          if (x.decision.kind !== 'untouched') buffered.push(x);
        }
      }
      commit(false);
    } catch (error) {
      fail(error);
    }
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  };

  const currentProgress = (): AssessProgress => ({ ...progress, elapsedMs: Date.now() - startedAt });

  const schedule = async (frontier: OrderedFrontier<Outcome>, g: KeyGroup) => {
    const slot: Slot<Outcome> = frontier.add(g.key);
    const quick = decideWithoutHead(g, o.window);
    if (quick?.kind === 'untouched') {
      settle(slot, untouched(g.versions));
    } else if (quick) {
      settle(slot, { decision: quick, versions: g.versions, candidate: g.candidate });
    } else {
      await semaphore.acquire(signal);
      const task = decideKey(
        g,
        o.window,
        (entry) =>
          headVersion(o.s3, o.bucket, g.key, entry.versionId, {
            signal,
            retry,
            onRequest: () => progress.headRequests++,
          }),
        o.versioning,
      )
        .then((decision) => settle(slot, { decision, versions: g.versions, candidate: g.candidate }), fail)
        .finally(() => {
          semaphore.release();
          inflight.delete(task);
          drainAll();
        });
      inflight.add(task);
    }
    if (frontier.size() > MAX_PENDING_PER_PARTITION) {
      drainAll();
      while (frontier.size() > MAX_PENDING_PER_PARTITION && !signal.aborted)
        await new Promise<void>((resolve) => drainWaiters.push(resolve));
    }
  };

  // Slices: the next one to start, those listing now (one per stream), those not yet finished.
  let next = 0;
  let listing = 0;
  let active = 0;
  let streams = 1;

  const discover = (root: ScanPartition, prefix: string): boolean => {
    if (partitions.some((p) => p.prefix === prefix && p !== root)) return true;
    if (root.stopAt !== undefined && compareKeys(prefix, root.stopAt) >= 0) return false;
    partitions.push({ prefix, done: false });
    progress.partitions = partitions.length;
    const folders = partitions.filter(
      (p) => p.delimiter === undefined && p.excludePrefix === undefined,
    ).length;
    if (folders >= o.maxPartitions) {
      // Enough slices: everything after this folder goes to one tail slice without a delimiter.
      // It is likely the largest, so it goes to the front of the queue of slices not yet started.
      root.stopAt = prefix + BEYOND;
      partitions.splice(next, 0, {
        prefix: root.prefix,
        after: root.stopAt,
        excludePrefix: prefix,
        done: false,
      });
      progress.partitions = partitions.length;
    }
    pump();
    return true;
  };

  /** False once the root slice has reached the tail's part of the bucket: stop listing it. */
  const discoverAll = (root: ScanPartition, page: VersionPage): boolean => {
    let more = true;
    for (const prefix of page.prefixes) more = discover(root, prefix) && more;
    const last = page.entries[page.entries.length - 1];
    if (last && root.stopAt !== undefined && compareKeys(last.key, root.stopAt) >= 0) more = false;
    return more;
  };

  const runPartition = async (p: ScanPartition, listed: () => void) => {
    const frontier = new OrderedFrontier<Outcome>(p.after);
    frontiers.set(p, frontier);
    const grouper = new KeyGrouper(o.window);
    const pages = listVersionPages({
      s3: o.s3,
      bucket: o.bucket,
      prefix: p.prefix,
      delimiter: p.delimiter,
      keyMarker: p.after,
      signal,
      maxKeys: o.maxKeys,
      onRequest: () => progress.listRequests++,
      // Folders are turned into slices as soon as a page arrives, ahead of this slice's HEADs.
      onPage: p.delimiter === undefined ? undefined : (page) => discoverAll(p, page),
      retry,
    });
    let stop = false;
    try {
      for await (const page of readAhead(pages, o.aheadPages)) {
        for (const e of page.entries) {
          if (p.stopAt !== undefined && compareKeys(e.key, p.stopAt) >= 0) {
            stop = true;
            break;
          }
          if (p.excludePrefix !== undefined && e.key.startsWith(p.excludePrefix)) continue;
          const g = grouper.push(e);
          if (g) await schedule(frontier, g);
        }
        if (stop) break;
      }
      const last = grouper.flush();
      if (last) await schedule(frontier, last);
    } finally {
      // Its listing is over: the stream can serve the next slice while these last HEADs finish.
      listed();
    }
    drainAll();
    while (frontier.size() > 0 && !signal.aborted)
      await new Promise<void>((resolve) => drainWaiters.push(resolve));
    if (signal.aborted) return;
    p.after = frontier.cursor();
    p.done = true;
    frontiers.delete(p);
    progress.partitionsDone++;
    dirty = true;
  };

  // Listing streams open one at a time: a second one only pays off when the HEADs are starved,
  // i.e. the listing is the bottleneck (few candidates, or S3's slow LIST round trips). Sampling
  // how many HEAD permits are busy tells; a HEAD-bound scan stays on one stream and its memory.
  let busy = o.concurrency;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  function pump(): void {
    while (listing < streams && next < partitions.length && !signal.aborted) {
      const p = partitions[next++]!;
      if (p.done) continue;
      listing++;
      active++;
      let released = false;
      const listed = () => {
        if (released) return;
        released = true;
        listing--;
        pump();
      };
      runPartition(p, listed)
        .catch((error: unknown) => {
          if (!(error instanceof AbortedError) || failure === undefined) fail(error);
        })
        .finally(() => {
          listed();
          active--;
          pump();
        });
    }
    if (active === 0 && (next >= partitions.length || signal.aborted)) finished();
  }
  const sampler =
    o.listConcurrency > 1
      ? setInterval(() => {
          busy = busy * 0.8 + semaphore.inUse() * 0.2;
          if (busy < o.concurrency * 0.6 && streams < o.listConcurrency && next < partitions.length) {
            streams++;
            progress.listStreams = Math.max(progress.listStreams, streams);
            pump();
          } else if (busy > o.concurrency * 0.95 && streams > 1) streams--;
        }, 100)
      : undefined;
  sampler?.unref();

  progress.partitions = partitions.length;
  progress.partitionsDone = partitions.filter((p) => p.done).length;
  const timer = o.onProgress
    ? setInterval(() => o.onProgress?.(currentProgress()), Math.max(10, o.progressIntervalMs))
    : undefined;
  timer?.unref();
  try {
    pump();
    await allDone;
    await Promise.allSettled([...inflight]);
    drainAll();
    dirty = true;
    commit(true);
  } finally {
    if (timer) clearInterval(timer);
    if (sampler) clearInterval(sampler);
  }
  const final = currentProgress();
  if (failure !== undefined) throw o.signal?.aborted ? new AbortedError() : failure;
  if (o.signal?.aborted) throw new AbortedError();
  o.onProgress?.(final);
  return final;
}

// Most keys are untouched; sharing their outcome keeps a long undrained backlog to one small
// object per key.
const UNTOUCHED: Outcome[] = Array.from({ length: 64 }, (_, versions) => ({
  decision: { kind: 'untouched', key: '' },
  versions,
  candidate: false,
}));
const untouched = (versions: number): Outcome =>
  UNTOUCHED[versions] ?? { decision: { kind: 'untouched', key: '' }, versions, candidate: false };

function toAffected(d: Extract<KeyDecision, { kind: 'affected' }>): NewAffected {
  return {
    key: d.key,
    versionId: d.versionId,
    lastModified: d.lastModified,
    size: d.size,
    isDeleteMarker: d.isDeleteMarker,
    restoreVersionId: d.restoreVersionId,
    restoreSize: d.restoreSize,
    restoreEtag: d.restoreEtag,
    restoreStorageClass: d.restoreStorageClass,
    reason: d.reason,
  };
}

function toChanged(d: Extract<KeyDecision, { kind: 'changed' }>): Omit<ChangedObject, 'runId'> {
  return {
    key: d.key,
    versionId: d.versionId,
    lastModified: d.lastModified,
    size: d.size,
    isDeleteMarker: d.isDeleteMarker,
    previousVersionId: d.previousVersionId,
  };
}

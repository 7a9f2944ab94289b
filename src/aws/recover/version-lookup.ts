// Finds, for a chunk of affected keys, each key's current version and the clean version's
// listing entry (its storage class, ETag, size) with ListObjectVersions: about one LIST per
// thousand versions when affected keys are dense (ransomware touches everything), one per key
// when they are sparse. This replaces two HEADs per object, so a restore costs one COPY each.

import {
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { RESTORE_RETRY, type RetryOptions, withRetry } from '../retry.ts';
import type { KeyVersions, VersionInfo } from './restore-decision.ts';

export interface LookupRow {
  key: string;
  restoreVersionId: string | null;
}

/** S3 orders keys by their UTF-8 bytes, which JavaScript's string order does not always match. */
export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // Never split a surrogate pair.
  if (i > 0 && /[\uD800-\uDBFF]/.test(a[i - 1] ?? '')) i--;
  return a.slice(0, i);
}

/** A marker strictly before `key`, so the listing starts at the key itself. */
function markerBefore(key: string): string | undefined {
  const points = Array.from(key);
  return points.length > 1 ? points.slice(0, -1).join('') : undefined;
}

interface Entry {
  key: string;
  info: VersionInfo;
  isLatest: boolean;
}

function entries(page: ListObjectVersionsCommandOutput): Entry[] {
  const out: Entry[] = [];
  for (const v of page.Versions ?? []) {
    if (v.Key === undefined || v.VersionId === undefined) continue;
    out.push({
      key: v.Key,
      isLatest: v.IsLatest === true,
      info: {
        versionId: v.VersionId,
        isDeleteMarker: false,
        etag: v.ETag,
        size: v.Size,
        storageClass: v.StorageClass,
      },
    });
  }
  for (const m of page.DeleteMarkers ?? []) {
    if (m.Key === undefined || m.VersionId === undefined) continue;
    out.push({
      key: m.Key,
      isLatest: m.IsLatest === true,
      info: {
        versionId: m.VersionId,
        isDeleteMarker: true,
        etag: undefined,
        size: undefined,
        storageClass: undefined,
      },
    });
  }
  return out;
}

type ListFn = (input: {
  Prefix?: string | undefined;
  KeyMarker?: string | undefined;
  VersionIdMarker?: string | undefined;
}) => Promise<ListObjectVersionsCommandOutput>;

export interface LookupOptions {
  retry?: RetryOptions;
  /** Parallel per-key listings for the keys the walk did not reach. */
  concurrency?: number;
  onRequest?: (requestId: string | undefined) => void;
}

export async function lookupVersions(
  s3: S3Client,
  bucket: string,
  rows: LookupRow[],
  opts: LookupOptions = {},
): Promise<Map<string, KeyVersions>> {
  const result = new Map<string, KeyVersions>();
  if (rows.length === 0) return result;
  const wanted = new Map(rows.map((r) => [r.key, r.restoreVersionId]));
  for (const r of rows) result.set(r.key, { current: null, source: null });
  const take = (e: Entry) => {
    const slot = result.get(e.key);
    if (!slot) return;
    if (e.isLatest) slot.current = e.info;
    if (e.info.versionId === wanted.get(e.key)) slot.source = e.info;
  };
  const list: ListFn = async (input) => {
    const page = await withRetry(() => s3.send(new ListObjectVersionsCommand({ ...input, Bucket: bucket })), {
      ...RESTORE_RETRY,
      ...opts.retry,
    });
    opts.onRequest?.(page.$metadata.requestId);
    return page;
  };

  const sorted = [...rows].sort((a, b) => compareKeys(a.key, b.key));
  const first = sorted[0]!.key;
  const last = sorted[sorted.length - 1]!.key;
  const prefix = commonPrefix(first, last);
  // Enough pages for a few versions per key; a sparse chunk stops early and asks per key.
  const budget = 1 + Math.ceil(rows.length / 250);
  let keyMarker = markerBefore(first);
  if (keyMarker !== undefined && compareKeys(keyMarker, prefix) < 0) keyMarker = undefined;
  let versionMarker: string | undefined;
  let reached: string | null = null; // every key before this one is complete
  for (let pages = 0; pages < budget; pages++) {
    const page = await list({
      Prefix: prefix || undefined,
      KeyMarker: keyMarker,
      VersionIdMarker: versionMarker,
    });
    for (const e of entries(page)) take(e);
    if (!page.IsTruncated || page.NextKeyMarker === undefined) {
      reached = null;
      keyMarker = undefined;
      break;
    }
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
    reached = keyMarker;
    if (compareKeys(keyMarker, last) > 0) {
      reached = null;
      break;
    }
  }
  if (keyMarker === undefined || reached === null) return result;

  // The walk ran out of budget: look the remaining keys up one by one.
  const from = reached;
  const remaining = sorted.filter((r) => compareKeys(r.key, from) >= 0);
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 8, remaining.length));
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < remaining.length) {
        const row = remaining[next++]!;
        await lookupOneKey(row.key, list, take);
      }
    }),
  );
  return result;
}

async function lookupOneKey(key: string, list: ListFn, take: (e: Entry) => void): Promise<void> {
  // Versions of `key` itself come first among all keys it prefixes.
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await list({ Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionMarker });
    const own = entries(page).filter((e) => e.key === key);
    for (const e of own) take(e);
    if (!page.IsTruncated || page.NextKeyMarker !== key) return;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}

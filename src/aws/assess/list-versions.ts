import {
  type DeleteMarkerEntry,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsOutput,
  type ObjectVersion,
  type S3Client,
} from '@aws-sdk/client-s3';
import { httpStatusOf } from '../aws-errors.ts';
import { type RetryOptions, withRetry } from '../retry.ts';
import type { ListedEntry } from './group-versions.ts';
import { compareKeys } from './key-order.ts';
import { type ParsedListing, parseListVersionsXml } from './list-versions-xml.ts';

export interface ListVersionsOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  delimiter?: string | undefined;
  /** Start after this key (exclusive), e.g. the last key a crashed scan had decided. */
  keyMarker?: string | undefined;
  signal?: AbortSignal | undefined;
  maxKeys?: number | undefined;
  onRequest?: () => void;
  /**
   * Sees each page as soon as it arrives, ahead of the consumer; returning false ends the listing
   * after this page without requesting the next one.
   */
  onPage?: (page: VersionPage) => boolean;
  retry?: RetryOptions;
}

export interface VersionPage {
  /** Versions and delete markers in listing order: key order, newest first within a key. */
  entries: ListedEntry[];
  /** With a delimiter: the "folders" this page rolled up. */
  prefixes: string[];
}

/**
 * Streams `ListObjectVersions` pages, versions and delete markers in listing order. A page that
 * neither reader can parse (a key with characters XML 1.0 cannot hold) is asked for again with
 * `EncodingType=url`, and decoded.
 */
export async function* listVersionPages(opts: ListVersionsOptions): AsyncGenerator<VersionPage> {
  let keyMarker = opts.keyMarker;
  let versionIdMarker: string | undefined;
  let encoding: 'url' | undefined;
  for (;;) {
    const send = () =>
      sendListVersions(
        opts.s3,
        {
          Bucket: opts.bucket,
          Prefix: opts.prefix || undefined,
          Delimiter: opts.delimiter,
          KeyMarker: keyMarker,
          VersionIdMarker: keyMarker === undefined ? undefined : versionIdMarker,
          MaxKeys: opts.maxKeys,
          EncodingType: encoding,
        },
        opts.signal,
      );
    opts.onRequest?.();
    const out = await withRetry(async () => {
      try {
        return await send();
      } catch (error) {
        // A 200 that failed to parse: a key with characters XML 1.0 cannot hold.
        if (encoding !== undefined || httpStatusOf(error) !== 200) throw error;
        encoding = 'url';
        opts.onRequest?.();
        return await send();
      }
    }, opts.retry);
    const decode = out.encodingType === 'url' ? decodeS3Url : (s: string) => s;
    const page: VersionPage =
      decode === decodeS3Url
        ? {
            entries: out.entries.map((e) => ({ ...e, key: decode(e.key) })),
            prefixes: out.prefixes.map(decode),
          }
        : { entries: out.entries, prefixes: out.prefixes };
    const more = opts.onPage?.(page) ?? true;
    yield page;
    if (!out.isTruncated || !more) return;
    const next = out.nextKeyMarker === undefined ? undefined : decode(out.nextKeyMarker);
    if (next === undefined) throw new Error('ListObjectVersions was truncated without a NextKeyMarker');
    keyMarker = next;
    versionIdMarker = out.nextVersionIdMarker;
  }
}

const EMPTY_RESULT = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult></ListVersionsResult>',
);

/**
 * Sends one `ListObjectVersions` through the SDK (signing, endpoints, retries, errors all as
 * usual) but reads a successful page with `parseListVersionsXml`, handing the SDK an empty result
 * to parse instead. A page that reader refuses is parsed by the SDK as it came.
 */
export async function sendListVersions(
  s3: S3Client,
  input: ListObjectVersionsCommandInput,
  signal: AbortSignal | undefined,
): Promise<ParsedListing> {
  const command = new ListObjectVersionsCommand(input);
  let parsed: ParsedListing | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      parsed = undefined;
      if (response.statusCode !== 200) return result;
      const body = await bodyBytes(response.body);
      try {
        parsed = parseListVersionsXml(body);
        response.body = Uint8Array.from(EMPTY_RESULT);
      } catch {
        response.body = new Uint8Array(body);
      }
      return result;
    },
    // Innermost in the deserialize step: it sees the raw response before any SDK parsing.
    { step: 'deserialize', name: 'ssecFastListVersions', priority: 'low' },
  );
  const out = await s3.send(command, { abortSignal: signal });
  if (parsed) return parsed;
  return {
    entries: mergeEntries(out, (s) => s),
    prefixes: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [p.Prefix])),
    isTruncated: out.IsTruncated ?? false,
    nextKeyMarker: out.NextKeyMarker,
    nextVersionIdMarker: out.NextVersionIdMarker,
    encodingType: out.EncodingType,
    parser: 'sdk',
  };
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** `EncodingType=url` answers are form-encoded: `+` is a space, a literal plus is `%2B`. */
export function decodeS3Url(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/**
 * Merges the two arrays back into listing order. Within a key: the latest first, then newest
 * first. Listings give whole seconds, so a version and a delete marker of one key may tie; the
 * version goes first then, because treating a restorable version as gone would leave data behind,
 * while the other error only resurrects an object deleted before the incident.
 */
export function mergeEntries(out: ListObjectVersionsOutput, decode: (s: string) => string): ListedEntry[] {
  const versions = (out.Versions ?? []).map((v) => fromVersion(v, decode));
  const markers = (out.DeleteMarkers ?? []).map((m) => fromMarker(m, decode));
  if (markers.length === 0) return versions;
  if (versions.length === 0) return markers;
  const merged: ListedEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < versions.length && j < markers.length) {
    if (entryOrder(versions[i]!, markers[j]!) <= 0) merged.push(versions[i++]!);
    else merged.push(markers[j++]!);
  }
  while (i < versions.length) merged.push(versions[i++]!);
  while (j < markers.length) merged.push(markers[j++]!);
  return merged;
}

function entryOrder(a: ListedEntry, b: ListedEntry): number {
  const byKey = compareKeys(a.key, b.key);
  if (byKey !== 0) return byKey;
  if (a.isLatest !== b.isLatest) return a.isLatest ? -1 : 1;
  const byTime = b.lastModified.getTime() - a.lastModified.getTime();
  if (byTime !== 0) return byTime;
  return a.isDeleteMarker === b.isDeleteMarker ? 0 : a.isDeleteMarker ? 1 : -1;
}

function fromVersion(v: ObjectVersion, decode: (s: string) => string): ListedEntry {
  return {
    key: decode(v.Key ?? ''),
    versionId: v.VersionId ?? 'null',
    isDeleteMarker: false,
    isLatest: v.IsLatest ?? false,
    lastModified: v.LastModified ?? new Date(0),
    size: v.Size ?? 0,
    etag: v.ETag,
    storageClass: v.StorageClass,
  };
}

function fromMarker(m: DeleteMarkerEntry, decode: (s: string) => string): ListedEntry {
  return {
    key: decode(m.Key ?? ''),
    versionId: m.VersionId ?? 'null',
    isDeleteMarker: true,
    isLatest: m.IsLatest ?? false,
    lastModified: m.LastModified ?? new Date(0),
    size: 0,
    etag: undefined,
    storageClass: undefined,
  };
}

/**
 * Keeps up to `depth` items of an async source in flight, so the next listing page is already
 * on its way while this one's keys are being HEADed (s3-pit-restore waits for each page instead).
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const p = it.next();
    // Rejections surface when the consumer awaits this promise; until then, do not crash on them.
    p.catch(() => {});
    pending.push(p);
  };
  try {
    for (let i = 0; i < Math.max(1, depth); i++) pull();
    for (;;) {
      const r = await pending.shift()!;
      if (r.done) return;
      pull();
      yield r.value;
    }
  } finally {
    await it.return?.(undefined).catch(() => {});
  }
}

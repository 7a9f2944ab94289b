// ListObjectVersions, ListObjectsV2 and ListObjects. Each page walks the bucket's sorted keys from
// its marker and jumps over whole common prefixes, so a page costs O(page) in a bucket of any size.

import type { S3Context } from './s3-context.ts';
import { invalidArgument } from './s3-errors.ts';
import { type Bucket, type ObjectVersion, OWNER } from './s3-model.ts';
import { isoDate, parseMaxKeys, urlEncodeKey, xmlResponse } from './s3-protocol.ts';
import { compareKeys } from './s3-sorted-keys.ts';
import type { SandboxResponse } from './types.ts';
import { escapeXml, xmlLeaf } from './xml.ts';

const OWNER_XML = `<Owner><ID>${OWNER.id}</ID><DisplayName>${OWNER.displayName}</DisplayName></Owner>`;

/** Called with a key, or with a common prefix; returns false to stop the walk. */
type Visit = (key: string | undefined, commonPrefix: string | undefined) => boolean;

/**
 * Visits keys under `prefix` strictly after `after`, rolling keys that contain `delimiter` (after
 * the prefix) into common prefixes. `includePrefix` decides whether a common prefix has anything
 * to show (ListObjects hides prefixes whose keys all end in delete markers).
 */
function walk(
  bucket: Bucket,
  prefix: string,
  delimiter: string,
  after: string | undefined,
  visit: Visit,
  includePrefix: (commonPrefix: string) => boolean = () => true,
): void {
  const order = bucket.order;
  const cursor =
    after !== undefined && compareKeys(after, prefix) >= 0
      ? order.seek(after, true)
      : order.seek(prefix, false);
  for (;;) {
    const key = order.keyAt(cursor);
    if (key === undefined || !key.startsWith(prefix)) return;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut === -1) {
      if (!visit(key, undefined)) return;
      order.advance(cursor);
      continue;
    }
    const commonPrefix = key.slice(0, cut + delimiter.length);
    // A marker equal to (or inside) a common prefix means that prefix was already returned.
    const alreadyListed = after !== undefined && compareKeys(commonPrefix, after) <= 0;
    if (!alreadyListed && includePrefix(commonPrefix) && !visit(undefined, commonPrefix)) return;
    const next = order.seekPastPrefix(commonPrefix);
    cursor.block = next.block;
    cursor.index = next.index;
  }
}

function hasLiveObject(bucket: Bucket, commonPrefix: string): boolean {
  const order = bucket.order;
  const cursor = order.seek(commonPrefix, false);
  for (let key = order.keyAt(cursor); key?.startsWith(commonPrefix); key = order.keyAt(cursor)) {
    if (!bucket.keys.get(key)?.[0]?.deleteMarker) return true;
    order.advance(cursor);
  }
  return false;
}

interface ListParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: (value: string) => string;
  encodingType: string | undefined;
}

function listParams(ctx: S3Context): ListParams {
  const query = ctx.req.query;
  const encodingType = query.get('encoding-type') ?? undefined;
  if (encodingType !== undefined && encodingType !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  }
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    maxKeys: parseMaxKeys(query.get('max-keys')),
    encode: encodingType === 'url' ? urlEncodeKey : (v) => v,
    encodingType,
  };
}

function leaf(name: string, value: string | undefined, p: ListParams): string {
  return value === undefined ? '' : `<${name}>${escapeXml(p.encode(value))}</${name}>`;
}

function versionXml(key: string, v: ObjectVersion, isLatest: boolean, p: ListParams): string {
  const common = `<Key>${escapeXml(p.encode(key))}</Key><VersionId>${v.id}</VersionId><IsLatest>${isLatest}</IsLatest><LastModified>${isoDate(v.lastModifiedSec)}</LastModified>`;
  if (v.deleteMarker) return `<DeleteMarker>${common}${OWNER_XML}</DeleteMarker>`;
  return `<Version>${common}<ETag>${escapeXml(v.etag)}</ETag><Size>${v.size}</Size>${OWNER_XML}<StorageClass>${v.storageClass}</StorageClass></Version>`;
}

function prefixesXml(prefixes: string[], p: ListParams): string {
  let xml = '';
  for (const cp of prefixes) xml += `<CommonPrefixes>${leaf('Prefix', cp, p)}</CommonPrefixes>`;
  return xml;
}

export function listObjectVersions(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const p = listParams(ctx);
  const keyMarker = ctx.req.query.get('key-marker') || undefined;
  const versionIdMarker = ctx.req.query.get('version-id-marker') || undefined;
  if (versionIdMarker !== undefined && keyMarker === undefined) {
    throw invalidArgument(
      'A version-id marker cannot be specified without a key marker.',
      'version-id-marker',
      versionIdMarker,
    );
  }
  let entries = '';
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  let nextKey: string | undefined;
  let nextVersionId: string | undefined;
  const emit = (key: string, versions: readonly ObjectVersion[], from: number): boolean => {
    for (let i = from; i < versions.length; i++) {
      if (count === p.maxKeys) {
        truncated = true;
        return false;
      }
      const version = versions[i] as ObjectVersion;
      entries += versionXml(key, version, i === 0, p);
      count++;
      nextKey = key;
      nextVersionId = version.id;
    }
    return true;
  };
  let more = true;
  if (keyMarker !== undefined && versionIdMarker !== undefined && keyMarker.startsWith(p.prefix)) {
    // The marker key's versions straddle the page boundary: continue after the marker version.
    const versions = bucket.keys.get(keyMarker) ?? [];
    const at = versions.findIndex((v) => v.id === versionIdMarker);
    if (at !== -1) more = emit(keyMarker, versions, at + 1);
  }
  if (more) {
    walk(bucket, p.prefix, p.delimiter, keyMarker, (key, commonPrefix) => {
      if (key !== undefined) return emit(key, bucket.keys.get(key) ?? [], 0);
      if (count === p.maxKeys) {
        truncated = true;
        return false;
      }
      prefixes.push(commonPrefix as string);
      count++;
      nextKey = commonPrefix;
      nextVersionId = undefined;
      return true;
    });
  }
  const inner =
    xmlLeaf('Name', bucket.name) +
    leaf('Prefix', p.prefix, p) +
    leaf('KeyMarker', keyMarker ?? '', p) +
    xmlLeaf('VersionIdMarker', versionIdMarker ?? '') +
    (truncated ? leaf('NextKeyMarker', nextKey, p) + xmlLeaf('NextVersionIdMarker', nextVersionId) : '') +
    xmlLeaf('MaxKeys', p.maxKeys) +
    (p.delimiter ? leaf('Delimiter', p.delimiter, p) : '') +
    xmlLeaf('IsTruncated', truncated) +
    entries +
    prefixesXml(prefixes, p) +
    xmlLeaf('EncodingType', p.encodingType);
  return xmlResponse('ListVersionsResult', inner);
}

interface CurrentPage {
  contents: string;
  prefixes: string[];
  count: number;
  truncated: boolean;
  last: string | undefined;
}

/** Current, non-deleted objects after `after` — the common core of ListObjects and ListObjectsV2. */
function currentObjectsPage(
  bucket: Bucket,
  p: ListParams,
  after: string | undefined,
  owner: boolean,
): CurrentPage {
  const page: CurrentPage = { contents: '', prefixes: [], count: 0, truncated: false, last: undefined };
  const ownerXml = owner ? OWNER_XML : '';
  walk(
    bucket,
    p.prefix,
    p.delimiter,
    after,
    (key, commonPrefix) => {
      const current = key === undefined ? undefined : bucket.keys.get(key)?.[0];
      if (key !== undefined && (!current || current.deleteMarker)) return true;
      if (page.count === p.maxKeys) {
        page.truncated = true;
        return false;
      }
      page.count++;
      if (key !== undefined && current) {
        page.contents += `<Contents><Key>${escapeXml(p.encode(key))}</Key><LastModified>${isoDate(current.lastModifiedSec)}</LastModified><ETag>${escapeXml(current.etag)}</ETag><Size>${current.size}</Size>${ownerXml}<StorageClass>${current.storageClass}</StorageClass></Contents>`;
        page.last = key;
      } else {
        page.prefixes.push(commonPrefix as string);
        page.last = commonPrefix;
      }
      return true;
    },
    (commonPrefix) => hasLiveObject(bucket, commonPrefix),
  );
  return page;
}

function encodeToken(key: string): string {
  return Buffer.from(`ssec:${key}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith('ssec:')) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return decoded.slice(5);
}

export function listObjectsV2(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const p = listParams(ctx);
  const query = ctx.req.query;
  const token = query.get('continuation-token') ?? undefined;
  const startAfter = query.get('start-after') || undefined;
  const after = token !== undefined ? decodeToken(token) : startAfter;
  const page = currentObjectsPage(bucket, p, after, query.get('fetch-owner') === 'true');
  const inner =
    xmlLeaf('Name', bucket.name) +
    leaf('Prefix', p.prefix, p) +
    leaf('StartAfter', startAfter, p) +
    xmlLeaf('ContinuationToken', token) +
    xmlLeaf('KeyCount', page.count) +
    xmlLeaf('MaxKeys', p.maxKeys) +
    (p.delimiter ? leaf('Delimiter', p.delimiter, p) : '') +
    xmlLeaf('IsTruncated', page.truncated) +
    (page.truncated && page.last !== undefined
      ? xmlLeaf('NextContinuationToken', encodeToken(page.last))
      : '') +
    page.contents +
    prefixesXml(page.prefixes, p) +
    xmlLeaf('EncodingType', p.encodingType);
  return xmlResponse('ListBucketResult', inner);
}

export function listObjects(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const p = listParams(ctx);
  const marker = ctx.req.query.get('marker') || undefined;
  const page = currentObjectsPage(bucket, p, marker, true);
  const inner =
    xmlLeaf('Name', bucket.name) +
    leaf('Prefix', p.prefix, p) +
    leaf('Marker', marker ?? '', p) +
    // S3 only sends NextMarker when a delimiter is used; otherwise clients continue from the last key.
    (page.truncated && p.delimiter ? leaf('NextMarker', page.last, p) : '') +
    xmlLeaf('MaxKeys', p.maxKeys) +
    (p.delimiter ? leaf('Delimiter', p.delimiter, p) : '') +
    xmlLeaf('IsTruncated', page.truncated) +
    page.contents +
    prefixesXml(page.prefixes, p) +
    xmlLeaf('EncodingType', p.encodingType);
  return xmlResponse('ListBucketResult', inner);
}

// The in-memory S3 state and its versioning rules, free of HTTP so the REST handlers, AWS Backup,
// S3 Batch Operations and in-process test seeding all share one implementation of what a write
// or a delete does to a key's versions.

import { BodyStore, quoteEtag } from './s3-bodies.ts';
import { noSuchBucket } from './s3-errors.ts';
import { type Random, randomId } from './s3-ids.ts';
import {
  type Bucket,
  type EncryptionRule,
  type ObjectEncryption,
  ObjectVersion,
  type VersioningStatus,
} from './s3-model.ts';
import { SortedKeys } from './s3-sorted-keys.ts';
import { sseCDescriptor } from './s3-sse-c.ts';
import type { CurrentObjectView, S3Backend, StoredObjectInput } from './types.ts';

/** Everything a new version can carry; the store fills in id, time and ETag. */
export interface VersionInput {
  /** A string is a body already stored as latin1 by this store (shared by copies). */
  body?: Buffer | string | undefined;
  size?: number | undefined;
  /** The version's ETag as given (multipart, explicit seeds); computed from the bytes otherwise. */
  etag?: string | undefined;
  /** MD5 ETag of the plaintext when the caller already knows it (a copy), to skip hashing. */
  plainEtag?: string | undefined;
  contentType?: string | undefined;
  metadata?: Record<string, string> | undefined;
  storageClass?: string | undefined;
  tags?: Record<string, string> | undefined;
  encryption?: ObjectEncryption | undefined;
  lastModified?: Date | undefined;
  partsCount?: number | undefined;
}

/** One version for bulk seeding: an object, or a delete marker. */
export interface SeedVersion extends StoredObjectInput {
  key: string;
  deleteMarker?: boolean;
  /** Quoted or bare; computed from the body when omitted. */
  etag?: string;
  kmsKeyId?: string;
}

/** A flat copy of a key: keys built by concatenation or slicing would pin their parts in memory. */
function flatKey(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

export class S3Store implements S3Backend {
  private readonly buckets = new Map<string, Bucket>();
  // Shared strings: most versions repeat a handful of content types and storage classes.
  private readonly interned = new Map<string, string>();
  private readonly bodies = new BodyStore();

  constructor(
    private readonly now: () => Date,
    private readonly random: Random,
  ) {}

  // ---- buckets ----

  bucketExists(name: string): boolean {
    return this.buckets.has(name);
  }

  getBucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  /** The bucket, or S3's NoSuchBucket error. */
  requireBucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  createBucket(name: string, opts: { versioning?: 'Enabled' | 'Suspended' } = {}): void {
    if (this.buckets.has(name)) return;
    this.buckets.set(name, {
      name,
      createdSec: Math.floor(this.now().getTime() / 1000),
      versioning: opts.versioning ?? 'Unversioned',
      keys: new Map(),
      order: new SortedKeys(),
      policy: undefined,
      encryption: undefined,
      lifecycleXml: undefined,
      uploads: new Map(),
    });
  }

  /** Removes an empty bucket; returns false when it still holds versions or uploads. */
  deleteBucket(name: string): boolean {
    const bucket = this.requireBucket(name);
    if (bucket.keys.size > 0 || bucket.uploads.size > 0) return false;
    this.buckets.delete(name);
    return true;
  }

  /** Versioning can be suspended but never returned to "never enabled", as in S3. */
  setVersioning(name: string, status: 'Enabled' | 'Suspended'): void {
    this.requireBucket(name).versioning = status;
  }

  getVersioning(name: string): VersioningStatus {
    return this.requireBucket(name).versioning;
  }

  reset(): void {
    this.buckets.clear();
  }

  // ---- versions ----

  newVersionId(): string {
    return randomId(this.random, 32);
  }

  newUploadId(): string {
    return randomId(this.random, 64);
  }

  nowSec(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /** Writes a version following the bucket's versioning state, and returns it. */
  writeVersion(bucket: Bucket, key: string, input: VersionInput): ObjectVersion {
    const body = input.body;
    const size = body === undefined ? (input.size ?? 0) : body.length;
    const version = new ObjectVersion(
      bucket.versioning === 'Enabled' ? this.newVersionId() : 'null',
      false,
      input.lastModified ? Math.floor(input.lastModified.getTime() / 1000) : this.nowSec(),
      size,
      input.etag ? quoteEtag(input.etag) : this.bodies.etagOf(body, size, input.encryption, input.plainEtag),
      typeof body === 'string' ? body : this.bodies.stored(body),
      input.contentType === undefined ? undefined : this.intern(input.contentType),
      this.intern(input.storageClass ?? 'STANDARD'),
      input.metadata && Object.keys(input.metadata).length > 0 ? input.metadata : undefined,
      input.tags && Object.keys(input.tags).length > 0 ? input.tags : undefined,
      input.encryption,
      input.partsCount,
    );
    this.insert(bucket, key, version);
    return version;
  }

  /**
   * DeleteObject without a version id: removes the object in a never-versioned bucket (returns
   * undefined), adds a delete marker when versioning is enabled, and replaces the null version
   * with a null delete marker when suspended.
   */
  writeDeleteMarker(bucket: Bucket, key: string, lastModified?: Date): ObjectVersion | undefined {
    if (bucket.versioning === 'Unversioned') {
      this.dropKey(bucket, key);
      return undefined;
    }
    const marker = new ObjectVersion(
      bucket.versioning === 'Enabled' ? this.newVersionId() : 'null',
      true,
      lastModified ? Math.floor(lastModified.getTime() / 1000) : this.nowSec(),
      0,
      '',
      undefined,
      undefined,
      'STANDARD',
      undefined,
      undefined,
      undefined,
      undefined,
    );
    this.insert(bucket, key, marker);
    return marker;
  }

  /** Permanently removes one version; the next newest becomes current. */
  deleteVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
    const versions = bucket.keys.get(key);
    if (!versions) return undefined;
    const index = versions.findIndex((v) => v.id === versionId);
    if (index === -1) return undefined;
    const [removed] = versions.splice(index, 1);
    if (versions.length === 0) this.dropKey(bucket, key);
    return removed;
  }

  /** The current version (possibly a delete marker) or the named one. */
  findVersion(bucket: Bucket, key: string, versionId?: string): ObjectVersion | undefined {
    const versions = bucket.keys.get(key);
    if (!versions) return undefined;
    if (versionId === undefined) return versions[0];
    return versions.find((v) => v.id === versionId);
  }

  versionsOf(bucket: Bucket, key: string): readonly ObjectVersion[] {
    return bucket.keys.get(key) ?? [];
  }

  private insert(bucket: Bucket, key: string, version: ObjectVersion): void {
    const versions = bucket.keys.get(key);
    if (!versions) {
      const flat = flatKey(key);
      bucket.keys.set(flat, [version]);
      bucket.order.insert(flat);
      return;
    }
    // Never-versioned and suspended buckets hold at most one null version per key.
    const replaced = version.id === 'null' ? versions.findIndex((v) => v.id === 'null') : -1;
    // A new, exactly sized array: growing one with unshift() reserves 16 spare slots, which is
    // most of the memory of a million small keys.
    const next = new Array<ObjectVersion>(versions.length + (replaced === -1 ? 1 : 0));
    next[0] = version;
    let at = 1;
    for (let i = 0; i < versions.length; i++) if (i !== replaced) next[at++] = versions[i] as ObjectVersion;
    bucket.keys.set(key, next);
  }

  private dropKey(bucket: Bucket, key: string): void {
    if (bucket.keys.delete(key)) bucket.order.remove(key);
  }

  private intern(value: string): string {
    const existing = this.interned.get(value);
    if (existing !== undefined) return existing;
    if (this.interned.size < 10_000) this.interned.set(value, value);
    return value;
  }

  // ---- S3Backend (used by Backup and Batch Operations) and in-process seeding ----

  putObject(bucketName: string, key: string, input: StoredObjectInput): string {
    return this.writeVersion(this.requireBucket(bucketName), key, toVersionInput(input)).id;
  }

  listCurrentObjects(bucketName: string): CurrentObjectView[] {
    const bucket = this.requireBucket(bucketName);
    const views: CurrentObjectView[] = [];
    for (const key of bucket.order) {
      const current = bucket.keys.get(key)?.[0];
      if (current && !current.deleteMarker) views.push(toView(key, current));
    }
    return views;
  }

  getCurrentObject(bucketName: string, key: string): CurrentObjectView | undefined {
    const current = this.getBucket(bucketName)?.keys.get(key)?.[0];
    return current && !current.deleteMarker ? toView(key, current) : undefined;
  }

  getObjectVersion(bucketName: string, key: string, versionId: string): CurrentObjectView | undefined {
    const bucket = this.getBucket(bucketName);
    const version = bucket && this.findVersion(bucket, key, versionId);
    return version && !version.deleteMarker ? toView(key, version) : undefined;
  }

  /**
   * Bulk seeding without HTTP: a million versions in seconds. Versions are written in the order
   * given (later ones become current), with `lastModified` as given so tests can place versions
   * before or inside an incident window. Share one Buffer between versions to share its memory.
   */
  seed(bucketName: string, versions: Iterable<SeedVersion>): string[] {
    const bucket = this.requireBucket(bucketName);
    const ids: string[] = [];
    for (const seed of versions) {
      const written = seed.deleteMarker
        ? this.writeDeleteMarker(bucket, seed.key, seed.lastModified)
        : this.writeVersion(bucket, seed.key, toVersionInput(seed));
      ids.push(written?.id ?? 'null');
    }
    return ids;
  }

  /** DeleteObject without a version id, in process; returns the marker's id (undefined if none). */
  putDeleteMarker(bucketName: string, key: string, opts: { lastModified?: Date } = {}): string | undefined {
    return this.writeDeleteMarker(this.requireBucket(bucketName), key, opts.lastModified)?.id;
  }

  /** Permanently deletes one version in process (what a NoncurrentVersionExpiration would do). */
  removeVersion(bucketName: string, key: string, versionId: string): boolean {
    return this.deleteVersion(this.requireBucket(bucketName), key, versionId) !== undefined;
  }

  /** Every version and delete marker of one key (or of the bucket), newest first per key. */
  listVersions(bucketName: string, key?: string): VersionListing[] {
    const bucket = this.requireBucket(bucketName);
    const keys = key === undefined ? bucket.order : [key];
    const listing: VersionListing[] = [];
    for (const k of keys) {
      (bucket.keys.get(k) ?? []).forEach((v, i) => {
        listing.push({
          ...toView(k, v),
          isLatest: i === 0,
          deleteMarker: v.deleteMarker,
          storageClass: v.storageClass,
        });
      });
    }
    return listing;
  }

  /** Bucket configuration as last written through the API, for assertions and the drill. */
  bucketConfig(bucketName: string): BucketConfigView {
    const bucket = this.requireBucket(bucketName);
    return {
      versioning: bucket.versioning,
      policy: bucket.policy,
      encryption: bucket.encryption?.map((rule) => ({ ...rule })),
      lifecycleXml: bucket.lifecycleXml,
    };
  }

  stats(): { buckets: number; keys: number; versions: number } {
    let keys = 0;
    let versions = 0;
    for (const bucket of this.buckets.values()) {
      keys += bucket.keys.size;
      for (const list of bucket.keys.values()) versions += list.length;
    }
    return { buckets: this.buckets.size, keys, versions };
  }
}

export interface VersionListing extends CurrentObjectView {
  isLatest: boolean;
  deleteMarker: boolean;
  storageClass: string;
}

export interface BucketConfigView {
  versioning: VersioningStatus;
  policy: string | undefined;
  encryption: EncryptionRule[] | undefined;
  lifecycleXml: string | undefined;
}

export function toVersionInput(
  input: StoredObjectInput & { etag?: string; kmsKeyId?: string },
): VersionInput {
  let encryption: ObjectEncryption | undefined;
  if (input.sseCustomerAlgorithm && input.sseCustomerKeyMd5) {
    encryption = sseCDescriptor(input.sseCustomerAlgorithm, input.sseCustomerKeyMd5);
  } else if (input.kmsKeyId) {
    encryption = { kind: 'aws:kms', kmsKeyId: input.kmsKeyId };
  }
  return {
    body: input.body,
    size: input.size,
    etag: input.etag,
    contentType: input.contentType,
    metadata: input.metadata,
    storageClass: input.storageClass,
    tags: input.tags,
    encryption,
    lastModified: input.lastModified,
  };
}

export function toView(key: string, version: ObjectVersion): CurrentObjectView {
  return {
    key,
    versionId: version.id,
    size: version.size,
    etag: version.etag,
    lastModified: version.lastModified,
    contentType: version.contentType,
    metadata: { ...version.metadata },
    sseCustomerAlgorithm: version.encryption?.kind === 'SSE-C' ? version.encryption.algorithm : undefined,
    body: version.body,
  };
}

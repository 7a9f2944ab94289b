// The stand-in's S3 data model. Versions are fixed-shape objects with second-resolution timestamps
// (S3 reports LastModified to the second), and repeated strings such as SSE-C key digests, content
// types and storage classes are shared, so a million versions fit in a few hundred MB.

import type { SortedKeys } from './s3-sorted-keys.ts';

export type VersioningStatus = 'Unversioned' | 'Enabled' | 'Suspended';

/** How one version is encrypted at rest; SSE-S3 (AES256) is the default and is not stored. */
export type ObjectEncryption =
  | { readonly kind: 'SSE-C'; readonly algorithm: string; readonly keyMd5: string }
  | { readonly kind: 'aws:kms'; readonly kmsKeyId: string | undefined };

export class ObjectVersion {
  constructor(
    readonly id: string,
    readonly deleteMarker: boolean,
    readonly lastModifiedSec: number,
    readonly size: number,
    /** Quoted, as S3 sends it. */
    readonly etag: string,
    /**
     * The bytes: small bodies as a latin1 string (16 bytes of overhead instead of a Buffer's
     * ~200), larger ones as a Buffer; undefined when metadata only (huge seeds, delete markers).
     */
    readonly data: Buffer | string | undefined,
    readonly contentType: string | undefined,
    readonly storageClass: string,
    readonly metadata: Readonly<Record<string, string>> | undefined,
    public tags: Readonly<Record<string, string>> | undefined,
    readonly encryption: ObjectEncryption | undefined,
    /** Number of parts when the version was written by a multipart upload. */
    readonly partsCount: number | undefined,
  ) {}

  get lastModified(): Date {
    return new Date(this.lastModifiedSec * 1000);
  }

  get body(): Buffer | undefined {
    return typeof this.data === 'string' ? Buffer.from(this.data, 'latin1') : this.data;
  }
}

export interface EncryptionRule {
  sseAlgorithm: string | undefined;
  kmsMasterKeyId: string | undefined;
  bucketKeyEnabled: boolean | undefined;
  blockedEncryptionTypes: string[] | undefined;
}

export interface MultipartPart {
  partNumber: number;
  etag: string;
  size: number;
  body: Buffer | undefined;
  lastModifiedSec: number;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiatedSec: number;
  contentType: string | undefined;
  metadata: Record<string, string> | undefined;
  tags: Record<string, string> | undefined;
  storageClass: string;
  encryption: ObjectEncryption | undefined;
  parts: Map<number, MultipartPart>;
}

export interface Bucket {
  readonly name: string;
  readonly createdSec: number;
  versioning: VersioningStatus;
  /** Versions of each key, newest first; index 0 is the current version. */
  readonly keys: Map<string, ObjectVersion[]>;
  readonly order: SortedKeys;
  policy: string | undefined;
  encryption: EncryptionRule[] | undefined;
  /** Stored exactly as sent: the sandbox never executes lifecycle rules. */
  lifecycleXml: string | undefined;
  readonly uploads: Map<string, MultipartUpload>;
}

export const OWNER = {
  id: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a',
  displayName: 'ssec-sandbox',
};

/** Five GiB: the largest CopyObject source and the largest single part. */
export const MAX_COPY_SIZE = 5 * 1024 ** 3;

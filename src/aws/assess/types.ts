// Shapes shared by the assess modules: what the listing yields, what a HEAD tells, and what each
// key is decided to be. Kept free of the SDK so the decision logic is testable without it.

/** One entry of `ListObjectVersions`: a version or a delete marker. */
export interface VersionEntry {
  versionId: string;
  isDeleteMarker: boolean;
  isLatest: boolean;
  lastModified: Date;
  size: number;
  etag: string | undefined;
  /**
   * As listed (`STANDARD`, `GLACIER`, ...); undefined for delete markers, and for a version when
   * the listing left it out (which S3 does not do: read a missing one as `STANDARD`).
   */
  storageClass: string | undefined;
}

/**
 * A key's versions, newest first, trimmed to what a decision can need: every entry inside the
 * window plus the first one before it. `versions` counts all entries the listing returned.
 */
export interface KeyGroup {
  key: string;
  entries: VersionEntry[];
  versions: number;
  /** The newest entry was written inside the window: the key needs a decision. */
  candidate: boolean;
}

/** The incident window. `since` is floored to the second because listings report whole seconds. */
export interface Window {
  since: Date;
  until: Date | undefined;
}

/** What a HEAD without an SSE-C key says about a version. */
export type HeadOutcome =
  | { kind: 'plain' }
  | { kind: 'sse-c' }
  | { kind: 'error'; status: number | undefined; code: string; message: string };

export interface AffectedDecision {
  kind: 'affected';
  key: string;
  /** The attacker's current version, or the delete marker over it. */
  versionId: string;
  isDeleteMarker: boolean;
  lastModified: Date;
  size: number;
  restoreVersionId: string | null;
  restoreSize: number | null;
  restoreEtag: string | null;
  /**
   * The clean version's storage class (`STANDARD` when the listing gave none); null without a clean
   * version. `GLACIER` and `DEEP_ARCHIVE` cannot be copied until RestoreObject has run on them.
   */
  restoreStorageClass: string | null;
  reason: string | null;
  /** When the clean version became noncurrent (the write just above it): lifecycle counts from here. */
  restoreNoncurrentSince: Date | null;
}

export interface ChangedDecision {
  kind: 'changed';
  key: string;
  versionId: string;
  lastModified: Date;
  size: number;
  /** True when the key was deleted during the window (its newest entry is a delete marker). */
  isDeleteMarker: boolean;
  /** Under a delete marker: the newest version beneath it, which undeleting would bring back. */
  previousVersionId: string | null;
}

export interface ErrorDecision {
  kind: 'error';
  key: string;
  versionId: string;
  status: number | undefined;
  code: string;
  message: string;
}

export interface UntouchedDecision {
  kind: 'untouched';
  key: string;
}

export type KeyDecision = AffectedDecision | ChangedDecision | ErrorDecision | UntouchedDecision;

export type VersioningStatus = 'Enabled' | 'Suspended' | 'Disabled';

/** Counters reported to `onProgress` and stored with each committed page. */
export interface AssessProgress {
  keys: number;
  versions: number;
  candidates: number;
  /** Affected keys, recoverable or not. */
  affected: number;
  unrecoverable: number;
  changed: number;
  errors: number;
  listRequests: number;
  headRequests: number;
  /** Requests that S3 throttled (503 SlowDown) or failed transiently and were sent again by us. */
  retries: number;
  partitions: number;
  partitionsDone: number;
  /** Most listing streams that ran at once (they open as the HEADs run short of work). */
  listStreams: number;
  /** Earliest moment a clean version was made noncurrent by the attacker (ISO), for lifecycle deadlines. */
  firstOverwriteAt: string | null;
  elapsedMs: number;
}

export function emptyProgress(): AssessProgress {
  return {
    keys: 0,
    versions: 0,
    candidates: 0,
    affected: 0,
    unrecoverable: 0,
    changed: 0,
    errors: 0,
    listRequests: 0,
    headRequests: 0,
    retries: 0,
    partitions: 0,
    partitionsDone: 0,
    listStreams: 1,
    firstOverwriteAt: null,
    elapsedMs: 0,
  };
}

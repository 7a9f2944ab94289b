// What to do with one affected object, decided from the bucket's listing (and, in the rare
// ambiguous case, a HEAD of the current version). Pure, so every branch is unit-tested.

import type { AffectedObject } from '../../store/assessments.ts';

export interface VersionInfo {
  versionId: string;
  isDeleteMarker: boolean;
  etag: string | undefined;
  size: number | undefined;
  storageClass: string | undefined;
}

export interface KeyVersions {
  /** The key's current version (or delete marker); null when the key has no versions at all. */
  current: VersionInfo | null;
  /** The clean version named by the assessment; null when it no longer exists. */
  source: VersionInfo | null;
}

/** What a HEAD of the current version (without any SSE-C key) said. */
export type HeadResult =
  | { status: 200; versionId: string | undefined; etag: string | undefined; size: number | undefined }
  | { status: 400 } // still SSE-C
  | { status: 404 } // no current object (a delete marker)
  | { status: number };

export type Decision =
  | { action: 'copy'; source: VersionInfo }
  | { action: 'check' }
  | { action: 'mark'; status: 'restored'; restoredVersionId: string; note: string }
  | { action: 'mark'; status: 'skipped' | 'unrecoverable' | 'failed'; reason: string };

/** Copies above this size go through UploadPartCopy and get a multipart ETag, not the source's. */
export const MAX_SINGLE_COPY = 5 * 1024 ** 3;

const multipartSized = (source: VersionInfo) =>
  (source.size ?? 0) > MAX_SINGLE_COPY || (source.etag ?? '').includes('-');

/**
 * From the listing alone. The attacker's version still current: copy. The clean version current
 * again: nothing to do. Anything newer than the attacker's version is ambiguous (our own copy from
 * a run that died before recording it, or a new write): HEAD it before deciding.
 */
export function decideFromListing(row: AffectedObject, versions: KeyVersions): Decision {
  const source = versions.source;
  if (row.restoreVersionId === null)
    return { action: 'mark', status: 'unrecoverable', reason: row.reason ?? 'no clean version' };
  if (!source) {
    return {
      action: 'mark',
      status: 'unrecoverable',
      reason: `clean version ${row.restoreVersionId} no longer exists (expired or deleted since the assessment)`,
    };
  }
  if (source.isDeleteMarker) {
    return {
      action: 'mark',
      status: 'unrecoverable',
      reason: `version ${row.restoreVersionId} is a delete marker`,
    };
  }
  const current = versions.current;
  if (current === null || current.versionId === row.versionId) return { action: 'copy', source };
  if (current.versionId === source.versionId) {
    return { action: 'mark', status: 'skipped', reason: 'the clean version is current again' };
  }
  return { action: 'check' };
}

/** After the HEAD an ambiguous object needed. */
export function decideAfterHead(source: VersionInfo, head: HeadResult): Decision {
  if (head.status === 400) return { action: 'copy', source }; // re-encrypted again since the assessment
  if (head.status === 404) {
    return {
      action: 'mark',
      status: 'failed',
      reason: 'deleted after the assessment (a newer delete marker); re-assess before restoring',
    };
  }
  if (head.status !== 200 || !('versionId' in head)) {
    return {
      action: 'mark',
      status: 'failed',
      reason: `HEAD of the current version answered ${head.status}`,
    };
  }
  const sameBytes =
    (head.etag !== undefined && head.etag === source.etag) ||
    (multipartSized(source) && head.size !== undefined && head.size === source.size);
  if (sameBytes && head.versionId) {
    return {
      action: 'mark',
      status: 'restored',
      restoredVersionId: head.versionId,
      note: 'already restored',
    };
  }
  return {
    action: 'mark',
    status: 'failed',
    reason: `current version ${head.versionId ?? '?'} is newer than the attacker's and not SSE-C: not overwriting it`,
  };
}

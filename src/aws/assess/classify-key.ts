import type {
  AffectedDecision,
  HeadOutcome,
  KeyDecision,
  KeyGroup,
  VersionEntry,
  VersioningStatus,
  Window,
} from './types.ts';

export const REASONS = {
  legitimateSseC: 'previous version is SSE-C from before the incident (legitimate SSE-C user?)',
  noEarlierVersion: 'created by the attacker: no earlier version',
  overDeleteMarker: 'created by the attacker over a deleted object: the earlier entry is a delete marker',
  unversioned: (status: VersioningStatus) =>
    `no earlier version: versioning is ${status === 'Suspended' ? 'suspended' : 'not enabled'} on the bucket, so the overwrite replaced it (look for AWS Backup recovery points)`,
} as const;

/** Listings report whole seconds, so a window starting mid-second must include that second. */
export function makeWindow(since: Date, until?: Date): Window {
  return { since: new Date(Math.floor(since.getTime() / 1000) * 1000), until };
}

export function inWindow(at: Date, w: Window): boolean {
  const t = at.getTime();
  return t >= w.since.getTime() && (w.until === undefined || t <= w.until.getTime());
}

export function beforeWindow(at: Date, w: Window): boolean {
  return at.getTime() < w.since.getTime();
}

/**
 * The decision for keys that need no HEAD: keys whose newest entry is outside the window (this
 * includes legitimate SSE-C objects written before it), and keys deleted during the window with no
 * version written inside it. Undefined when HEADs must decide.
 */
export function decideWithoutHead(group: KeyGroup, w: Window): KeyDecision | undefined {
  const top = group.entries[0];
  if (!group.candidate || !top) return { kind: 'untouched', key: group.key };
  const firstVersion = newestVersionInWindow(group.entries, w);
  if (firstVersion !== undefined) return undefined;
  // Only delete markers inside the window: a deletion, whatever lies beneath was not re-encrypted.
  const beneath = group.entries.find((e) => !inWindow(e.lastModified, w));
  return {
    kind: 'changed',
    key: group.key,
    versionId: top.versionId,
    lastModified: top.lastModified,
    size: 0,
    isDeleteMarker: true,
    previousVersionId: beneath && !beneath.isDeleteMarker ? beneath.versionId : null,
  };
}

function newestVersionInWindow(entries: readonly VersionEntry[], w: Window): number | undefined {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!inWindow(e.lastModified, w)) return undefined;
    if (!e.isDeleteMarker) return i;
  }
  return undefined;
}

/**
 * Decides one key from its versions (newest first), HEADing without a key only what the answer
 * needs: the in-window versions from the top down until one reads (plain) or the walk leaves the
 * window, plus one HEAD of the first version before the window when every in-window version is
 * SSE-C. So HEADs ≤ in-window versions of candidate keys + one per affected key.
 */
export async function decideKey(
  group: KeyGroup,
  w: Window,
  head: (entry: VersionEntry) => Promise<HeadOutcome>,
  versioning: VersioningStatus = 'Enabled',
): Promise<KeyDecision> {
  const quick = decideWithoutHead(group, w);
  if (quick) return quick;
  const { entries, key } = group;
  const top = entries[0]!;
  const first = newestVersionInWindow(entries, w)!;
  const newest = entries[first]!;
  const outcome = await head(newest);
  if (outcome.kind === 'error') return errorDecision(key, newest, outcome);
  if (outcome.kind === 'plain') {
    return {
      kind: 'changed',
      key,
      versionId: top.versionId,
      lastModified: top.lastModified,
      size: top.isDeleteMarker ? 0 : top.size,
      isDeleteMarker: top.isDeleteMarker,
      previousVersionId: top.isDeleteMarker ? newest.versionId : null,
    };
  }

  const affected = (
    restore: VersionEntry | null,
    reason: string | null,
    above?: VersionEntry,
  ): AffectedDecision => ({
    kind: 'affected',
    key,
    versionId: top.versionId,
    isDeleteMarker: top.isDeleteMarker,
    lastModified: top.lastModified,
    size: top.isDeleteMarker ? 0 : top.size,
    restoreVersionId: restore?.versionId ?? null,
    restoreSize: restore?.size ?? null,
    restoreEtag: restore?.etag ?? null,
    restoreStorageClass: restore ? (restore.storageClass ?? 'STANDARD') : null,
    reason,
    restoreNoncurrentSince: restore && above ? above.lastModified : null,
  });

  // Walk back past the attacker's work (SSE-C versions and delete markers inside the window; the
  // attacker may have encrypted twice) to the first earlier version.
  for (let i = first + 1; i < entries.length; i++) {
    const e = entries[i]!;
    const inside = inWindow(e.lastModified, w);
    if (e.isDeleteMarker) {
      if (inside) continue;
      return affected(null, REASONS.overDeleteMarker);
    }
    const o = await head(e);
    if (o.kind === 'error') return errorDecision(key, e, o);
    if (o.kind === 'plain') return affected(e, null, entries[i - 1]);
    if (!inside) return affected(null, REASONS.legitimateSseC);
  }
  return affected(
    null,
    versioning === 'Enabled' ? REASONS.noEarlierVersion : REASONS.unversioned(versioning),
  );
}

function errorDecision(
  key: string,
  e: VersionEntry,
  o: Extract<HeadOutcome, { kind: 'error' }>,
): KeyDecision {
  return { kind: 'error', key, versionId: e.versionId, status: o.status, code: o.code, message: o.message };
}

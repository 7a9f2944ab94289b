import { describe, expect, it } from 'vitest';
import { decideKey, decideWithoutHead, makeWindow, REASONS } from '../../../src/aws/assess/classify-key.ts';
import { KeyGrouper } from '../../../src/aws/assess/group-versions.ts';
import type { HeadOutcome, KeyGroup, VersionEntry } from '../../../src/aws/assess/types.ts';

const since = new Date('2025-01-13T10:00:00.400Z');
const w = makeWindow(since, new Date('2025-01-14T00:00:00Z'));
const preWindow = (h: number) => new Date(since.getTime() - h * 3_600_000);
const inside = (m: number) => new Date(Date.UTC(2025, 0, 13, 10, m));

type Kind = 'plain' | 'sse-c' | 'dm' | 403;
interface Spec {
  id: string;
  at: Date;
  kind: Kind;
  /** As listed; null: the listing left StorageClass out. STANDARD unless given. */
  storageClass?: string | null;
}

/** Entries newest first, as the listing gives them, through the real grouper. */
function group(specs: Spec[]): KeyGroup {
  const g = new KeyGrouper(w);
  for (const [i, s] of specs.entries()) {
    g.push({
      key: 'k',
      versionId: s.id,
      isDeleteMarker: s.kind === 'dm',
      isLatest: i === 0,
      lastModified: s.at,
      size: 10 + i,
      etag: `"e-${s.id}"`,
      storageClass: s.kind === 'dm' || s.storageClass === null ? undefined : (s.storageClass ?? 'STANDARD'),
    });
  }
  return g.flush()!;
}

async function decide(specs: Spec[]) {
  const kinds = new Map(specs.map((s) => [s.id, s.kind]));
  const heads: string[] = [];
  const head = async (e: VersionEntry): Promise<HeadOutcome> => {
    heads.push(e.versionId);
    const k = kinds.get(e.versionId);
    if (k === 'plain') return { kind: 'plain' };
    if (k === 'sse-c') return { kind: 'sse-c' };
    if (k === 403) return { kind: 'error', status: 403, code: 'Unknown', message: 'HEAD answered HTTP 403' };
    throw new Error(`HEAD of a delete marker ${e.versionId}`);
  };
  const decision = await decideKey(group(specs), w, head);
  return { decision, heads };
}

describe('decideKey', () => {
  it('restores the plain version under an attacker version, HEADing exactly two versions', async () => {
    const { decision, heads } = await decide([
      { id: 'v2', at: inside(5), kind: 'sse-c' },
      { id: 'v1', at: preWindow(48), kind: 'plain' },
      { id: 'v0', at: preWindow(96), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({
      kind: 'affected',
      versionId: 'v2',
      restoreVersionId: 'v1',
      reason: null,
    });
    expect(decision).toMatchObject({ restoreSize: 11, restoreEtag: '"e-v1"', isDeleteMarker: false });
    expect(decision).toMatchObject({ restoreStorageClass: 'STANDARD' });
    expect(heads).toEqual(['v2', 'v1']);
  });

  it("gives the clean version's storage class, not the attacker's, and STANDARD when none was listed", async () => {
    const archived = await decide([
      { id: 'v3', at: inside(9), kind: 'sse-c', storageClass: 'STANDARD' },
      { id: 'v2', at: inside(5), kind: 'sse-c', storageClass: 'GLACIER_IR' },
      { id: 'v1', at: preWindow(30), kind: 'plain', storageClass: 'DEEP_ARCHIVE' },
      { id: 'v0', at: preWindow(90), kind: 'plain', storageClass: 'GLACIER' },
    ]);
    expect(archived.decision).toMatchObject({ restoreVersionId: 'v1', restoreStorageClass: 'DEEP_ARCHIVE' });
    const unlisted = await decide([
      { id: 'v2', at: inside(5), kind: 'sse-c', storageClass: 'GLACIER' },
      { id: 'v1', at: preWindow(30), kind: 'plain', storageClass: null },
    ]);
    expect(unlisted.decision).toMatchObject({ restoreVersionId: 'v1', restoreStorageClass: 'STANDARD' });
    const none = await decide([
      { id: 'v2', at: inside(1), kind: 'sse-c' },
      { id: 'v1', at: preWindow(2), kind: 'sse-c', storageClass: 'GLACIER' },
    ]);
    expect(none.decision).toMatchObject({ restoreVersionId: null, restoreStorageClass: null });
  });

  it('walks past a key encrypted twice to the clean version', async () => {
    const { decision, heads } = await decide([
      { id: 'v3', at: inside(9), kind: 'sse-c' },
      { id: 'v2', at: inside(5), kind: 'sse-c' },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({ kind: 'affected', versionId: 'v3', restoreVersionId: 'v1' });
    expect(decision).toMatchObject({ restoreNoncurrentSince: inside(5) });
    expect(heads).toEqual(['v3', 'v2', 'v1']);
  });

  it('leaves a legitimate SSE-C object from before the window alone, without a HEAD', async () => {
    const { decision, heads } = await decide([{ id: 'v1', at: preWindow(2), kind: 'sse-c' }]);
    expect(decision).toEqual({ kind: 'untouched', key: 'k' });
    expect(heads).toEqual([]);
  });

  it('calls a version over a pre-window SSE-C version unrecoverable, naming the legitimate user', async () => {
    const { decision } = await decide([
      { id: 'v2', at: inside(1), kind: 'sse-c' },
      { id: 'v1', at: preWindow(2), kind: 'sse-c' },
    ]);
    expect(decision).toMatchObject({
      kind: 'affected',
      restoreVersionId: null,
      reason: REASONS.legitimateSseC,
    });
  });

  it('says an attacker-created object has no earlier version', async () => {
    const { decision, heads } = await decide([{ id: 'v1', at: inside(3), kind: 'sse-c' }]);
    expect(decision).toMatchObject({
      kind: 'affected',
      restoreVersionId: null,
      reason: REASONS.noEarlierVersion,
    });
    expect(heads).toEqual(['v1']);
  });

  it('explains a missing earlier version by the bucket versioning state', async () => {
    const decision = await decideKey(
      group([{ id: 'null', at: inside(3), kind: 'sse-c' }]),
      w,
      async () => ({ kind: 'sse-c' }),
      'Suspended',
    );
    expect(decision).toMatchObject({ reason: REASONS.unversioned('Suspended') });
    expect((decision as { reason: string }).reason).toContain('suspended');
  });

  it('treats a pre-window delete marker under the attacker version as unrecoverable', async () => {
    const { decision } = await decide([
      { id: 'v2', at: inside(3), kind: 'sse-c' },
      { id: 'd1', at: preWindow(3), kind: 'dm' },
      { id: 'v1', at: preWindow(9), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({ restoreVersionId: null, reason: REASONS.overDeleteMarker });
  });

  it('reports a delete marker over an attacker version as affected, restoring beneath both', async () => {
    const { decision, heads } = await decide([
      { id: 'd1', at: inside(20), kind: 'dm' },
      { id: 'v2', at: inside(5), kind: 'sse-c' },
      { id: 'd0', at: inside(4), kind: 'dm' },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({
      kind: 'affected',
      versionId: 'd1',
      isDeleteMarker: true,
      size: 0,
      restoreVersionId: 'v1',
    });
    expect(heads).toEqual(['v2', 'v1']);
  });

  it('reports a plain top version inside the window as changed, whatever lies beneath', async () => {
    const { decision, heads } = await decide([
      { id: 'v3', at: inside(30), kind: 'plain' },
      { id: 'v2', at: inside(5), kind: 'sse-c' },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({ kind: 'changed', versionId: 'v3', isDeleteMarker: false });
    expect(heads).toEqual(['v3']);
  });

  it('reports a delete marker over a clean in-window version as a deletion, not as affected', async () => {
    const { decision } = await decide([
      { id: 'd1', at: inside(30), kind: 'dm' },
      { id: 'v2', at: inside(5), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({
      kind: 'changed',
      versionId: 'd1',
      isDeleteMarker: true,
      previousVersionId: 'v2',
    });
  });

  it('reports a delete marker over a pre-window version as a deletion without any HEAD', async () => {
    const specs: Spec[] = [
      { id: 'd1', at: inside(30), kind: 'dm' },
      { id: 'v1', at: preWindow(5), kind: 'sse-c' },
    ];
    const quick = decideWithoutHead(group(specs), w);
    expect(quick).toMatchObject({ kind: 'changed', isDeleteMarker: true, previousVersionId: 'v1' });
    const { heads } = await decide(specs);
    expect(heads).toEqual([]);
  });

  it('records an error instead of guessing when a HEAD is refused', async () => {
    const top = await decide([
      { id: 'v2', at: inside(5), kind: 403 },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(top.decision).toMatchObject({ kind: 'error', versionId: 'v2', status: 403 });
    const restore = await decide([
      { id: 'v2', at: inside(5), kind: 'sse-c' },
      { id: 'v1', at: preWindow(1), kind: 403 },
    ]);
    expect(restore.decision).toMatchObject({ kind: 'error', versionId: 'v1', status: 403 });
  });

  it('treats versions after the window end as outside it', async () => {
    const { decision, heads } = await decide([
      { id: 'v2', at: new Date('2025-01-15T00:00:00Z'), kind: 'sse-c' },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(decision.kind).toBe('untouched');
    expect(heads).toEqual([]);
  });

  it('counts a version written in the same second the window starts as inside it', async () => {
    // Listings report whole seconds: 10:00:00.700 is listed as 10:00:00, before `since` (…00.400).
    const { decision } = await decide([
      { id: 'v2', at: new Date('2025-01-13T10:00:00.000Z'), kind: 'sse-c' },
      { id: 'v1', at: preWindow(1), kind: 'plain' },
    ]);
    expect(decision).toMatchObject({ kind: 'affected', restoreVersionId: 'v1' });
  });

  it('HEADs at most the in-window versions plus one per affected key', async () => {
    // 1,200 attacker versions over one clean version: the walk never stops early.
    const specs: Spec[] = Array.from({ length: 1200 }, (_, i) => ({
      id: `a${i}`,
      at: new Date(inside(59).getTime() - i * 1000),
      kind: 'sse-c' as const,
    }));
    specs.push({ id: 'clean', at: preWindow(1), kind: 'plain' });
    const { decision, heads } = await decide(specs);
    expect(decision).toMatchObject({ kind: 'affected', versionId: 'a0', restoreVersionId: 'clean' });
    expect(heads.length).toBe(1201);
  });
});

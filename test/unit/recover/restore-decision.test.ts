import { describe, expect, it } from 'vitest';
import {
  decideAfterHead,
  decideFromListing,
  type VersionInfo,
} from '../../../src/aws/recover/restore-decision.ts';
import type { AffectedObject } from '../../../src/store/assessments.ts';

const row: AffectedObject = {
  runId: 1,
  key: 'k',
  versionId: 'attacker',
  lastModified: new Date('2025-01-12Z'),
  size: 10,
  isDeleteMarker: false,
  restoreVersionId: 'clean',
  restoreSize: 10,
  restoreEtag: '"e1"',
  restoreStorageClass: 'STANDARD',
  reason: null,
  recoveryStatus: 'pending',
  restoredVersionId: null,
  recoveryError: null,
  recoveryAttempts: 0,
};
const v = (versionId: string, over: Partial<VersionInfo> = {}): VersionInfo => ({
  versionId,
  isDeleteMarker: false,
  etag: '"e1"',
  size: 10,
  storageClass: 'STANDARD',
  ...over,
});

describe('decideFromListing', () => {
  it('copies while the attacker’s version (or marker) is current', () => {
    expect(decideFromListing(row, { current: v('attacker', { etag: '"x"' }), source: v('clean') })).toEqual({
      action: 'copy',
      source: v('clean'),
    });
    expect(
      decideFromListing(
        { ...row, isDeleteMarker: true },
        { current: v('attacker', { isDeleteMarker: true }), source: v('clean') },
      ).action,
    ).toBe('copy');
  });

  it('skips when the clean version is current again', () => {
    expect(decideFromListing(row, { current: v('clean'), source: v('clean') })).toMatchObject({
      action: 'mark',
      status: 'skipped',
    });
  });

  it('asks for a HEAD when something newer than the attacker’s version is current', () => {
    expect(decideFromListing(row, { current: v('newer'), source: v('clean') })).toEqual({ action: 'check' });
  });

  it('is unrecoverable without a clean version, or when it vanished since the assessment', () => {
    expect(
      decideFromListing(
        { ...row, restoreVersionId: null, reason: 'expired' },
        { current: null, source: null },
      ),
    ).toEqual({
      action: 'mark',
      status: 'unrecoverable',
      reason: 'expired',
    });
    expect(decideFromListing(row, { current: v('attacker'), source: null })).toMatchObject({
      status: 'unrecoverable',
      reason: expect.stringMatching(/no longer exists/),
    });
  });
});

describe('decideAfterHead', () => {
  it('records our own earlier copy as restored instead of copying again', () => {
    expect(decideAfterHead(v('clean'), { status: 200, versionId: 'ours', etag: '"e1"', size: 10 })).toEqual({
      action: 'mark',
      status: 'restored',
      restoredVersionId: 'ours',
      note: 'already restored',
    });
  });

  it('recognises a multipart copy by size, since its ETag differs from the source’s', () => {
    const big = v('clean', { size: 6 * 1024 ** 3, etag: '"abc"' });
    expect(
      decideAfterHead(big, { status: 200, versionId: 'ours', etag: '"zzz-12"', size: 6 * 1024 ** 3 }),
    ).toMatchObject({
      status: 'restored',
    });
    expect(
      decideAfterHead(v('clean'), { status: 200, versionId: 'x', etag: '"zzz-12"', size: 10 }),
    ).toMatchObject({
      status: 'failed',
    });
  });

  it('copies over a newer SSE-C version, refuses to overwrite a newer plain one or a new delete marker', () => {
    expect(decideAfterHead(v('clean'), { status: 400 })).toEqual({ action: 'copy', source: v('clean') });
    expect(
      decideAfterHead(v('clean'), { status: 200, versionId: 'legit', etag: '"other"', size: 3 }),
    ).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/not overwriting/),
    });
    expect(decideAfterHead(v('clean'), { status: 404 })).toMatchObject({ status: 'failed' });
    expect(decideAfterHead(v('clean'), { status: 403 })).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/403/),
    });
  });
});

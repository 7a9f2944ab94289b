import { describe, expect, it } from 'vitest';
import { checkDeclare, normaliseBucket, parseSince } from '../../../src/slack/declare-input.ts';

const NOW = new Date('2026-03-02T12:00:00Z');

describe('declare input', () => {
  it('reads ISO-8601 (UTC when no zone is given) and "24h" / "3d" ago; refuses anything else', () => {
    expect(parseSince('2026-03-01T09:30Z', NOW)).toEqual(new Date('2026-03-01T09:30:00Z'));
    expect(parseSince('2026-03-01T09:30', NOW)).toEqual(new Date('2026-03-01T09:30:00Z'));
    expect(parseSince('2026-03-01T09:30:00+02:00', NOW)).toEqual(new Date('2026-03-01T07:30:00Z'));
    expect(parseSince('2026-03-01', NOW)).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(parseSince('24h', NOW)).toEqual(new Date('2026-03-01T12:00:00Z'));
    expect(parseSince('3d', NOW)).toEqual(new Date('2026-02-27T12:00:00Z'));
    expect(parseSince('', NOW)).toBeNull();
    for (const bad of ['yesterday', 'March 1st', '1700000000', '2026-13-45T99:99Z'])
      expect(parseSince(bad, NOW)).toBe('invalid');
  });

  it('accepts bucket names in the forms people paste them', () => {
    expect(normaliseBucket('s3://victim-data/some/prefix')).toBe('victim-data');
    expect(normaliseBucket('arn:aws:s3:::victim-data')).toBe('victim-data');
    const ok = checkDeclare(
      { buckets: ['a-bucket, s3://b-bucket/', 'a-bucket'], keys: ['akiaiosfodnn7example'], since: '24h' },
      NOW,
    );
    expect(ok).toEqual({
      ok: true,
      input: {
        buckets: ['a-bucket', 'b-bucket'],
        accessKeyIds: ['AKIAIOSFODNN7EXAMPLE'],
        since: new Date('2026-03-01T12:00:00Z'),
      },
    });
  });

  it('names every problem at once', () => {
    const bad = checkDeclare(
      { buckets: ['UPPER', 'x'], keys: ['AKIA123', 'wJalrXUtnFEMI/K7MDENG'], since: '2027-01-01T00:00Z' },
      NOW,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.buckets).toContain('UPPER, x');
    expect(bad.errors.keys).toContain('never the secret key');
    expect(bad.errors.since).toContain('cannot be in the future');
    expect(checkDeclare({ buckets: [], keys: [], since: null }, NOW)).toEqual({
      ok: false,
      errors: { buckets: 'Name at least one bucket.' },
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokensEqual } from '../../../src/alerts/index.ts';

describe('tokensEqual', () => {
  it('accepts the same token and refuses any other', () => {
    expect(tokensEqual('s3cr3t-token-0123456789', 's3cr3t-token-0123456789')).toBe(true);
    expect(tokensEqual('s3cr3t-token-0123456789', 's3cr3t-token-0123456780')).toBe(false);
    expect(tokensEqual('s3cr3t-token-0123456789', 's3cr3t-token-012345678')).toBe(false);
    expect(tokensEqual('s3cr3t-token-0123456789', `s3cr3t-token-0123456789\u0000`)).toBe(false);
  });

  it('never lets an empty or missing value match', () => {
    expect(tokensEqual('', '')).toBe(false);
    expect(tokensEqual('', 'x')).toBe(false);
    expect(tokensEqual(undefined as unknown as string, undefined as unknown as string)).toBe(false);
    expect(tokensEqual(['a'] as unknown as string, 'a')).toBe(false);
  });

  it('agrees with string equality on any pair, whatever the lengths', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(tokensEqual(a, b)).toBe(a === b);
        expect(tokensEqual(a, a)).toBe(true);
      }),
    );
  });
});

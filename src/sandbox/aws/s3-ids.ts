// Seeded randomness for version ids, upload ids and fault injection, so a run with a fixed seed is
// reproducible. Version ids look like S3's: 32 URL-safe characters, opaque, never ordered.

export type Random = () => number;

/** mulberry32: tiny, fast and good enough for ids and fault sampling (not for secrets). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const scratch = Buffer.alloc(48);

/**
 * `length` URL-safe characters (base64url of random bytes; `length` a multiple of 4, at most 64).
 * One reused buffer and one base64 pass: a million seeded versions each need an id.
 */
export function randomId(random: Random, length: number): string {
  const bytes = (length / 4) * 3;
  for (let i = 0; i < bytes; i += 3) {
    const value = (random() * 0x1000000) >>> 0;
    scratch[i] = value >>> 16;
    scratch[i + 1] = (value >>> 8) & 0xff;
    scratch[i + 2] = value & 0xff;
  }
  return scratch.toString('base64url', 0, bytes);
}

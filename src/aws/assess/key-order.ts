/**
 * Compares keys the way S3 orders them: by UTF-8 bytes, which is code point order. JavaScript's
 * `<` compares UTF-16 code units, which puts astral characters (emoji) before U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

function codeUnitRank(c: number): number {
  if (c < 0xd800) return c;
  // Surrogates (astral code points) sort after every BMP character.
  if (c < 0xe000) return c + 0x2000;
  return c - 0x800;
}

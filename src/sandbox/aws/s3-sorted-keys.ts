// Keys of one bucket kept in S3's listing order. A list of sorted blocks (like Python's SortedList)
// makes both inserting a key and starting a page at a marker O(log n + block size), so a listing
// page costs O(page) however large the bucket is, and nothing is ever re-sorted per request.

const MAX_BLOCK = 2048;

/**
 * S3 lists keys in UTF-8 byte order, which is Unicode code point order. JavaScript compares UTF-16
 * code units, which disagrees only when one side is a surrogate (astral character) and the other a
 * code unit in U+E000..U+FFFF; the fix-up below handles exactly that case.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 || y < 0xd800) return x - y;
    return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** A position in the list; invalid after the list is modified. */
export interface KeyCursor {
  block: number;
  index: number;
}

export class SortedKeys {
  private blocks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Inserts a key that is not yet present (the caller's map is the source of truth for presence). */
  insert(key: string): void {
    const last = this.blocks.at(-1);
    // Bulk seeds usually arrive in key order: appending is the common case and needs no search.
    if (!last || compareKeys(last[last.length - 1] as string, key) < 0) {
      if (!last || last.length >= MAX_BLOCK) this.blocks.push([key]);
      else last.push(key);
      this.count++;
      return;
    }
    const cursor = this.seek(key, false);
    const block = this.blocks[cursor.block] as string[];
    block.splice(cursor.index, 0, key);
    this.count++;
    if (block.length > MAX_BLOCK) {
      this.blocks.splice(cursor.block + 1, 0, block.splice(block.length >> 1));
    }
  }

  remove(key: string): void {
    const cursor = this.seek(key, false);
    const block = this.blocks[cursor.block];
    if (!block || block[cursor.index] !== key) return;
    block.splice(cursor.index, 1);
    this.count--;
    if (block.length === 0) this.blocks.splice(cursor.block, 1);
  }

  /** Cursor at the first key `>= key`, or `> key` when `exclusive`. */
  seek(key: string, exclusive: boolean): KeyCursor {
    const before = exclusive
      ? (k: string) => compareKeys(k, key) <= 0
      : (k: string) => compareKeys(k, key) < 0;
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = this.blocks[mid] as string[];
      if (before(block[block.length - 1] as string)) lo = mid + 1;
      else hi = mid;
    }
    const block = this.blocks[lo];
    if (!block) return { block: lo, index: 0 };
    return { block: lo, index: lowerBound(block, before) };
  }

  /**
   * Cursor at the first key after every key that starts with `prefix` (which is itself
   * `>= prefix`): how a listing jumps over a whole common prefix in one step.
   */
  seekPastPrefix(prefix: string): KeyCursor {
    const before = (k: string) => compareKeys(k, prefix) < 0 || k.startsWith(prefix);
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = this.blocks[mid] as string[];
      if (before(block[block.length - 1] as string)) lo = mid + 1;
      else hi = mid;
    }
    const block = this.blocks[lo];
    if (!block) return { block: lo, index: 0 };
    return { block: lo, index: lowerBound(block, before) };
  }

  first(): KeyCursor {
    return { block: 0, index: 0 };
  }

  keyAt(cursor: KeyCursor): string | undefined {
    return this.blocks[cursor.block]?.[cursor.index];
  }

  advance(cursor: KeyCursor): void {
    const block = this.blocks[cursor.block];
    if (!block) return;
    cursor.index++;
    if (cursor.index >= block.length) {
      cursor.block++;
      cursor.index = 0;
    }
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const block of this.blocks) yield* block;
  }
}

function lowerBound(block: string[], before: (k: string) => boolean): number {
  let lo = 0;
  let hi = block.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(block[mid] as string)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

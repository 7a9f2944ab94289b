import { beforeWindow, inWindow } from './classify-key.ts';
import type { KeyGroup, VersionEntry, Window } from './types.ts';

export interface ListedEntry extends VersionEntry {
  key: string;
}

/**
 * Folds the listing's entries (key order, newest first within a key) into one group per key,
 * however the pages cut them. Only what a decision can use is kept — the entries inside the
 * window and the first one before it — so a key with a million old versions costs no memory.
 */
export class KeyGrouper {
  private current: KeyGroup | undefined;
  private closed = false;

  constructor(private readonly window: Window) {}

  /** Adds the next entry; returns the previous key's group when this entry starts a new key. */
  push(e: ListedEntry): KeyGroup | undefined {
    let done: KeyGroup | undefined;
    if (this.current === undefined || this.current.key !== e.key) {
      done = this.current;
      this.current = {
        key: e.key,
        entries: [],
        versions: 0,
        candidate: inWindow(e.lastModified, this.window),
      };
      this.closed = !this.current.candidate;
    }
    const g = this.current;
    g.versions++;
    if (!this.closed) {
      g.entries.push(toEntry(e));
      if (beforeWindow(e.lastModified, this.window)) this.closed = true;
    }
    return done;
  }

  /** The last key's group, at the end of the listing. */
  flush(): KeyGroup | undefined {
    const done = this.current;
    this.current = undefined;
    return done;
  }

  /** The key whose entries are still being collected. */
  pendingKey(): string | undefined {
    return this.current?.key;
  }
}

function toEntry(e: ListedEntry): VersionEntry {
  return {
    versionId: e.versionId,
    isDeleteMarker: e.isDeleteMarker,
    isLatest: e.isLatest,
    lastModified: e.lastModified,
    size: e.size,
    etag: e.etag,
    storageClass: e.storageClass,
  };
}

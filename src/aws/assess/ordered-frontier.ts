/**
 * Keys are decided out of order (HEADs run concurrently) but a scan's resume cursor must be a key
 * before which everything is decided. Slots are added in listing order; `drain` hands back the
 * results of the leading run of finished slots and moves the cursor past them.
 */
export class OrderedFrontier<R> {
  private slots: Array<Slot<R>> = [];
  private head = 0;
  private lastKey: string | undefined;

  constructor(after?: string) {
    this.lastKey = after;
  }

  add(key: string): Slot<R> {
    const slot: Slot<R> = { key, done: false, result: undefined };
    this.slots.push(slot);
    return slot;
  }

  /** Results of the leading finished slots, in listing order. */
  drain(): R[] {
    const out: R[] = [];
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head]!;
      if (!slot.done) break;
      out.push(slot.result as R);
      this.lastKey = slot.key;
      this.head++;
    }
    // Drained slots must not stay reachable (their keys would pile up); compact now and then
    // rather than shifting on every drain.
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** The last key before which every key is decided. */
  cursor(): string | undefined {
    return this.lastKey;
  }

  /** Slots added and not yet drained. */
  size(): number {
    return this.slots.length - this.head;
  }
}

export interface Slot<R> {
  readonly key: string;
  done: boolean;
  result: R | undefined;
}

export function settle<R>(slot: Slot<R>, result: R): void {
  slot.result = result;
  slot.done = true;
}

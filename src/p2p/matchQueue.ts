/**
 * One queue of the matching engine (posted receives, or unexpected messages of one
 * context). Entries are appended at the back and usually taken near the front, since
 * messages match in the order they were sent; wildcards and specific tags can take one
 * from anywhere. Taking the i-th entry moves whichever side of it is shorter, so a long
 * queue drained in order costs O(1) per entry, where Array#splice(i, 1) would move the
 * whole tail each time (quadratic for a receiver 100 000 messages behind).
 */
export class MatchQueue<T> {
  /** Entries from `head` on are live; the slots before it are spent. */
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Number of entries. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** The entry `index` places from the front. */
  get(index: number): T {
    return this.items[this.head + index] as T;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the entry `index` places from the front. */
  removeAt(index: number): T {
    const items = this.items;
    const at = this.head + index;
    const item = items[at] as T;
    if (at === items.length - 1) {
      // The last one (usually the only one): nothing moves.
      items.pop();
    } else if (index < items.length - 1 - at) {
      // Nearer the front: move the entries before it back by one, and the front forward.
      for (let i = at; i > this.head; i--) items[i] = items[i - 1];
      items[this.head++] = undefined;
    } else {
      items.splice(at, 1);
    }
    this.compact();
    return item;
  }

  /** Position of `item` from the front, or -1. */
  indexOf(item: T): number {
    const at = this.items.indexOf(item, this.head);
    return at < 0 ? -1 : at - this.head;
  }

  /** Removes every entry `pred` accepts, returning them in order. */
  removeWhere(pred: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const kept: T[] = [];
    for (const item of this) (pred(item) ? removed : kept).push(item);
    this.items = kept;
    this.head = 0;
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }

  /** Drops spent slots once they are most of the array (amortized O(1) per removal). */
  private compact(): void {
    if (this.head === 0) return;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

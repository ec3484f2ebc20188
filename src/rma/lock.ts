/**
 * The passive-target lock of one window at its target: who holds it and who waits.
 *
 * Fairness: requests are granted strictly in arrival order. A request waits while
 * anything is queued ahead of it, even when it would be compatible with the current
 * holders — so a stream of shared lockers cannot starve an exclusive one. Consecutive
 * shared requests at the head of the queue are granted together.
 */
import type { LockKind } from './protocol.js';

interface Waiter {
  origin: number;
  kind: LockKind;
  grant: () => void;
}

export class LockQueue {
  private exclusiveHolder: number | null = null;
  private readonly sharedHolders = new Set<number>();
  private waiting: Waiter[] = [];

  /** Queues `origin`'s request; `grant` is called (perhaps at once) when the lock is its. */
  request(origin: number, kind: LockKind, grant: () => void): void {
    this.waiting.push({ origin, kind, grant });
    this.grantFromHead();
  }

  /** Releases `origin`'s lock and grants the next waiters; false when `origin` held none. */
  release(origin: number): boolean {
    if (this.exclusiveHolder === origin) this.exclusiveHolder = null;
    else if (!this.sharedHolders.delete(origin)) return false;
    this.grantFromHead();
    return true;
  }

  /** Whether `origin` holds the lock now. */
  holds(origin: number): boolean {
    return this.exclusiveHolder === origin || this.sharedHolders.has(origin);
  }

  /** The current holders and the queue, for diagnostics. */
  describe(): { exclusive: number | null; shared: number[]; waiting: Array<[number, LockKind]> } {
    return {
      exclusive: this.exclusiveHolder,
      shared: [...this.sharedHolders],
      waiting: this.waiting.map((w) => [w.origin, w.kind]),
    };
  }

  private grantFromHead(): void {
    while (this.waiting.length > 0 && this.canGrant(this.waiting[0]!.kind)) {
      const next = this.waiting.shift()!;
      if (next.kind === 'exclusive') this.exclusiveHolder = next.origin;
      else this.sharedHolders.add(next.origin);
      next.grant();
    }
  }

  private canGrant(kind: LockKind): boolean {
    if (this.exclusiveHolder !== null) return false;
    return kind === 'shared' || this.sharedHolders.size === 0;
  }
}

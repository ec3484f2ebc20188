/**
 * What an origin still waits for, per target: operations in flight, and targets that
 * received puts or accumulates whose application no answer has confirmed yet.
 * Synchronization (fence, flush, unlock, free) completes exactly these.
 */
export class Outstanding {
  private readonly inFlight = new Map<number, Set<Promise<void>>>();
  private readonly unconfirmed = new Set<number>();

  /** Tracks `operation` to `target` until it settles; returns it unchanged. */
  track<T>(target: number, operation: Promise<T>): Promise<T> {
    let set = this.inFlight.get(target);
    if (!set) {
      set = new Set();
      this.inFlight.set(target, set);
    }
    const ops = set;
    // Errors reach the caller through `operation`; synchronization only waits for the end.
    const settled: Promise<void> = operation.then(
      () => void ops.delete(settled),
      () => void ops.delete(settled),
    );
    ops.add(settled);
    return operation;
  }

  /** A put or accumulate went to `target`: a flush must confirm it was applied. */
  wrote(target: number): void {
    this.unconfirmed.add(target);
  }

  /** Targets with writes not yet confirmed; they count as confirmed from now (the caller flushes them). */
  takeUnconfirmed(): number[] {
    const targets = [...this.unconfirmed];
    this.unconfirmed.clear();
    return targets;
  }

  /** Whether `target` has writes not yet confirmed; they count as confirmed from now. */
  takeUnconfirmedOf(target: number): boolean {
    return this.unconfirmed.delete(target);
  }

  /** Resolves when every operation in flight now (to `target`, or to any target) has settled. */
  async settled(target?: number): Promise<void> {
    const sets = target === undefined ? [...this.inFlight.values()] : [this.inFlight.get(target) ?? new Set()];
    const waits: Promise<void>[] = [];
    for (const set of sets) waits.push(...set);
    await Promise.all(waits);
  }
}

/**
 * Keeps the process alive exactly while operations are pending.
 *
 * The sockets of a rank are unref'd so that a finished program exits by itself; but a
 * program awaiting a receive must not exit just because the event loop sees nothing
 * of its own to do. One interval handle, ref'd while anything is pending, does that
 * without a timer per operation.
 */
let pending = 0;
let handle: NodeJS.Timeout | null = null;

/** Marks one more operation pending. */
export function hold(): void {
  if (pending++ === 0) {
    if (!handle) handle = setInterval(() => {}, 1 << 30);
    handle.ref();
  }
}

/** Marks one pending operation done. */
export function release(): void {
  if (pending > 0 && --pending === 0) handle?.unref();
}

/** @internal How many operations hold the process alive now (for tests). */
export function heldCount(): number {
  return pending;
}

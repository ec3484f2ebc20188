/**
 * What a collective algorithm sees of its communicator: ranks, and ordered
 * point-to-point on the communicator's own collective context. Algorithms are
 * plain async functions over this, so they never touch sockets and can be tested
 * on an in-process fake.
 */
export interface CollEndpoint {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /**
   * Sends `data` to `dest` with `tag`. Messages between one pair with one tag are
   * received in the order the sends were called. Typed arrays travel as raw bytes and
   * arrive as the same type; the caller must not modify `data` until the promise resolves.
   */
  send(data: unknown, dest: number, tag: number): Promise<void>;
  /** Receives the next message from `source` with `tag` (no wildcards in collectives). */
  recv<T = unknown>(source: number, tag: number): Promise<T>;
}

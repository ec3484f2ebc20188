/**
 * What a collective algorithm sees of its communicator: ranks, and ordered
 * point-to-point on the communicator's own collective context. Algorithms are
 * plain async functions over this, so they never touch sockets and can be tested
 * on an in-process fake.
 */
import type { TypedArray } from './typedArray.js';

/**
 * What `CollEndpoint.send` may return for a send that is complete already (a small
 * message handed to the transport): patterns that see it need not wait for the send.
 */
export const SENT: Promise<void> = Promise.resolve();

export interface CollEndpoint {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /**
   * Sends `data` to `dest` with `tag`. Messages between one pair with one tag are
   * received in the order the sends were called. Typed arrays travel as raw bytes and
   * arrive as the same type; the caller must not modify `data` until the promise resolves.
   * A send that is complete at once may return {@link SENT}.
   */
  send(data: unknown, dest: number, tag: number): Promise<void>;
  /** Receives the next message from `source` with `tag` (no wildcards in collectives). */
  recv<T = unknown>(source: number, tag: number): Promise<T>;
  /**
   * Like `recv`, for a typed array the caller wants in `into`: a message of `into`'s
   * type and length is placed there (the transport reads a large one straight into
   * it) and the receive resolves with `into` itself; any other message resolves as
   * `recv` would. Optional: without it, callers receive and copy.
   */
  recvInto?(source: number, tag: number, into: TypedArray): Promise<unknown>;
}

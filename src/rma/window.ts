/**
 * One-sided communication (MPI-3 RMA): windows of memory that other ranks read and
 * write without the owner taking part in each transfer.
 *
 * The origin side lives here; the target side is a background service (service.ts)
 * that applies requests in arrival order. How a window travels: protocol.ts.
 */
import type { Comm } from '../comm/comm.js';
import { allocateLike, isTypedArray, typedArrayName, writeAt, type TypedArray } from '../coll/typedArray.js';
import { PROC_NULL } from '../constants.js';
import { MpiError, mpiError, type ErrorClass } from '../errors.js';
import { SUM, type Op } from '../ops.js';
import { checkData, checkElement, checkLockKind, checkOp, checkRange, checkTarget } from './checks.js';
import { Outstanding } from './outstanding.js';
import { INLINE_PAYLOAD_BYTES, ReplyTags, TAG_DATA, TAG_REQUEST, type LockKind, type PayloadRequest, type RmaRequest } from './protocol.js';
import { TargetService } from './service.js';

export type { LockKind } from './protocol.js';

/** One element of an `A`: a bigint for BigInt64Array and BigUint64Array, else a number. */
export type ElementOf<A extends TypedArray> = A extends BigInt64Array | BigUint64Array ? bigint : number;

/**
 * Arrays of the same element type as `A`, whatever buffer backs them: a window over a
 * `Float64Array<ArrayBuffer>` accepts any `Float64Array` (a received one, say).
 */
export type SameElements<A extends TypedArray> = A extends Int8Array
  ? Int8Array
  : A extends Uint8ClampedArray
    ? Uint8ClampedArray
    : A extends Uint8Array
      ? Uint8Array
      : A extends Int16Array
        ? Int16Array
        : A extends Uint16Array
          ? Uint16Array
          : A extends Int32Array
            ? Int32Array
            : A extends Uint32Array
              ? Uint32Array
              : A extends Float32Array
                ? Float32Array
                : A extends Float64Array
                  ? Float64Array
                  : A extends BigInt64Array
                    ? BigInt64Array
                    : A extends BigUint64Array
                      ? BigUint64Array
                      : never;

/**
 * Creates a window over `memory` on every rank of `comm` (collective). Every rank
 * must pass a typed array of the same element type; lengths may differ (0 is fine).
 */
export async function createWindow<A extends TypedArray>(comm: Comm, memory: A): Promise<Win<A>> {
  if (!isTypedArray(memory)) {
    throw mpiError('ERR_ARG', `createWindow needs a typed array, got ${memory === null ? 'null' : typeof memory}`);
  }
  // A private communicator: window traffic never matches the user's, nor another window's.
  const channel = await comm.dup();
  const shapes = await channel.allgather<[element: string, length: number]>([elementName(memory), memory.length]);
  const odd = shapes.findIndex(([element]) => element !== shapes[0]![0]);
  if (odd >= 0) {
    channel.free();
    throw mpiError(
      'ERR_ARG',
      `every rank must expose the same element type in a window: rank 0 has ${shapes[0]![0]}, rank ${odd} has ${shapes[odd]![0]}`,
    );
  }
  return new Win(channel, memory, shapes.map(([, length]) => length));
}

/**
 * A window: the typed array each rank passed to `createWindow`, open to one-sided
 * access by every rank of the communicator.
 *
 * The owner reads and writes its `memory` directly. Remote puts and accumulates are
 * visible in it once the epoch that carried them ends: `fence` (active target, all
 * ranks), or `unlock` / `flush` by the origin (passive target).
 *
 * **Progress.** Operations on a rank's window are applied by that rank's event loop.
 * A target must yield to the event loop — await anything, or finish the current
 * task — for passive-target operations (lock, put, get, … from other ranks) to
 * progress; a target that computes for a second without awaiting delays them by a
 * second. Window operations that need no I/O (on the rank's own window, on
 * PROC_NULL) yield to the event loop too, so a rank looping over them still serves
 * the others.
 *
 * **Atomicity.** `accumulate`, `fetchAndOp` and `compareAndSwap` are atomic per
 * element with respect to each other: a target applies requests one at a time, in
 * arrival order, each in a single step. Requests of one origin to one target take
 * effect in the order they were made.
 *
 * `PROC_NULL` as a target makes put, accumulate, lock, unlock and flush do nothing
 * (as in MPI); get, fetchAndOp and compareAndSwap need a real target.
 */
export class Win<A extends TypedArray> {
  /** This rank's rank in the window's communicator. */
  readonly rank: number;
  /** The number of ranks sharing the window. */
  readonly size: number;
  private readonly service: TargetService;
  private readonly outstanding = new Outstanding();
  private readonly tags = new ReplyTags();
  /** The locks this rank holds, by target. */
  private readonly locks = new Map<number, LockKind>();
  private state: 'open' | 'freeing' | 'freed' = 'open';

  /** @internal Use `comm.createWindow(memory)`. */
  constructor(
    private readonly comm: Comm,
    /** This rank's window: the typed array passed to `createWindow`. */
    readonly memory: A,
    private readonly sizes: readonly number[],
  ) {
    this.rank = comm.rank;
    this.size = comm.size;
    // Read-only for JavaScript callers too, as a communicator's are.
    Object.defineProperties(this, { rank: { writable: false }, size: { writable: false } });
    this.service = new TargetService(comm, memory);
    this.service.start();
  }

  /** The number of elements in `rank`'s window. */
  windowSize(rank: number): number {
    checkTarget(rank, this.size, false);
    return this.sizes[rank]!;
  }

  // ---- data movement --------------------------------------------------------------

  /**
   * Writes `data` into `target`'s window from element `targetOffset`. Resolves when
   * `data` may be reused; the write is visible at the target after the next fence,
   * or after `flush(target)` / `unlock(target)`.
   */
  async put(data: SameElements<A>, target: number, targetOffset = 0): Promise<void> {
    this.checkOpen();
    checkData(data, this.memory);
    checkTarget(target, this.size, true);
    if (target === PROC_NULL) return yieldToEventLoop();
    checkRange(target, targetOffset, data.length, this.sizes[target]!);
    await this.write(target, { k: 'put', offset: targetOffset, count: data.length, data: null }, data);
  }

  /**
   * Combines `data` into `target`'s window from `targetOffset`: element i becomes
   * window[targetOffset + i] ∘ data[i]. `op` is a predefined op (SUM, PROD, MAX, MIN,
   * the logical and bitwise ops, REPLACE, NO_OP). Atomic per element; resolves when
   * `data` may be reused, visible like `put`.
   */
  async accumulate(data: SameElements<A>, target: number, targetOffset = 0, op: Op = SUM): Promise<void> {
    this.checkOpen();
    checkData(data, this.memory);
    checkOp(op, this.memory);
    checkTarget(target, this.size, true);
    if (target === PROC_NULL) return yieldToEventLoop();
    checkRange(target, targetOffset, data.length, this.sizes[target]!);
    await this.write(target, { k: 'acc', offset: targetOffset, count: data.length, op: op.name, data: null }, data);
  }

  /** Reads `count` elements of `target`'s window from `targetOffset`. */
  async get(target: number, targetOffset: number, count: number): Promise<A> {
    this.checkOpen();
    checkTarget(target, this.size, false);
    checkRange(target, targetOffset, count, this.sizes[target]!);
    const got = await this.ask<TypedArray>(target, (reply) => ({ k: 'get', reply, offset: targetOffset, count }));
    return sameTypeAs(this.memory, got);
  }

  /**
   * Atomically: resolves the element at `targetOffset` of `target`'s window and
   * replaces it with element ∘ `value` (`value` is a bigint for bigint windows).
   * With NO_OP it is an atomic read, with REPLACE an atomic swap.
   */
  async fetchAndOp(value: number | bigint, target: number, targetOffset: number, op: Op = SUM): Promise<ElementOf<A>> {
    this.checkOpen();
    checkElement(value, this.memory, 'value');
    checkOp(op, this.memory);
    checkTarget(target, this.size, false);
    checkRange(target, targetOffset, 1, this.sizes[target]!);
    return this.ask<ElementOf<A>>(target, (reply) => ({ k: 'fop', reply, offset: targetOffset, op: op.name, value }));
  }

  /**
   * Atomically: resolves the element at `targetOffset` of `target`'s window and,
   * if it equals `compare` (bit for bit, as the window's element type), stores `value`.
   */
  async compareAndSwap(value: number | bigint, compare: number | bigint, target: number, targetOffset: number): Promise<ElementOf<A>> {
    this.checkOpen();
    checkElement(value, this.memory, 'value');
    checkElement(compare, this.memory, 'compare');
    checkTarget(target, this.size, false);
    checkRange(target, targetOffset, 1, this.sizes[target]!);
    return this.ask<ElementOf<A>>(target, (reply) => ({ k: 'cas', reply, offset: targetOffset, value, compare }));
  }

  // ---- synchronization -------------------------------------------------------------

  /**
   * Ends an access epoch on every rank (collective): this rank's operations of the
   * epoch are complete at their targets, and every rank's operations are visible in
   * this rank's memory, when it resolves.
   */
  async fence(): Promise<void> {
    this.checkOpen();
    await this.completeAll();
    await this.comm.barrier();
    // Alone, nothing above waited for I/O.
    if (this.size === 1) await yieldToEventLoop();
  }

  /**
   * Starts a passive-target epoch on `target`: resolves once the target granted the
   * lock. An exclusive lock excludes every other lock on that target's window; shared
   * locks exclude only exclusive ones. Locks are granted in the order they reach the
   * target (a waiting exclusive lock is not overtaken by later shared ones).
   */
  async lock(target: number, kind: LockKind = 'exclusive'): Promise<void> {
    this.checkOpen();
    checkTarget(target, this.size, true);
    checkLockKind(kind);
    if (target === PROC_NULL) return yieldToEventLoop();
    if (this.locks.has(target)) throw mpiError('ERR_ARG', `this rank already holds a lock on rank ${target}'s window`);
    this.locks.set(target, kind);
    try {
      await this.ask<void>(target, (reply) => ({ k: 'lock', reply, kind }));
    } catch (err) {
      this.locks.delete(target);
      throw err;
    }
  }

  /** Ends the passive-target epoch on `target`: resolves once its operations are complete there and the lock is released. */
  async unlock(target: number): Promise<void> {
    this.checkOpen();
    checkTarget(target, this.size, true);
    if (target === PROC_NULL) return yieldToEventLoop();
    if (!this.locks.has(target)) throw mpiError('ERR_ARG', `this rank holds no lock on rank ${target}'s window`);
    await this.release(target);
  }

  /** Completes every operation this rank started on `target`: resolves once they are applied there. */
  async flush(target: number): Promise<void> {
    this.checkOpen();
    checkTarget(target, this.size, true);
    if (target === PROC_NULL) return yieldToEventLoop();
    this.outstanding.takeUnconfirmedOf(target);
    await Promise.all([this.confirm(target), this.outstanding.settled(target)]);
  }

  /**
   * Frees the window (collective): completes this rank's operations, releases its
   * locks, waits for every rank, and stops serving requests. Later calls fail with ERR_ARG.
   */
  async free(): Promise<void> {
    this.checkOpen();
    this.state = 'freeing';
    await Promise.all([...this.locks.keys()].map((target) => this.release(target)));
    await this.completeAll();
    // After this barrier no rank sends anything more to this window.
    await this.comm.barrier();
    this.service.stop();
    this.comm.free();
    this.state = 'freed';
  }

  // ---- internals ---------------------------------------------------------------------

  private checkOpen(): void {
    if (this.state !== 'open') throw mpiError('ERR_ARG', 'the window was freed');
  }

  /** Sends a put / accumulate; small payloads ride inside the request. */
  private async write(target: number, request: PayloadRequest, data: TypedArray): Promise<void> {
    const inline = data.byteLength <= INLINE_PAYLOAD_BYTES;
    if (inline) request.data = data;
    const sends = [this.comm.isend(request, target, TAG_REQUEST)];
    if (!inline) sends.push(this.comm.isend(data, target, TAG_DATA));
    this.outstanding.wrote(target);
    await this.outstanding.track(target, Promise.all(sends.map((s) => s.wait())));
    if (target === this.rank) await yieldToEventLoop();
  }

  /** Sends a request that the target answers, and resolves the answer. */
  private async ask<T>(target: number, request: (reply: number) => RmaRequest): Promise<T> {
    const tag = this.tags.take();
    // Posted before the request goes out, so the answer never waits in the unexpected queue.
    const answer = this.comm.irecv<T | Error>(target, tag);
    const sent = this.comm.isend(request(tag), target, TAG_REQUEST);
    const [, value] = await this.outstanding.track(target, Promise.all([sent.wait(), answer.wait()]));
    if (target === this.rank) await yieldToEventLoop();
    if (value instanceof Error) throw fromTarget(target, value);
    return value;
  }

  /** Asks `target` to confirm that every earlier request of this rank has been applied. */
  private confirm(target: number): Promise<void> {
    return this.ask<void>(target, (reply) => ({ k: 'flush', reply }));
  }

  /** Flushes every target written to, then waits for every operation in flight. */
  private async completeAll(): Promise<void> {
    await Promise.all(this.outstanding.takeUnconfirmed().map((target) => this.confirm(target)));
    await this.outstanding.settled();
  }

  private async release(target: number): Promise<void> {
    // Forgotten at once, so that lock(target) may follow unlock(target) without waiting.
    this.locks.delete(target);
    this.outstanding.takeUnconfirmedOf(target);
    // The target serves requests in order: the unlock is answered after every earlier one.
    await Promise.all([this.ask<void>(target, (reply) => ({ k: 'unlock', reply })), this.outstanding.settled(target)]);
  }
}

/**
 * Lets I/O callbacks run. Operations that complete without I/O (on this rank's own
 * window, on PROC_NULL) end with it, so that a rank looping over them still serves
 * the requests of other ranks.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The element type as every rank must agree on it (a Buffer is a Uint8Array). */
function elementName(memory: TypedArray): string {
  const name = typedArrayName(memory);
  return name === 'Buffer' ? 'Uint8Array' : name;
}

/** `got` as the same class as `memory` (a Buffer window and a Uint8Array window may meet). */
function sameTypeAs<A extends TypedArray>(memory: A, got: TypedArray): A {
  if (Object.getPrototypeOf(got) === Object.getPrototypeOf(memory)) return got as A;
  const copy = allocateLike(memory, got.length);
  writeAt(copy, got, 0);
  return copy;
}

/** A failure the target reported: an MpiError of the class its message names. */
function fromTarget(target: number, error: Error): MpiError {
  const match = /^(ERR_[A-Z_]+): ([\s\S]*)$/.exec(error.message);
  const errorClass = (match?.[1] ?? 'ERR_OTHER') as ErrorClass;
  return mpiError(errorClass, `rank ${target} could not apply the request: ${match?.[2] ?? error.message}`);
}

import { UNDEFINED } from '../constants.js';
import { hold, release } from '../runtime/keepalive.js';
import { checkStatusArgument, Status } from './status.js';

/** The result of an operation that completed without a message (a send); never modified. */
const NO_MESSAGE = Object.freeze(new Status());

type Settled = { done: boolean; failed: boolean; value: unknown; error: unknown; listeners?: Set<() => void> };

/**
 * A pending operation, like MPI_Request. It is also a PromiseLike, so `await req`
 * works. Errors surface only when someone waits or tests, never as unhandled
 * rejections of requests nobody looked at.
 */
export class Request<T = unknown> implements PromiseLike<T> {
  private done = false;
  private failed = false;
  private value: T | undefined;
  private error: unknown;
  private collected = false;
  /** What the operation learned about its message; the Status of nothing until it completes with one. */
  private result: Status = NO_MESSAGE;
  private waiters: Array<() => void> | null = null;
  /** @internal Set for a background service's standing receive, which hang reports leave out. */
  background = false;

  /** @internal Requests are made by the runtime; `cancelHook` returns true if it cancelled. */
  constructor(private readonly cancelHook?: () => boolean) {}

  /** @internal A request that is already complete. */
  static completed<T>(value: T, status?: Status): Request<T> {
    const req = new Request<T>();
    req.complete(value, status);
    return req;
  }

  /** @internal A request that already failed. */
  static failedWith<T>(error: unknown): Request<T> {
    const req = new Request<T>();
    req.fail(error);
    return req;
  }

  /** @internal Completes the operation with `value`; `status` is kept (not copied), so pass one nobody changes later. */
  complete(value: T, status?: Status): void {
    if (this.done) return;
    this.done = true;
    this.value = value;
    if (status) this.result = status;
    this.wake();
  }

  /** @internal Fails the operation; `status` describes the message it failed on, if any (kept, not copied). */
  fail(error: unknown, status?: Status): void {
    if (this.done) return;
    this.done = true;
    this.failed = true;
    this.error = error;
    if (status) this.result = status;
    this.wake();
  }

  /** @internal True once the operation finished (successfully or not). */
  get isComplete(): boolean {
    return this.done;
  }

  /** @internal True once the operation completed without error. */
  get succeeded(): boolean {
    return this.done && !this.failed;
  }

  private wake(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    for (const w of waiters) w();
  }

  /** False once the request completed and its result was collected by wait or test. */
  get active(): boolean {
    return !this.collected;
  }

  /** Waits for completion; fills `status` if given. */
  wait(status?: Status): Promise<T> {
    try {
      checkStatusArgument(status);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.done) {
      this.collect(status);
      return this.failed ? Promise.reject(this.error) : yieldingResolve(this.value as T);
    }
    return new Promise<T>((resolve, reject) =>
      this.keepAliveUntilComplete(() => {
        this.collect(status);
        if (this.failed) reject(this.error);
        else resolve(this.value as T);
      }),
    );
  }

  /**
   * @internal Calls `callback` once complete, without keeping the process alive for it
   * (for background services such as RMA targets, which must not stop a program from
   * exiting, and for waits over many requests). The function returned takes the callback
   * back, so such a wait leaves nothing behind on the requests that did not end it.
   */
  onSettled(callback: () => void): () => void {
    if (this.done) {
      queueMicrotask(callback);
      return () => {};
    }
    (this.waiters ??= []).push(callback);
    return () => {
      const i = this.waiters?.indexOf(callback) ?? -1;
      if (i >= 0) this.waiters!.splice(i, 1);
    };
  }

  /** @internal Resolves once complete (failed or not), without collecting the result. */
  whenComplete(): Promise<void> {
    if (this.done) return yieldingResolve(undefined);
    return new Promise<void>((resolve) => this.keepAliveUntilComplete(resolve));
  }

  /** Calls `callback` once complete, keeping the process alive until then. */
  private keepAliveUntilComplete(callback: () => void): void {
    hold();
    (this.waiters ??= []).push(() => {
      release();
      callback();
    });
  }

  private collect(status?: Status): void {
    this.collected = true;
    if (status) status.assign(this.result);
  }

  /** Never blocks: `[true, value]` once complete (filling `status`), else `[false, undefined]`. */
  test(status?: Status): [done: boolean, value: T | undefined] {
    checkStatusArgument(status);
    if (!this.done) return [false, undefined];
    this.collect(status);
    if (this.failed) throw this.error;
    return [true, this.value];
  }

  /** Cancels a receive that has not matched yet; `wait(status)` then gives `status.cancelled`. */
  cancel(): void {
    if (this.done || !this.cancelHook) return;
    if (this.cancelHook()) {
      const status = new Status();
      status.cancelled = true;
      this.complete(undefined as T, status);
    }
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.wait().then(onfulfilled, onrejected);
  }

  /**
   * Waits for every request (or promise); resolves their values in order, each typed as
   * its request's (`[number, string]` for `[irecv<number>(…), irecv<string>(…)]`).
   */
  static waitall<R extends ReadonlyArray<Request | PromiseLike<unknown>> | []>(reqs: R): Promise<ValuesOf<R>> {
    const collectAll = (): ValuesOf<R> => {
      // A failure: only the failed request is collected; the others stay active, as with testsome.
      throwFirstFailure(reqs, activeIndices(reqs));
      return reqs.map(testOne) as ValuesOf<R>;
    };
    const waiting = untilSettled(reqs, reqs.map((_, i) => i), 'all');
    if (waiting) return waiting.then(collectAll);
    try {
      return yieldingResolve(collectAll());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Waits for any one active request: `[index, value]`, or `[UNDEFINED, undefined]` when none is active. */
  static async waitany(reqs: ReadonlyArray<Request | PromiseLike<unknown>>): Promise<[index: number, value: unknown]> {
    const active = activeIndices(reqs);
    if (active.length === 0) return [UNDEFINED, undefined];
    // The first to complete, when it was waited for.
    const index = (await untilSettled(reqs, active, 'one')) ?? active.find((i) => isSettled(reqs[i]))!;
    return [index, await waitOne(reqs[index])];
  }

  /** Waits until at least one active request completes; returns the indices of all that did. */
  static async waitsome(reqs: ReadonlyArray<Request | PromiseLike<unknown>>): Promise<number[]> {
    const active = activeIndices(reqs);
    if (active.length === 0) return [];
    await untilSettled(reqs, active, 'one');
    return Request.testsome(reqs);
  }

  /** Never blocks: `[true, values]` when every request is complete, else `[false, undefined]`. */
  static testall<R extends ReadonlyArray<Request | PromiseLike<unknown>> | []>(reqs: R): [done: boolean, values: ValuesOf<R> | undefined] {
    if (!reqs.every((r) => isSettled(r))) return [false, undefined];
    throwFirstFailure(reqs, activeIndices(reqs));
    // An inactive request (collected before) gives undefined, as MPI's null request gives an empty status.
    return [true, reqs.map((r) => (isActive(r) ? testOne(r) : undefined)) as ValuesOf<R>];
  }

  /** Never blocks: `[index, true, value]` for a completed request; `[UNDEFINED, false, undefined]` while pending. */
  static testany(reqs: ReadonlyArray<Request | PromiseLike<unknown>>): [index: number, done: boolean, value: unknown] {
    const active = activeIndices(reqs);
    if (active.length === 0) return [UNDEFINED, true, undefined];
    const ready = active.find((i) => isSettled(reqs[i]));
    if (ready === undefined) return [UNDEFINED, false, undefined];
    return [ready, true, testOne(reqs[ready])];
  }

  /**
   * Never blocks: the indices of active requests that completed (now collected). When
   * one of them failed, throws its error and collects only that one: the others stay
   * active for the next call, so no completed receive is lost.
   */
  static testsome(reqs: ReadonlyArray<Request | PromiseLike<unknown>>): number[] {
    const done = activeIndices(reqs).filter((i) => isSettled(reqs[i]));
    throwFirstFailure(reqs, done);
    for (const i of done) testOne(reqs[i]);
    return done;
  }
}

/** The values of requests (or promises) `R`, element by element: a tuple for a tuple. */
export type ValuesOf<R extends ReadonlyArray<unknown>> = { -readonly [K in keyof R]: Awaited<R[K]> };

/**
 * A loop of awaits on operations that complete at once (sends to PROC_NULL, small
 * sends, operations on one's own window) would otherwise run on microtasks only and
 * starve the event loop — and with it every message and every passive-target RMA
 * request this rank must serve. So every YIELD_EVERY such awaits in a row, the next
 * one resolves after a turn of the event loop. Most awaits still cost no turn.
 */
const YIELD_EVERY = 32;
let immediateAwaits = 0;
let turnNoted = false;

function yieldingResolve<T>(value: T): Promise<T> {
  return turnDue() ? new Promise((resolve) => setImmediate(() => resolve(value))) : Promise.resolve(value);
}

/**
 * @internal For a caller that answers an operation complete at once with a promise of its
 * own that is already resolved (`done`): `done` itself, or, when the event loop is due a
 * turn, a promise that resolves after it. Counts with every other await of a complete request.
 */
export function doneOrAfterTurn(done: Promise<void>): Promise<void> {
  return turnDue() ? new Promise((resolve) => setImmediate(resolve)) : done;
}

/** Counts one await of an operation complete at once; true when this one should wait for a turn. */
function turnDue(): boolean {
  if (!turnNoted) {
    turnNoted = true;
    setImmediate(() => {
      immediateAwaits = 0;
      turnNoted = false;
    });
  }
  if (++immediateAwaits < YIELD_EVERY) return false;
  immediateAwaits = 0;
  return true;
}

// Plain promises can be mixed with requests; their state is learned by watching them.
const promiseState = new WeakMap<PromiseLike<unknown>, Settled>();
const collectedPromises = new WeakSet<PromiseLike<unknown>>();

function watch(p: PromiseLike<unknown>): Settled {
  let state = promiseState.get(p);
  if (!state) {
    const s: Settled = { done: false, failed: false, value: undefined, error: undefined };
    state = s;
    promiseState.set(p, s);
    const settle = (fields: Partial<Settled>): void => {
      Object.assign(s, { done: true, ...fields });
      const listeners = s.listeners;
      s.listeners = undefined;
      listeners?.forEach((listener) => listener());
    };
    Promise.resolve(p).then(
      (v) => settle({ value: v }),
      (e) => settle({ failed: true, error: e }),
    );
  }
  return state;
}

function isSettled(r: Request | PromiseLike<unknown>): boolean {
  return r instanceof Request ? r.isComplete : watch(r).done;
}

function isActive(r: Request | PromiseLike<unknown>): boolean {
  return r instanceof Request ? r.active : !collectedPromises.has(r);
}

function activeIndices(reqs: ReadonlyArray<Request | PromiseLike<unknown>>): number[] {
  const out: number[] = [];
  reqs.forEach((r, i) => {
    if (isActive(r)) out.push(i);
  });
  return out;
}

/** Calls `callback` once `r` settles; returns a function that takes it back. */
function onSettle(r: Request | PromiseLike<unknown>, callback: () => void): () => void {
  if (r instanceof Request) return r.onSettled(callback);
  const state = watch(r);
  (state.listeners ??= new Set()).add(callback);
  return () => state.listeners?.delete(callback);
}

/**
 * Resolves once one (`'one'`) or all (`'all'`) of `reqs[indices]` settled, or, for
 * `'all'`, one of them failed, with the index of the one that ended the wait; undefined
 * (no promise) when there is nothing to wait for. Keeps the process alive meanwhile while a Request is
 * among them (a plain promise keeps it alive by its own means, or not), and leaves no
 * callback behind on the requests still pending when it resolves: waiting again and
 * again on a request that stays pending costs nothing.
 */
function untilSettled(
  reqs: ReadonlyArray<Request | PromiseLike<unknown>>,
  indices: readonly number[],
  enough: 'one' | 'all',
): Promise<number> | undefined {
  const pending = indices.filter((i) => !isSettled(reqs[i]));
  if (pending.length === 0 || (enough === 'one' && pending.length < indices.length)) return undefined;
  if (enough === 'all' && indices.some((i) => hasFailed(reqs[i]))) return undefined;
  return new Promise((resolve) => {
    const keepAlive = pending.some((i) => reqs[i] instanceof Request);
    if (keepAlive) hold();
    let left = pending.length;
    let over = false;
    const detachers: Array<() => void> = [];
    const finish = (index: number): void => {
      if (over) return;
      over = true;
      for (const detach of detachers) detach();
      if (keepAlive) release();
      resolve(index);
    };
    for (const i of pending) {
      detachers.push(
        onSettle(reqs[i], () => {
          if (enough === 'one' || hasFailed(reqs[i]) || --left === 0) finish(i);
        }),
      );
    }
  });
}

function waitOne(r: Request | PromiseLike<unknown>): Promise<unknown> {
  if (r instanceof Request) return r.wait();
  collectedPromises.add(r);
  return Promise.resolve(r);
}

/** Collects the first request among `indices` that failed, which throws its error; else does nothing. */
function throwFirstFailure(reqs: ReadonlyArray<Request | PromiseLike<unknown>>, indices: readonly number[]): void {
  const failed = indices.find((i) => hasFailed(reqs[i]));
  if (failed !== undefined) testOne(reqs[failed]);
}

function hasFailed(r: Request | PromiseLike<unknown>): boolean {
  return r instanceof Request ? r.isComplete && !r.succeeded : watch(r).failed;
}

function testOne(r: Request | PromiseLike<unknown>): unknown {
  if (r instanceof Request) return r.test()[1];
  collectedPromises.add(r);
  const s = watch(r);
  if (s.failed) throw s.error;
  return s.value;
}

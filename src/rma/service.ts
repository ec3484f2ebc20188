/**
 * The target side of a window: a background service that applies the requests
 * origins send to this rank's window memory.
 *
 * It runs on completion callbacks (`Request.onSettled`), not on awaited promises, so
 * an idle window never keeps a finished program alive. Its callbacks run when the
 * p2p engine completes a receive, which happens while this process's event loop
 * runs: a target must yield to the event loop (await something, or return from its
 * current task) for passive-target operations on its window to progress.
 *
 * Atomicity: the service handles one request at a time, in the order requests
 * arrived, and applies each one's whole effect in one synchronous step (JavaScript
 * runs one callback at a time, and no request is started before the previous one —
 * payload included — is applied). So accumulate, fetch-and-op and compare-and-swap
 * are atomic per element with respect to each other, and requests of one origin take
 * effect in the order that origin made them (p2p keeps per-sender order). The owner's
 * own loads and stores also run on that single thread, between requests, never
 * inside one.
 *
 * Epochs: `lock` resolves at the origin only once granted, but a program may go on
 * without awaiting it (MPI's lock may return early too). Requests an origin sends
 * while its lock waits belong to that epoch, so they are held, in order, and applied
 * once the lock is granted — never while another rank holds it exclusively.
 */
import { ANY_SOURCE } from '../constants.js';
import type { Comm } from '../comm/comm.js';
import type { TypedArray } from '../coll/typedArray.js';
import type { Request } from '../p2p/request.js';
import { Status } from '../p2p/status.js';
import { opNamed } from './checks.js';
import { LockQueue } from './lock.js';
import { accumulateRange, compareAndSwapAt, fetchAndOpAt, readRange, writeRange } from './memory.js';
import { awaitsPayload, TAG_DATA, TAG_REQUEST, type PayloadRequest, type RmaRequest } from './protocol.js';

/** Serves one window's requests at this rank, one at a time, in arrival order. */
export class TargetService {
  private readonly locks = new LockQueue();
  /** Failures of requests that have no reply, reported with the origin's next flush or unlock. */
  private readonly deferredErrors = new Map<number, string>();
  /** Origins whose lock request waits, with the requests they sent since (applied once it is granted). */
  private readonly held = new Map<number, Array<{ request: RmaRequest; payload: TypedArray | null }>>();
  private receive: Request<RmaRequest> | null = null;
  private stopped = false;

  constructor(
    private readonly comm: Comm,
    private readonly memory: TypedArray,
  ) {}

  /** Starts serving requests. */
  start(): void {
    this.listen();
  }

  /** Stops serving (after free's closing barrier no origin sends anything more). */
  stop(): void {
    this.stopped = true;
    this.receive?.cancel();
    this.receive = null;
  }

  private listen(): void {
    if (this.stopped) return;
    const receive = this.comm.irecv<RmaRequest>(ANY_SOURCE, TAG_REQUEST);
    receive.background = true;
    this.receive = receive;
    receive.onSettled(() => this.onRequest(receive));
  }

  private onRequest(receive: Request<RmaRequest>): void {
    if (this.stopped) return;
    const status = new Status();
    let request: RmaRequest | undefined;
    try {
      request = receive.test(status)[1];
    } catch {
      // A peer failed and the engine failed every ANY_SOURCE receive: keep serving the others.
      this.listen();
      return;
    }
    if (status.cancelled || request === undefined) return;
    if (awaitsPayload(request)) this.receivePayload(request, status.source);
    else {
      this.execute(request, status.source, null);
      this.listen();
    }
  }

  /** The payload follows its request from the same origin; nothing else is served until it is applied. */
  private receivePayload(request: PayloadRequest, origin: number): void {
    const receive = this.comm.irecv<TypedArray>(origin, TAG_DATA);
    receive.onSettled(() => {
      if (this.stopped) return;
      try {
        const [, data] = receive.test();
        this.execute(request, origin, data ?? null);
      } catch {
        // The origin failed while sending: its request is dropped.
      }
      this.listen();
    });
  }

  private execute(request: RmaRequest, origin: number, payload: TypedArray | null): void {
    const held = this.held.get(origin);
    if (held) {
      held.push({ request, payload });
      return;
    }
    try {
      this.apply(request, origin, payload);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if ('reply' in request) this.reply(origin, request.reply, remoteError(message));
      else this.deferredErrors.set(origin, message);
    }
  }

  private apply(request: RmaRequest, origin: number, payload: TypedArray | null): void {
    const memory = this.memory;
    switch (request.k) {
      case 'put':
        writeRange(memory, request.offset, request.data ?? payload!);
        return;
      case 'acc':
        accumulateRange(memory, request.offset, request.data ?? payload!, opNamed(request.op));
        return;
      case 'get':
        this.reply(origin, request.reply, readRange(memory, request.offset, request.count));
        return;
      case 'fop':
        this.reply(origin, request.reply, fetchAndOpAt(memory, request.offset, request.value, opNamed(request.op)));
        return;
      case 'cas':
        this.reply(origin, request.reply, compareAndSwapAt(memory, request.offset, request.value, request.compare));
        return;
      case 'flush':
        this.reply(origin, request.reply, this.takeDeferredError(origin));
        return;
      case 'lock':
        this.held.set(origin, []);
        this.locks.request(origin, request.kind, () => this.granted(origin, request.reply));
        return;
      case 'unlock': {
        if (!this.locks.release(origin)) throw new Error(`rank ${origin} unlocked a window it had not locked`);
        this.reply(origin, request.reply, this.takeDeferredError(origin));
        return;
      }
    }
  }

  /** `origin`'s lock is granted: answers it, then applies what the origin sent meanwhile, in order. */
  private granted(origin: number, replyTag: number): void {
    const held = this.held.get(origin) ?? [];
    this.held.delete(origin);
    this.reply(origin, replyTag, undefined);
    // A held request may be another lock, which holds the ones after it again.
    for (const { request, payload } of held) this.execute(request, origin, payload);
  }

  private takeDeferredError(origin: number): Error | undefined {
    const message = this.deferredErrors.get(origin);
    if (message === undefined) return undefined;
    this.deferredErrors.delete(origin);
    return remoteError(message);
  }

  /** Answers on the request's own tag. Not awaited: finalize drains every send, and a dead origin needs no answer. */
  private reply(origin: number, tag: number, value: unknown): void {
    this.comm.isend(value, origin, tag);
  }
}

/** An error to send back; the origin raises it as an MpiError of the same class. */
function remoteError(message: string): Error {
  const error = new Error(message);
  error.name = 'RmaTargetError';
  return error;
}

/**
 * The point-to-point protocol engine: eager and rendezvous sends, matching of
 * arrivals against posted receives, and flow control of eager data.
 *
 * - Eager: a small message goes out at once with its payload. The receiver keeps it
 *   in the unexpected queue if no receive is posted. Each sender may have at most
 *   EAGER_CREDIT_BYTES of unmatched eager data at a receiver; the receiver returns
 *   credit as it matches messages. Out of credit, a sender switches to rendezvous, so a
 *   flood cannot grow the receiver's memory without bound.
 * - Rendezvous: large messages, synchronous sends and sends without credit announce
 *   themselves (ReadyToSend); the data follows only when a receive matched (ClearToSend).
 *   A receive that cannot take the message (a buffer too short) fails at once and
 *   declines it (Decline): the send completes, as in MPI, and the data never moves.
 *
 * Sources and destinations here are world ranks; communicators translate.
 */
import { ANY_SOURCE } from '../constants.js';
import { mpiError, MpiError } from '../errors.js';
import { countOf, decode, encode, type Encoded } from '../codec/value.js';
import { pinsLargerBuffer, SMALL_COPY_BYTES } from '../codec/dtype.js';
import { Kind, type Frame, type FrameFields } from '../transport/framing.js';
import { CallMismatchError } from './callMismatch.js';
import { matches, MatchingEngine, type Envelope } from './matching.js';
import { Request } from './request.js';
import { Status } from './status.js';
import { EAGER_BYTES, EAGER_CREDIT_BYTES, MAX_MESSAGE_BYTES } from './limits.js';
import type { ReceiveTarget } from './receiveTarget.js';

/** Bookkeeping cost charged per eager message, so floods of empty messages are bounded too. */
const MESSAGE_OVERHEAD = 128;

/** Refuses a message of `bytes` payload bytes over MAX_MESSAGE_BYTES with ERR_ARG. */
export function checkMessageSize(bytes: number): void {
  if (bytes > MAX_MESSAGE_BYTES) {
    throw mpiError('ERR_ARG', `a message of ${bytes} bytes exceeds the limit of ${MAX_MESSAGE_BYTES} bytes; send it in parts`);
  }
}

/** What the engine needs from the transport below it. */
export interface FrameSink {
  write(peer: number, fields: FrameFields, payload?: Uint8Array, done?: (err?: Error) => void): void;
}

/** A message that arrived (or an announcement of one) not yet matched. */
interface Arrival extends Envelope {
  ptype: number;
  /** Total payload bytes of the message. */
  bytes: number;
  /** The payload, for eager messages. */
  payload: Uint8Array | null;
  /** Rendezvous id at the sender (rendezvous only). */
  id: number;
  /** Eager bytes to return as credit once matched. */
  charge: number;
  /** For a synchronous self-send: called when a receive matches. */
  onMatch: (() => void) | null;
}

/** A posted receive. */
interface PostedReceive extends Envelope {
  req: Request<unknown>;
  /** Maps the sender's world rank to the rank the receiver's communicator uses. */
  rankOf: (world: number) => number;
  into?: ReceiveTarget;
}

interface RendezvousSend {
  dest: number;
  encoded: Encoded;
  req: Request<void>;
  tag: number;
  ctx: number;
}

interface RendezvousReceive {
  recv: PostedReceive;
  arrival: Arrival;
}

/** What a rank is waiting on, for hang reports. */
export interface PendingOp {
  op: 'recv' | 'send' | 'probe';
  ctx: number;
  peer: number;
  tag: number;
  bytes?: number;
}

export class P2PEngine {
  private readonly matching = new MatchingEngine<Arrival, PostedReceive>();
  private readonly sendsAwaitingClear = new Map<number, RendezvousSend>();
  private readonly receivesAwaitingData = new Map<number, Map<number, RendezvousReceive>>();
  private readonly credit = new Map<number, number>();
  private readonly owed = new Map<number, number>();
  private readonly unfinishedSends = new Set<Request<void>>();
  /** Synchronous sends to this rank itself that no receive matched yet. */
  private readonly selfSyncSends = new Map<Request<void>, { ctx: number; tag: number; bytes: number }>();
  private readonly failedPeers = new Map<number, string>();
  private nextId = 1;

  /** Messages and payload bytes this rank has sent (for tests of algorithm message counts). */
  readonly stats = { messagesSent: 0, bytesSent: 0 };

  constructor(
    private readonly me: number,
    private readonly sink: FrameSink,
  ) {}

  /** Starts a send of `data` to world rank `dest`; `sync` waits for the matching receive. */
  isend(ctx: number, data: unknown, dest: number, tag: number, sync: boolean): Request<void> {
    const encoded = encode(data);
    checkMessageSize(encoded.bytes.byteLength);
    this.stats.messagesSent++;
    this.stats.bytesSent += encoded.bytes.byteLength;
    if (dest === this.me) return this.sendToSelf(ctx, encoded, tag, sync);
    const failure = this.failedPeers.get(dest);
    if (failure !== undefined) return Request.failedWith(procFailed(dest, failure));
    const req = new Request<void>();
    const len = encoded.bytes.byteLength;
    const charge = len + MESSAGE_OVERHEAD;
    const credit = this.credit.get(dest) ?? EAGER_CREDIT_BYTES;
    if (!sync && len <= EAGER_BYTES && credit >= charge) {
      this.credit.set(dest, credit - charge);
      const fields = { kind: Kind.Eager, ptype: encoded.ptype, ctx, tag, src: this.me };
      this.sink.write(dest, fields, encoded.bytes, (err) => this.settleSend(req, dest, err));
      // A small payload is copied as it is written, so the send is usually complete already.
      if (!req.isComplete) this.track(req);
      return req;
    }
    this.track(req);
    const id = this.nextId++;
    this.sendsAwaitingClear.set(id, { dest, encoded, req, tag, ctx });
    this.sink.write(dest, { kind: Kind.ReadyToSend, ptype: encoded.ptype, ctx, tag, src: this.me, id, aux: len }, undefined, (err) => {
      if (err) this.failSend(id, dest, err);
    });
    return req;
  }

  private sendToSelf(ctx: number, encoded: Encoded, tag: number, sync: boolean): Request<void> {
    // The receiver gets its own copy, so the sender may reuse its data at once.
    const payload = new Uint8Array(encoded.bytes);
    const req = new Request<void>();
    // A synchronous one waits for its receive like any other: finalize and hang reports see it.
    const matched = (): void => {
      this.selfSyncSends.delete(req);
      this.settleSend(req, this.me);
    };
    const arrival: Arrival = {
      ctx, source: this.me, tag, ptype: encoded.ptype, bytes: payload.byteLength, payload, id: 0, charge: 0,
      onMatch: sync ? matched : null,
    };
    if (sync) {
      this.track(req);
      this.selfSyncSends.set(req, { ctx, tag, bytes: payload.byteLength });
    }
    this.arrive(arrival);
    if (!sync) req.complete(undefined);
    return req;
  }

  /**
   * Posts a receive on `ctx` from world rank `source` (or ANY_SOURCE) with `tag` (or
   * ANY_TAG). With `into`, a message it accepts is written to the memory it names (read
   * straight there when it comes by rendezvous) and the receive resolves with
   * `into.value(bytes)`; a message it refuses fails the receive.
   */
  irecv<T>(ctx: number, source: number, tag: number, rankOf: (world: number) => number, into?: ReceiveTarget): Request<T> {
    const failure = source === ANY_SOURCE ? undefined : this.failedPeers.get(source);
    if (failure !== undefined) return Request.failedWith(procFailed(source, failure));
    let recv: PostedReceive | null = null;
    const req = new Request<unknown>(() => recv !== null && this.matching.cancel(recv));
    recv = { ctx, source, tag, req, rankOf, into };
    const arrival = this.matching.post(recv);
    if (arrival) this.deliver(recv, arrival);
    else this.failOnConflict(recv, this.matching.conflictFor(recv));
    return req as Request<T>;
  }

  /** Looks for a matching unexpected message without receiving it. */
  iprobe(ctx: number, source: number, tag: number, rankOf: (world: number) => number): Status | null {
    const arrival = this.matching.peek({ ctx, source, tag });
    return arrival ? statusOf(arrival, rankOf) : null;
  }

  /** Waits until a matching message is available, without receiving it. */
  probe(ctx: number, source: number, tag: number, rankOf: (world: number) => number): Request<Status> {
    const req = new Request<Status>();
    const check = (): boolean => {
      const found = this.iprobe(ctx, source, tag, rankOf);
      if (found) req.complete(found, found);
      else if (source !== ANY_SOURCE && this.failedPeers.has(source)) req.fail(procFailed(source, this.failedPeers.get(source)!));
      return req.isComplete;
    };
    if (!check()) this.probes.push({ ctx, source, tag, check });
    return req;
  }

  /** Waiting probes; `check` completes or fails the probe when it can and says whether it did. */
  private probes: Array<{ ctx: number; source: number; tag: number; check: () => boolean }> = [];

  /** Handles one frame from `peer`. */
  onFrame(peer: number, frame: Frame): void {
    switch (frame.kind) {
      case Kind.Eager:
        this.arrive({
          ctx: frame.ctx, source: peer, tag: frame.tag, ptype: frame.ptype, bytes: frame.payload.byteLength,
          payload: frame.payload, id: 0, charge: frame.payload.byteLength + MESSAGE_OVERHEAD, onMatch: null,
        });
        break;
      case Kind.ReadyToSend:
        this.arrive({
          ctx: frame.ctx, source: peer, tag: frame.tag, ptype: frame.ptype, bytes: frame.aux, payload: null,
          id: frame.id, charge: 0, onMatch: null,
        });
        break;
      case Kind.ClearToSend:
        this.clearToSend(peer, frame.id);
        break;
      case Kind.Decline:
        this.declined(peer, frame.id);
        break;
      case Kind.Data:
        this.data(peer, frame);
        break;
      case Kind.Credit:
        this.credit.set(peer, (this.credit.get(peer) ?? EAGER_CREDIT_BYTES) + frame.aux);
        break;
    }
  }

  private arrive(arrival: Arrival): void {
    const recv = this.matching.arrive(arrival);
    if (recv) {
      this.deliver(recv, arrival);
      return;
    }
    keepOnlyOwnBytes(arrival);
    const clash = this.matching.takeConflicting(arrival);
    if (clash) this.failOnConflict(clash, arrival);
    // Only a probe this message matches can complete now (the others found nothing before
    // and still find nothing): no scan of the unexpected messages per arrival.
    if (this.probes.length) this.probes = this.probes.filter((probe) => probe.ctx !== arrival.ctx || !matches(probe, arrival) || !probe.check());
  }

  /**
   * A receive on a context whose tags name calls met a message of its call made another
   * way (see MatchingEngine.watchCalls): it fails, rather than wait for a message that
   * will never come; the message stays, for nothing.
   */
  private failOnConflict(recv: PostedReceive, arrival: Arrival | undefined): void {
    if (!arrival) return;
    this.matching.cancel(recv);
    recv.req.fail(new CallMismatchError(recv.rankOf(arrival.source)), statusOf(arrival, recv.rankOf));
  }

  /** Tags on `ctx` name calls: `callOf(tag)` is the call a tag belongs to (see MatchingEngine.watchCalls). */
  watchCalls(ctx: number, callOf: (tag: number) => number): void {
    this.matching.watchCalls(ctx, callOf);
  }

  /** A receive matched an arrival: complete it, or ask the sender for the data. */
  private deliver(recv: PostedReceive, arrival: Arrival): void {
    arrival.onMatch?.();
    if (arrival.payload) {
      this.returnCredit(arrival.source, arrival.charge);
      this.completeReceive(recv, arrival, arrival.payload);
      return;
    }
    const refusal = refusalOf(recv, arrival);
    if (refusal) {
      // The announcement says all the receive needs to know: reading the data only to
      // drop it would cost its full size in memory and on the wire.
      recv.req.fail(refusal, statusOf(arrival, recv.rankOf));
      this.sink.write(arrival.source, { kind: Kind.Decline, src: this.me, id: arrival.id });
      return;
    }
    let byId = this.receivesAwaitingData.get(arrival.source);
    if (!byId) {
      byId = new Map();
      this.receivesAwaitingData.set(arrival.source, byId);
    }
    byId.set(arrival.id, { recv, arrival });
    this.sink.write(arrival.source, { kind: Kind.ClearToSend, src: this.me, id: arrival.id });
  }

  private completeReceive(recv: PostedReceive, arrival: Arrival, payload: Uint8Array): void {
    const into = recv.into;
    const accepted = into?.accept(arrival.ptype, payload.byteLength, () => describe(arrival, recv.rankOf));
    if (accepted instanceof MpiError) {
      recv.req.fail(accepted, statusOf(arrival, recv.rankOf));
      return;
    }
    if (accepted) {
      if (!sameMemory(payload, accepted)) accepted.set(payload);
      const status = statusOf(arrival, recv.rankOf);
      status.count = into!.count(arrival.ptype, payload.byteLength);
      recv.req.complete(into!.value(payload.byteLength), status);
      return;
    }
    let value: unknown;
    try {
      value = decode(arrival.ptype, payload);
    } catch (err) {
      recv.req.fail(err instanceof MpiError ? err : mpiError('ERR_OTHER', `cannot decode message: ${(err as Error).message}`));
      return;
    }
    recv.req.complete(value, statusOf(arrival, recv.rankOf));
  }

  private returnCredit(peer: number, charge: number): void {
    if (charge === 0) return;
    const owed = (this.owed.get(peer) ?? 0) + charge;
    if (owed >= EAGER_CREDIT_BYTES / 4) {
      this.owed.set(peer, 0);
      this.sink.write(peer, { kind: Kind.Credit, src: this.me, aux: owed });
    } else {
      this.owed.set(peer, owed);
    }
  }

  private clearToSend(peer: number, id: number): void {
    const send = this.sendsAwaitingClear.get(id);
    if (!send || send.dest !== peer) return;
    this.sendsAwaitingClear.delete(id);
    this.sink.write(peer, { kind: Kind.Data, src: this.me, id, ptype: send.encoded.ptype }, send.encoded.bytes, (err) =>
      this.settleSend(send.req, peer, err),
    );
  }

  /** The receive that matched our rendezvous `id` refused it: the send is done without its data. */
  private declined(peer: number, id: number): void {
    const send = this.sendsAwaitingClear.get(id);
    if (!send || send.dest !== peer) return;
    this.sendsAwaitingClear.delete(id);
    this.settleSend(send.req, peer);
  }

  /**
   * Where the payload that follows `frame` should be read to: the memory its receive
   * named, for the data of a rendezvous whose receive gave a place that fits it.
   */
  destinationFor(peer: number, frame: Frame): Uint8Array | undefined {
    if (frame.kind !== Kind.Data) return undefined;
    const into = this.receivesAwaitingData.get(peer)?.get(frame.id)?.recv.into;
    const accepted = into?.accept(frame.ptype, frame.len, () => '');
    // Data the announcement promised; should it differ, completeReceive reports the refusal.
    return accepted instanceof Uint8Array ? accepted : undefined;
  }

  private data(peer: number, frame: Frame): void {
    const byId = this.receivesAwaitingData.get(peer);
    const pending = byId?.get(frame.id);
    if (!byId || !pending) return;
    byId.delete(frame.id);
    this.completeReceive(pending.recv, pending.arrival, frame.payload);
  }

  private track(req: Request<void>): void {
    this.unfinishedSends.add(req);
  }

  private settleSend(req: Request<void>, dest: number, err?: Error): void {
    this.unfinishedSends.delete(req);
    if (err) req.fail(procFailed(dest, err.message));
    else req.complete(undefined);
  }

  private failSend(id: number, dest: number, err: Error): void {
    const send = this.sendsAwaitingClear.get(id);
    if (!send) return;
    this.sendsAwaitingClear.delete(id);
    this.settleSend(send.req, dest, err);
  }

  /** Resolves once every send started so far has completed (finalize waits on this). */
  async drainSends(): Promise<void> {
    while (this.unfinishedSends.size > 0) {
      await Request.waitall([...this.unfinishedSends].map((r) => r.whenComplete()));
    }
  }

  /** A peer died: everything waiting on it fails with ERR_PROC_FAILED. */
  peerFailed(peer: number, reason: string): void {
    if (this.failedPeers.has(peer)) return;
    this.failedPeers.set(peer, reason);
    const error = procFailed(peer, reason);
    for (const [id, send] of this.sendsAwaitingClear) {
      if (send.dest === peer) {
        this.sendsAwaitingClear.delete(id);
        this.unfinishedSends.delete(send.req);
        send.req.fail(error);
      }
    }
    for (const { recv } of this.receivesAwaitingData.get(peer)?.values() ?? []) recv.req.fail(error);
    this.receivesAwaitingData.delete(peer);
    for (const recv of this.matching.removePosted((r) => r.source === peer || r.source === ANY_SOURCE)) recv.req.fail(error);
    this.probes = this.probes.filter((probe) => !probe.check());
  }

  /** A freed communicator's context: its matching queues go once they are empty. */
  forgetContext(ctx: number): void {
    this.matching.forget(ctx);
  }

  /** Operations this rank is waiting on, for hang reports. */
  pendingOps(): PendingOp[] {
    const ops: PendingOp[] = [];
    for (const r of this.matching.postedReceives()) {
      // A service's standing receive (an RMA target's) is not something the program waits on.
      if (!r.req.background) ops.push({ op: 'recv', ctx: r.ctx, peer: r.source, tag: r.tag });
    }
    for (const byId of this.receivesAwaitingData.values()) {
      for (const { recv, arrival } of byId.values()) {
        ops.push({ op: 'recv', ctx: recv.ctx, peer: arrival.source, tag: arrival.tag, bytes: arrival.bytes });
      }
    }
    for (const p of this.probes) ops.push({ op: 'probe', ctx: p.ctx, peer: p.source, tag: p.tag });
    for (const s of this.sendsAwaitingClear.values()) {
      ops.push({ op: 'send', ctx: s.ctx, peer: s.dest, tag: s.tag, bytes: s.encoded.bytes.byteLength });
    }
    for (const s of this.selfSyncSends.values()) ops.push({ op: 'send', ctx: s.ctx, peer: this.me, tag: s.tag, bytes: s.bytes });
    return ops;
  }

}

/**
 * An unexpected message may wait long for its receive. If its payload is a small view
 * of a larger buffer (small messages arrive side by side in one), it gets a copy of
 * its own, so that waiting does not keep the whole buffer alive.
 */
function keepOnlyOwnBytes(arrival: Arrival): void {
  const payload = arrival.payload;
  if (payload && pinsLargerBuffer(payload)) arrival.payload = new Uint8Array(payload);
}

/** The error a receive's memory gives for an announced message it cannot take, if any. */
function refusalOf(recv: PostedReceive, arrival: Arrival): MpiError | undefined {
  const verdict = recv.into?.accept(arrival.ptype, arrival.bytes, () => describe(arrival, recv.rankOf));
  return verdict instanceof MpiError ? verdict : undefined;
}

function describe(arrival: Arrival, rankOf: (world: number) => number): string {
  return `the message from rank ${rankOf(arrival.source)} with tag ${arrival.tag}`;
}

/**
 * Whether a payload was read straight into the receive's memory. Only a large payload
 * can have been; a small one is not asked for its buffer (see SMALL_COPY_BYTES).
 */
function sameMemory(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength > SMALL_COPY_BYTES && a.byteOffset === b.byteOffset && a.buffer === b.buffer;
}

function statusOf(arrival: Arrival, rankOf: (world: number) => number): Status {
  const status = new Status();
  status.source = rankOf(arrival.source);
  status.tag = arrival.tag;
  status.bytes = arrival.bytes;
  status.count = countOf(arrival.ptype, arrival.bytes);
  return status;
}

function procFailed(peer: number, reason: string): MpiError {
  return mpiError('ERR_PROC_FAILED', `rank ${peer} failed: ${reason}`);
}

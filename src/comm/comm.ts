/**
 * Communicators: a group of ranks with their own point-to-point and collective
 * contexts, so traffic on one never matches traffic on another.
 */
import * as coll from '../coll/select.js';
import { SENT, type CollEndpoint } from '../coll/endpoint.js';
import type { TypedArray } from '../codec/dtype.js';
import { checkSendable } from '../codec/value.js';
import { ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB, UNDEFINED } from '../constants.js';
import { MpiError, mpiError } from '../errors.js';
import { isUserOpError, MAX, Op, SUM } from '../ops.js';
import { CallMismatchError } from '../p2p/callMismatch.js';
import { checkMessageSize, type P2PEngine } from '../p2p/engine.js';
import { bufferTargetOf, exactTargetOf, leadingView } from '../p2p/receiveTarget.js';
import { doneOrAfterTurn, Request } from '../p2p/request.js';
import { checkStatusArgument, Status } from '../p2p/status.js';
import { createWindow, type Win } from '../rma/window.js';
import { cartCoords, cartNeighbors, cartRank, cartShift, cartSub, checkCartesian, gridSize } from './topology/cartesian.js';
import { checkDest, checkReceiveBuffer, checkRecvTag, checkReductionTarget, checkRoot, checkSendTag, checkSource } from './validate.js';

/**
 * A collective's tag is its call number times CALL_KINDS plus a digest of what was
 * called (the collective, its root and op), so messages of one call made two ways never
 * match each other, and the engine reports them (CallMismatchError). Numbers wrap after
 * CALL_NUMBERS calls, far more than can be in flight; tags stay within TAG_UB.
 */
const CALL_KINDS = 4096;
const CALL_NUMBERS = Math.floor((TAG_UB + 1) / CALL_KINDS);

/** A digest, in 0…CALL_KINDS − 1, of what a collective call is: its kind, root and op. */
function digestOfCall(kind: string, root: number | undefined, op: unknown): number {
  let hash = digestOf(kind);
  if (root !== undefined) hash = Math.imul(hash ^ (root + 1), 0x01000193);
  if (op !== undefined) hash = Math.imul(hash ^ digestOf(op instanceof Op ? op.name : '?'), 0x01000193);
  return (hash >>> 0) % CALL_KINDS;
}

/** FNV-1a of `text`, remembered: collectives ask for the same few names again and again. */
function digestOf(text: string): number {
  let hash = digests.get(text);
  if (hash === undefined) {
    hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    if (digests.size < 1024) digests.set(text, hash);
  }
  return hash;
}
const digests = new Map<string, number>();

/** How hang reports and errors name a call: `allreduce(SUM)`, `bcast(root=2)`, `reduce(MAX, root=0)`. */
function nameOfCall(kind: string, root: number | undefined, op: unknown): string {
  const parts = [...(op === undefined ? [] : [op instanceof Op ? op.name : '?']), ...(root === undefined ? [] : [`root=${root}`])];
  return parts.length ? `${kind}(${parts.join(', ')})` : kind;
}

/** @internal Context ids of the communicators init() makes: world's pair (0/1) and self's (2/3). */
export const WORLD_CONTEXT = 0;
/** @internal */
export const SELF_CONTEXT = 2;
/** @internal The first context id after world's and self's. */
export const FIRST_FREE_CONTEXT = 4;

/** @internal What communicators share within one process. */
export interface CommRuntime {
  readonly engine: P2PEngine;
  /**
   * A context id (ids come in pairs: p2p, collective) that no process of the job has
   * proposed or will propose again. A new communicator takes one of its members'
   * proposals, so two communicators get the same id only from one creation (split's
   * disjoint groups), however many creations are under way at once. Infinity when this
   * process has no ids left: the creation then fails on every rank (see contextOf).
   */
  proposeContext(): number;
  /** The host this process runs on (ranks with the same host share `splitType('shared')`). */
  readonly host: string;
  /** Fails with ERR_NOT_INITIALIZED / after finalize, when the runtime is not usable. */
  checkUsable(): void;
  /** Which transport carries messages to world rank `worldRank`. */
  transportKind(worldRank: number): 'self' | 'unix' | 'tcp';
  /** Notes a communicator, so hang reports can name its contexts and ranks. */
  registerComm(comm: Comm): void;
  /** Forgets a freed communicator (ids are never reused: it must not stay alive). */
  forgetComm(comm: Comm): void;
  /** Notes a pending collective call for hang reports (`describe` names it); the returned function clears it. */
  trackCollective(describe: () => string): () => void;
}

/** @internal Rank translation of one group: comm rank → world rank and back. */
export class Group {
  private readonly toComm: Map<number, number>;

  constructor(readonly worldRanks: readonly number[]) {
    this.toComm = new Map(worldRanks.map((w, r) => [w, r]));
  }

  get size(): number {
    return this.worldRanks.length;
  }

  /** The communicator rank of world rank `world` (or `world` itself for PROC_NULL / wildcards). */
  readonly rankOf = (world: number): number => this.toComm.get(world) ?? world;

  /** The world rank of communicator rank `rank`; PROC_NULL and ANY_SOURCE pass through. */
  worldOf(rank: number): number {
    return rank < 0 ? rank : this.worldRanks[rank];
  }
}

/**
 * A communicator. `rank` and `size` are this process's place in it; every method of
 * MPI's point-to-point API is here, and collectives in `Comm` as well.
 */
export class Comm {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  private freed = false;
  /** Collective calls so far: each call's messages use its own tag, so calls may overlap. */
  private collectiveCalls = 0;
  private endpoint: CollEndpoint | null = null;

  /** @internal */
  constructor(
    /** @internal */ readonly runtime: CommRuntime,
    /** @internal */ readonly group: Group,
    myWorldRank: number,
    /** @internal The point-to-point context id; collectives use `context + 1`. */
    readonly context: number,
    /** A name for diagnostics, e.g. `world` or `world.split#1`. */
    readonly name: string,
  ) {
    this.rank = group.rankOf(myWorldRank);
    this.size = group.size;
    // Read-only for JavaScript callers too, not only to the type checker.
    Object.defineProperties(this, { rank: { writable: false }, size: { writable: false } });
    runtime.registerComm(this);
  }

  /** @internal Throws unless the communicator may be used. */
  checkUsable(): void {
    this.runtime.checkUsable();
    if (this.freed) throw mpiError('ERR_COMM', `communicator ${this.name} was freed`);
  }

  // ---- point-to-point -------------------------------------------------------------

  /** Starts a standard-mode send; the request completes when `data` may be reused. */
  isend(data: unknown, dest: number, tag = 0): Request<void> {
    return this.startSend(data, dest, tag, false);
  }

  /** Starts a synchronous send; the request completes once a receive matched it. */
  issend(data: unknown, dest: number, tag = 0): Request<void> {
    return this.startSend(data, dest, tag, true);
  }

  /** Sends `data` to `dest`; resolves when `data` may be reused. */
  send(data: unknown, dest: number, tag = 0): Promise<void> {
    return promised(() => this.startSend(data, dest, tag, false));
  }

  /** Sends `data` to `dest`; resolves once the matching receive has been posted. */
  ssend(data: unknown, dest: number, tag = 0): Promise<void> {
    return promised(() => this.startSend(data, dest, tag, true));
  }

  private startSend(data: unknown, dest: number, tag: number, sync: boolean): Request<void> {
    this.checkUsable();
    checkDest(dest, this.size);
    checkSendTag(tag);
    if (dest === PROC_NULL) {
      // Nothing is sent, but a value that cannot be sent is still an error, as for any other rank.
      checkSendable(data);
      if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) checkMessageSize(data.byteLength);
      return Request.completed(undefined);
    }
    return this.runtime.engine.isend(this.context, data, this.group.worldOf(dest), tag, sync);
  }

  /** Starts a receive from `source` (or ANY_SOURCE) with `tag` (or ANY_TAG). */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    this.checkUsable();
    checkSource(source, this.size);
    checkRecvTag(tag);
    if (source === PROC_NULL) return Request.completed(undefined as T, procNullStatus());
    return this.runtime.engine.irecv<T>(this.context, this.group.worldOf(source), tag, this.group.rankOf);
  }

  /** Receives a message; fills `status` if given. */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<T> {
    return promised(() => this.irecv<T>(source, tag), status);
  }

  /**
   * Starts a receive into `buf`, like mpi4py's `Irecv(buf)`: the bytes of the message
   * (a typed array, Buffer, DataView or ArrayBuffer of at most `buf.byteLength` bytes)
   * are written to the start of `buf`, a large message straight from the socket; a
   * message of another element type is taken byte for byte, as in MPI. It resolves with
   * `buf`, or with the view of `buf` the message filled when it was shorter; the Status
   * gives the bytes and the count in `buf`'s elements. A message that does not fit fails
   * the receive with ERR_TRUNCATE, a structured value or a partial element with ERR_ARG;
   * either way it has been received, as in MPI, and the Status names its source and tag.
   * From PROC_NULL it resolves with an empty view and leaves `buf` alone.
   */
  irecvInto<B extends TypedArray>(buf: B, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<B> {
    this.checkUsable();
    checkReceiveBuffer(buf);
    checkSource(source, this.size);
    checkRecvTag(tag);
    if (source === PROC_NULL) return Request.completed(leadingView(buf, 0), procNullStatus());
    return this.runtime.engine.irecv<B>(this.context, this.group.worldOf(source), tag, this.group.rankOf, bufferTargetOf(buf));
  }

  /** Receives a message into `buf` (see {@link irecvInto}); fills `status` if given. */
  recvInto<B extends TypedArray>(buf: B, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<B> {
    return promised(() => this.irecvInto(buf, source, tag), status);
  }

  /** Sends `data` to `dest` and receives from `source` at the same time (no deadlock between pairs). */
  async sendrecv<T = unknown>(
    data: unknown,
    dest: number,
    sendtag = 0,
    source: number = ANY_SOURCE,
    recvtag: number = ANY_TAG,
    status?: Status,
  ): Promise<T> {
    this.checkUsable();
    checkDest(dest, this.size);
    checkSendTag(sendtag);
    checkSource(source, this.size);
    checkRecvTag(recvtag);
    checkStatusArgument(status);
    const sent = this.isend(data, dest, sendtag);
    const received = this.irecv<T>(source, recvtag);
    const [, value] = await Promise.all([sent.wait(), received.wait(status)]);
    return value;
  }

  /** Without receiving: is a matching message waiting? Fills `status` when it is. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): boolean {
    this.checkUsable();
    checkStatusArgument(status);
    checkSource(source, this.size);
    checkRecvTag(tag);
    if (source === PROC_NULL) {
      status?.assign(procNullStatus());
      return true;
    }
    const found = this.runtime.engine.iprobe(this.context, this.group.worldOf(source), tag, this.group.rankOf);
    if (found && status) status.assign(found);
    return found !== null;
  }

  /** Waits until a matching message is waiting, without receiving it. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<Status> {
    return promised(() => {
      this.checkUsable();
      checkSource(source, this.size);
      checkRecvTag(tag);
      if (source === PROC_NULL) return Request.completed(procNullStatus(), procNullStatus());
      return this.runtime.engine.probe(this.context, this.group.worldOf(source), tag, this.group.rankOf);
    }, status);
  }

  // ---- collectives ------------------------------------------------------------------

  /**
   * Runs one collective call with its endpoint and tag, and lets hang reports name it
   * ("allreduce(SUM) #17 on world") while it is pending. `name` says what was called,
   * with the root and op: ranks that make call #17 differently meet with an error.
   */
  protected async collective<T>(
    kind: string,
    run: (ep: CollEndpoint, tag: number) => Promise<T>,
    args: { root?: number; op?: unknown } = {},
  ): Promise<T> {
    const { ep, call } = this.collectiveCall();
    const tag = call * CALL_KINDS + digestOfCall(kind, args.root, args.op);
    // Built only for a hang report or an error: a string per call would cost every call.
    const describe = () => `${nameOfCall(kind, args.root, args.op)} #${call} on ${this.name}`;
    const done = this.runtime.trackCollective(describe);
    try {
      return await run(ep, tag);
    } catch (err) {
      throw asCollectiveError(err, describe, call);
    } finally {
      done();
    }
  }

  /**
   * Checks the communicator and gives the next collective call its endpoint and number.
   * Every rank calls collectives in the same order, so every rank numbers them alike.
   */
  protected collectiveCall(): { ep: CollEndpoint; call: number } {
    this.checkUsable();
    const call = this.collectiveCalls;
    this.collectiveCalls = (call + 1) % CALL_NUMBERS;
    this.endpoint ??= this.makeEndpoint();
    return { ep: this.endpoint, call };
  }

  private makeEndpoint(): CollEndpoint {
    const engine = this.runtime.engine;
    const ctx = this.context + 1;
    const group = this.group;
    engine.watchCalls(ctx, (tag) => Math.floor(tag / CALL_KINDS));
    return {
      rank: this.rank,
      size: this.size,
      send: (data, dest, tag) => {
        const req = engine.isend(ctx, data, group.worldOf(dest), tag, false);
        // Still counted as an await of a complete request: a loop of sends alone must let the event loop turn.
        if (req.succeeded) return doneOrAfterTurn(SENT);
        const sent = req.wait();
        // An algorithm may stop at a failed receive before it awaits this send; when a
        // peer dies both fail, and the send's rejection must not surface as unhandled.
        sent.catch(() => undefined);
        return sent;
      },
      recv: <T>(source: number, tag: number) => engine.irecv<T>(ctx, group.worldOf(source), tag, group.rankOf).wait(),
      recvInto: (source, tag, into) => engine.irecv(ctx, group.worldOf(source), tag, group.rankOf, exactTargetOf(into)).wait(),
    };
  }

  /** Waits until every rank of the communicator has called barrier. */
  async barrier(): Promise<void> {
    return await this.collective('barrier', (ep, tag) => coll.barrier(ep, tag));
  }

  /**
   * Broadcasts `data` from `root`; every rank resolves the root's value. Other ranks'
   * `data` is ignored, so `bcast(rank === 0 ? config : null)` resolves a `Config`
   * (`undefined` stays in the type: a root may send it).
   */
  async bcast<T>(data: T | null, root = 0): Promise<T> {
    checkSendable(data);
    checkRoot(root, this.size);
    return await this.collective('bcast', (ep, tag) => coll.bcast(ep, data as T, root, tag), { root });
  }

  /** Gathers every rank's `data` at `root`, in rank order; null on other ranks. */
  async gather<T>(data: T, root = 0): Promise<T[] | null> {
    checkSendable(data);
    checkRoot(root, this.size);
    return await this.collective('gather', (ep, tag) => coll.gather(ep, data, root, tag), { root });
  }

  /** The root passes `size` items; rank i resolves item i. */
  async scatter<T>(data: T[] | null, root = 0): Promise<T> {
    checkRoot(root, this.size);
    // Only the root's items are sent, so only they are checked (in the collective, so
    // that a mistake there fails every rank rather than leaving them waiting).
    return await this.collective('scatter', (ep, tag) => coll.scatter(ep, data, root, tag, () => checkSendable(data)), { root });
  }

  /** Every rank resolves every rank's `data`, in rank order. */
  async allgather<T>(data: T): Promise<T[]> {
    checkSendable(data);
    return await this.collective('allgather', (ep, tag) => coll.allgather(ep, data, tag));
  }

  /** Item i of `data` goes to rank i; resolves what each rank sent to this one, in rank order. */
  async alltoall<T>(data: T[]): Promise<T[]> {
    checkSendable(data);
    return await this.collective('alltoall', (ep, tag) => coll.alltoall(ep, data, tag));
  }

  /** Combines every rank's `data` with `op` at `root` (in rank order); null on other ranks. */
  async reduce<T>(data: T, op: Op = SUM, root = 0): Promise<T | null> {
    checkReduction(data, op);
    checkRoot(root, this.size);
    return await this.collective('reduce', (ep, tag) => coll.reduce(ep, data, op, root, tag), { root, op });
  }

  /** Combines every rank's `data` with `op`; every rank resolves the same (bit-identical) result. */
  async allreduce<T>(data: T, op: Op = SUM): Promise<T> {
    checkReduction(data, op);
    return await this.collective('allreduce', (ep, tag) => coll.allreduce(ep, data, op, tag), { op });
  }

  /**
   * Allreduce of a typed array into `out`, like mpi4py's `Allreduce(sendbuf, recvbuf)`:
   * `out` has `data`'s type and length, and may be `data` itself (in place, MPI's
   * IN_PLACE). The algorithms reduce straight into it, so with a predefined op no result
   * array is allocated per call. Resolves with `out`.
   */
  async allreduceInto<A extends TypedArray>(data: A, out: A, op: Op = SUM): Promise<A> {
    checkReduction(data, op);
    checkReductionTarget(data, out);
    return await this.collective('allreduce', (ep, tag) => coll.allreduce(ep, data, op, tag, out), { op });
  }

  /** Inclusive prefix reduction: rank i resolves data0 ∘ … ∘ data_i. */
  async scan<T>(data: T, op: Op = SUM): Promise<T> {
    checkReduction(data, op);
    return await this.collective('scan', (ep, tag) => coll.scan(ep, data, op, tag), { op });
  }

  /** Exclusive prefix reduction: rank i resolves data0 ∘ … ∘ data_(i-1); null on rank 0. */
  async exscan<T>(data: T, op: Op = SUM): Promise<T | null> {
    checkReduction(data, op);
    return await this.collective('exscan', (ep, tag) => coll.exscan(ep, data, op, tag), { op });
  }

  /** Concatenates every rank's typed array at `root`, in rank order; null on other ranks. */
  async gatherv<A extends TypedArray>(data: A, root = 0): Promise<A | null> {
    checkRoot(root, this.size);
    return await this.collective('gatherv', (ep, tag) => coll.gatherv(ep, data, root, tag), { root });
  }

  /** The root's typed array is cut into `counts[i]` elements for rank i. */
  async scatterv<A extends TypedArray>(data: A | null, counts: number[], root = 0): Promise<A> {
    checkRoot(root, this.size);
    return await this.collective('scatterv', (ep, tag) => coll.scatterv(ep, data, counts, root, tag), { root });
  }

  /** Every rank resolves the concatenation of every rank's typed array, in rank order. */
  async allgatherv<A extends TypedArray>(data: A): Promise<A> {
    return await this.collective('allgatherv', (ep, tag) => coll.allgatherv(ep, data, tag));
  }

  /** `sendCounts[i]` elements of `data` go to rank i (in order); resolves what all ranks sent here, in rank order. */
  async alltoallv<A extends TypedArray>(data: A, sendCounts: number[]): Promise<A> {
    return await this.collective('alltoallv', (ep, tag) => coll.alltoallv(ep, data, sendCounts, tag));
  }

  /** Reduces typed arrays element-wise with `op`, then rank i resolves its `counts[i]` elements of the result. */
  async reduceScatter<A extends TypedArray>(data: A, counts: number[], op: Op = SUM): Promise<A> {
    return await this.collective('reduceScatter', (ep, tag) => coll.reduceScatter(ep, data, counts, op, tag), { op });
  }

  // ---- new communicators -------------------------------------------------------------

  /**
   * Agrees on a fresh context id with every rank of this communicator: the largest of
   * their proposals, each taken when the creation was called (see proposeContext).
   */
  protected async agreeContext(): Promise<number> {
    return contextOf(await this.allreduce(this.runtime.proposeContext(), MAX));
  }

  /** A new communicator with the same ranks and separate traffic. */
  async dup(): Promise<Comm> {
    const ctx = await this.agreeContext();
    return new Comm(this.runtime, this.group, this.myWorld(), ctx, `${this.name}.dup`);
  }

  /**
   * Splits into communicators of the ranks that pass the same `color`, ordered by
   * `key` then by rank here. A rank passing UNDEFINED gets null.
   */
  async split(color: number, key: number = this.rank): Promise<Comm | null> {
    if (!Number.isInteger(color) || (color < 0 && color !== UNDEFINED)) {
      throw mpiError('ERR_ARG', `split color must be a non-negative integer or UNDEFINED, got ${String(color)}`);
    }
    if (!Number.isInteger(key)) throw mpiError('ERR_ARG', `split key must be an integer, got ${String(key)}`);
    const group = await this.splitGroup(color === UNDEFINED ? null : color, key);
    return group ? new Comm(this.runtime, group.group, this.myWorld(), group.ctx, `${this.name}.split(${color})`) : null;
  }

  /** The ranks running on this host (`'shared'`: they can share memory), ordered by `key`. */
  async splitType(type: 'shared', key: number = this.rank): Promise<Comm> {
    if (type !== 'shared') throw mpiError('ERR_ARG', `splitType supports 'shared', got ${String(type)}`);
    if (!Number.isInteger(key)) throw mpiError('ERR_ARG', `splitType key must be an integer, got ${String(key)}`);
    const group = await this.splitGroup(this.runtime.host, key);
    return new Comm(this.runtime, group!.group, this.myWorld(), group!.ctx, `${this.name}.shared`);
  }

  /** @internal One allgather gives every rank the colours, keys and context proposals of all. */
  protected async splitGroup(color: string | number | null, key: number): Promise<{ group: Group; ctx: number } | null> {
    this.checkUsable();
    const all = await this.allgather<[string | number | null, number, number]>([color, key, this.runtime.proposeContext()]);
    const ctx = contextOf(Math.max(...all.map((entry) => entry[2])));
    if (color === null) return null;
    const members = all
      .map(([c, k], rank) => ({ c, k, rank }))
      .filter((m) => m.c === color)
      .sort((a, b) => a.k - b.k || a.rank - b.rank)
      .map((m) => this.group.worldOf(m.rank));
    return { group: new Group(members), ctx };
  }

  /** @internal This process's world rank. */
  protected myWorld(): number {
    return this.group.worldOf(this.rank);
  }

  /**
   * A communicator with a cartesian grid of `dims` (row-major ranks; `periods[d]`
   * wraps dimension d). Ranks beyond the grid's size get null. `reorder` is accepted
   * and ignored: ranks keep their order.
   */
  async createCart(dims: number[], periods?: boolean[], reorder = false): Promise<CartComm | null> {
    void reorder;
    this.checkUsable();
    const wrap = checkCartesian(dims, periods, this.size);
    const inGrid = this.rank < gridSize(dims);
    const group = await this.splitGroup(inGrid ? 0 : null, this.rank);
    return group ? new CartComm(this.runtime, group.group, this.myWorld(), group.ctx, `${this.name}.cart`, [...dims], wrap) : null;
  }

  /**
   * A communicator whose neighbourhood is a directed graph: this rank receives from
   * `sources` and sends to `destinations` (ranks of this communicator).
   */
  async createDistGraphAdjacent(sources: number[], destinations: number[]): Promise<GraphComm> {
    this.checkUsable();
    for (const list of [sources, destinations]) {
      if (!Array.isArray(list)) throw mpiError('ERR_ARG', 'sources and destinations must be arrays of ranks');
      for (const r of list) checkDest(r, this.size, 'neighbour');
    }
    const ctx = await this.agreeContext();
    return new GraphComm(this.runtime, this.group, this.myWorld(), ctx, `${this.name}.graph`, [...sources], [...destinations]);
  }

  /** Which transport carries messages to `rank`: itself, a Unix socket (same host) or TCP. */
  transportTo(rank: number): 'self' | 'unix' | 'tcp' {
    this.checkUsable();
    checkDest(rank, this.size);
    if (rank === PROC_NULL) throw mpiError('ERR_RANK', 'PROC_NULL has no transport');
    return this.runtime.transportKind(this.group.worldOf(rank));
  }

  /** Marks the communicator freed; any later use fails with ERR_COMM. World and self cannot be freed. */
  free(): void {
    this.checkUsable();
    if (this.context < FIRST_FREE_CONTEXT) throw mpiError('ERR_COMM', `${this.name} is made by init() and cannot be freed`);
    this.freed = true;
    this.runtime.forgetComm(this);
  }

  /**
   * Creates a one-sided window over `memory` (collective): every rank may then put,
   * get and accumulate into every rank's window. See `Win`.
   */
  createWindow<A extends TypedArray>(memory: A): Promise<Win<A>> {
    return createWindow(this, memory);
  }
}

/**
 * What every rank checks of its own contribution before a reduction starts: that it
 * can be sent and that a built-in op can combine it. A bad value passed on every rank
 * then fails on every rank, instead of on the one rank that first touches it while
 * the others wait for it.
 */
function checkReduction(data: unknown, op: Op): void {
  if (!(op instanceof Op)) throw mpiError('ERR_OP', `not a reduction operator: ${String(op)}`);
  checkSendable(data);
  op.checkOperand(data); // never calls a user's function: it may have side effects
}

function procNullStatus(): Status {
  const status = new Status();
  status.source = PROC_NULL;
  status.tag = ANY_TAG;
  return status;
}

/** The agreed context id, or ERR_OTHER on every rank when a member had none left to propose. */
function contextOf(agreed: number): number {
  if (!Number.isFinite(agreed)) {
    throw mpiError('ERR_OTHER', 'a rank of this communicator has used up its context ids (about 2^31 / world size communicators and windows)');
  }
  return agreed;
}

/** Runs a request-starting function as a Promise: argument errors become rejections. */
function promised<T>(start: () => Request<T>, status?: Status): Promise<T> {
  try {
    checkStatusArgument(status);
    return start().wait(status);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A communicator whose ranks form a cartesian grid. */
export class CartComm extends Comm {
  /** This rank's coordinates in the grid. */
  readonly coords: number[];

  /** @internal */
  constructor(
    runtime: CommRuntime,
    group: Group,
    myWorldRank: number,
    context: number,
    name: string,
    /** Extent of each dimension. */
    readonly dims: number[],
    /** Whether each dimension wraps around. */
    readonly periods: boolean[],
  ) {
    super(runtime, group, myWorldRank, context, name);
    this.coords = cartCoords(this.rank, dims);
  }

  /** The coordinates of `rank`. */
  getCoords(rank: number): number[] {
    checkDest(rank, this.size);
    if (rank === PROC_NULL) throw mpiError('ERR_RANK', 'PROC_NULL has no coordinates');
    return cartCoords(rank, this.dims);
  }

  /** The rank at `coords` (periodic dimensions wrap). */
  getRank(coords: number[]): number {
    return cartRank(coords, this.dims, this.periods);
  }

  /** `[source, dest]`: the ranks `disp` steps before and after this one along `direction` (PROC_NULL off an edge). */
  shift(direction: number, disp = 1): [source: number, dest: number] {
    return cartShift(this.rank, this.dims, this.periods, direction, disp);
  }

  /** A new cartesian communicator with the same grid and separate traffic (MPI_Comm_dup keeps the topology). */
  override async dup(): Promise<CartComm> {
    const ctx = await this.agreeContext();
    return new CartComm(this.runtime, this.group, this.myWorld(), ctx, `${this.name}.dup`, [...this.dims], [...this.periods]);
  }

  /** Sub-grids keeping the dimensions where `remainDims` is true (collective). */
  async sub(remainDims: boolean[]): Promise<CartComm> {
    const plan = cartSub(this.rank, this.dims, this.periods, remainDims);
    const group = await this.splitGroup(plan.color, plan.key);
    return new CartComm(this.runtime, group!.group, this.myWorld(), group!.ctx, `${this.name}.sub`, plan.dims, plan.periods);
  }

  /** Sends `data` to every neighbour; resolves what each neighbour sent (negative then positive, per dimension). */
  async neighborAllgather<T>(data: T): Promise<Array<T | undefined>> {
    const neighbors = cartNeighbors(this.rank, this.dims, this.periods);
    return await this.collective('cartNeighborAllgather', (ep, tag) => coll.cartNeighborAllgather(ep, data, neighbors, tag));
  }

  /** Sends `items[i]` to neighbour i; resolves what each neighbour sent here. */
  async neighborAlltoall<T>(items: T[]): Promise<Array<T | undefined>> {
    const neighbors = cartNeighbors(this.rank, this.dims, this.periods);
    return await this.collective('cartNeighborAlltoall', (ep, tag) => coll.cartNeighborAlltoall(ep, items, neighbors, tag));
  }
}

/** A communicator with a distributed graph of neighbours. */
export class GraphComm extends Comm {
  /** @internal */
  constructor(
    runtime: CommRuntime,
    group: Group,
    myWorldRank: number,
    context: number,
    name: string,
    /** Ranks this one receives from, in neighbour order. */
    readonly sources: number[],
    /** Ranks this one sends to, in neighbour order. */
    readonly destinations: number[],
  ) {
    super(runtime, group, myWorldRank, context, name);
  }

  /** A new graph communicator with the same neighbours and separate traffic (MPI_Comm_dup keeps the topology). */
  override async dup(): Promise<GraphComm> {
    const ctx = await this.agreeContext();
    return new GraphComm(this.runtime, this.group, this.myWorld(), ctx, `${this.name}.dup`, [...this.sources], [...this.destinations]);
  }

  /** Sends `data` to every destination; resolves what each source sent, in `sources` order. */
  async neighborAllgather<T>(data: T): Promise<Array<T | undefined>> {
    return await this.collective('neighborAllgather', (ep, tag) => coll.neighborAllgather(ep, data, this.sources, this.destinations, tag));
  }

  /** Sends `items[i]` to `destinations[i]`; resolves what each source sent, in `sources` order. */
  async neighborAlltoall<T>(items: T[]): Promise<Array<T | undefined>> {
    return await this.collective('neighborAlltoall', (ep, tag) => coll.neighborAlltoall(ep, items, this.sources, this.destinations, tag));
  }
}

/**
 * Errors of an erroneous program, named as such: a message of this call made another way
 * (CallMismatchError), or an error an algorithm ran into that is neither an MpiError nor
 * the user op's own, which comes from messages that do not fit the call (ranks that
 * passed arguments that do not match, in a way the call's kind does not show).
 */
function asCollectiveError(err: unknown, describe: () => string, call: number): unknown {
  if (err instanceof CallMismatchError) {
    return mpiError(
      'ERR_OTHER',
      `${describe()}: rank ${err.peer} made call #${call} as another collective, or with another root or op; every rank must call the same collectives, in the same order, with matching arguments`,
      { cause: err },
    );
  }
  if (err instanceof MpiError || isUserOpError(err)) return err;
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return mpiError(
    'ERR_OTHER',
    `${describe()} received messages that do not fit it (${what}); do all ranks call the same collectives, in the same order, with matching arguments?`,
    { cause: err },
  );
}

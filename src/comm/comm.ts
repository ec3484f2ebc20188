/**
 * Communicators: a group of ranks with their own point-to-point and collective
 * contexts, so traffic on one never matches traffic on another.
 */
import { ANY_SOURCE, ANY_TAG, PROC_NULL } from '../constants.js';
import { mpiError } from '../errors.js';
import type { P2PEngine } from '../p2p/engine.js';
import { Request } from '../p2p/request.js';
import { Status } from '../p2p/status.js';
import { checkDest, checkRecvTag, checkSendTag, checkSource } from './validate.js';

/** What communicators share within one process. */
export interface CommRuntime {
  readonly engine: P2PEngine;
  /** The next context id this process has not used (ids come in pairs: p2p, collective). */
  nextContext: number;
  /** Fails with ERR_NOT_INITIALIZED / after finalize, when the runtime is not usable. */
  checkUsable(): void;
}

/** Rank translation of one group: comm rank → world rank and back. */
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
    if (dest === PROC_NULL) return Request.completed(undefined);
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
    const sent = this.isend(data, dest, sendtag);
    const received = this.irecv<T>(source, recvtag);
    const [, value] = await Promise.all([sent.wait(), received.wait(status)]);
    return value;
  }

  /** Without receiving: is a matching message waiting? Fills `status` when it is. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): boolean {
    this.checkUsable();
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

  /** Marks the communicator freed; any later use fails with ERR_COMM. */
  free(): void {
    this.checkUsable();
    this.freed = true;
  }
}

function procNullStatus(): Status {
  const status = new Status();
  status.source = PROC_NULL;
  status.tag = ANY_TAG;
  return status;
}

/** Runs a request-starting function as a Promise: argument errors become rejections. */
function promised<T>(start: () => Request<T>, status?: Status): Promise<T> {
  try {
    return start().wait(status);
  } catch (err) {
    return Promise.reject(err);
  }
}

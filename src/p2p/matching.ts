/**
 * MPI message matching: posted receives and unexpected messages, per context.
 *
 * A message matches a receive when the contexts are equal and the receive's source
 * and tag are equal to the message's or are wildcards. An arriving message takes the
 * earliest posted receive it matches; a new receive takes the earliest unexpected
 * message it matches. Messages from one sender arrive in the order they were sent,
 * so this preserves MPI's non-overtaking rule.
 */
import { ANY_SOURCE, ANY_TAG } from '../constants.js';
import { MatchQueue } from './matchQueue.js';

/** Who a message is from and what it is tagged (sources are world ranks). */
export interface Envelope {
  ctx: number;
  source: number;
  tag: number;
}

export function matches(recv: Envelope, msg: Envelope): boolean {
  return (recv.source === ANY_SOURCE || recv.source === msg.source) && (recv.tag === ANY_TAG || recv.tag === msg.tag);
}

class ContextQueues<M extends Envelope, R extends Envelope> {
  readonly posted = new MatchQueue<R>();
  readonly unexpected = new MatchQueue<M>();
  /** The call a tag belongs to, on a context whose tags name calls (see watchCalls). */
  callOf?: (tag: number) => number;
}

/** Whether `a` and `b` come from one call made two ways: the same sender, the same call, another tag. */
function conflicting(callOf: (tag: number) => number, a: Envelope, b: Envelope): boolean {
  return a.source === b.source && a.tag !== b.tag && callOf(a.tag) === callOf(b.tag);
}

/** Where the first entry of `queue` that conflicts with `envelope` is, or -1. */
function conflictIndex<E extends Envelope>(callOf: (tag: number) => number, queue: MatchQueue<E>, envelope: Envelope): number {
  for (let i = 0; i < queue.length; i++) if (conflicting(callOf, queue.get(i), envelope)) return i;
  return -1;
}

export class MatchingEngine<M extends Envelope, R extends Envelope> {
  private readonly contexts = new Map<number, ContextQueues<M, R>>();

  private queues(ctx: number): ContextQueues<M, R> {
    let q = this.contexts.get(ctx);
    if (!q) {
      q = new ContextQueues<M, R>();
      this.contexts.set(ctx, q);
    }
    return q;
  }

  /** A message arrived: returns the posted receive it matched (removed), or queues it as unexpected. */
  arrive(msg: M): R | undefined {
    const q = this.queues(msg.ctx);
    const posted = q.posted;
    for (let i = 0; i < posted.length; i++) {
      if (matches(posted.get(i), msg)) return posted.removeAt(i);
    }
    q.unexpected.push(msg);
    return undefined;
  }

  /** A receive was posted: returns the unexpected message it matched (removed), or queues the receive. */
  post(recv: R): M | undefined {
    const found = this.take(recv);
    if (!found) this.queues(recv.ctx).posted.push(recv);
    return found;
  }

  /** Removes and returns the earliest unexpected message matching `recv`, without posting anything. */
  take(recv: Envelope): M | undefined {
    const unexpected = this.queues(recv.ctx).unexpected;
    for (let i = 0; i < unexpected.length; i++) {
      if (matches(recv, unexpected.get(i))) return unexpected.removeAt(i);
    }
    return undefined;
  }

  /** The earliest unexpected message matching `recv`, left in place (for probe). */
  peek(recv: Envelope): M | undefined {
    const unexpected = this.contexts.get(recv.ctx)?.unexpected;
    if (!unexpected) return undefined;
    for (let i = 0; i < unexpected.length; i++) {
      if (matches(recv, unexpected.get(i))) return unexpected.get(i);
    }
    return undefined;
  }

  /** Removes a posted receive that has not matched; false if it already matched. */
  cancel(recv: R): boolean {
    const posted = this.contexts.get(recv.ctx)?.posted;
    const i = posted ? posted.indexOf(recv) : -1;
    if (i < 0) return false;
    posted!.removeAt(i);
    return true;
  }

  /** Every posted receive, for diagnostics and failure handling. */
  *postedReceives(): IterableIterator<R> {
    for (const q of this.contexts.values()) yield* q.posted;
  }

  /** Removes every posted receive for which `pred` holds, returning them. */
  removePosted(pred: (r: R) => boolean): R[] {
    const out: R[] = [];
    for (const q of this.contexts.values()) out.push(...q.posted.removeWhere(pred));
    return out;
  }

  /**
   * Makes `ctx` a context whose tags name calls: two tags with the same `callOf` belong to
   * one call, and differ only when ranks made that call differently (one rank's bcast
   * meeting another's allreduce). Such pairs are found by takeConflicting and conflictFor
   * instead of waiting forever for each other.
   */
  watchCalls(ctx: number, callOf: (tag: number) => number): void {
    this.queues(ctx).callOf = callOf;
  }

  /** On a watched context: removes and returns the posted receive `msg` conflicts with, if any. */
  takeConflicting(msg: Envelope): R | undefined {
    const q = this.contexts.get(msg.ctx);
    if (!q?.callOf) return undefined;
    const i = conflictIndex(q.callOf, q.posted, msg);
    return i < 0 ? undefined : q.posted.removeAt(i);
  }

  /** On a watched context: an unexpected message `recv` conflicts with, if any (left in place). */
  conflictFor(recv: Envelope): M | undefined {
    const q = this.contexts.get(recv.ctx);
    if (!q?.callOf) return undefined;
    const i = conflictIndex(q.callOf, q.unexpected, recv);
    return i < 0 ? undefined : q.unexpected.get(i);
  }

  /**
   * Forgets a context no communicator uses any more (it was freed), unless something is
   * still queued there: each context's queues would otherwise stay for the process's life.
   */
  forget(ctx: number): void {
    const q = this.contexts.get(ctx);
    if (q && q.posted.length === 0 && q.unexpected.length === 0) this.contexts.delete(ctx);
  }

  /** How many contexts have queues, for tests and diagnostics. */
  contextCount(): number {
    return this.contexts.size;
  }

  /** Counts of queued entries, for tests and diagnostics. */
  sizes(): { posted: number; unexpected: number } {
    let posted = 0;
    let unexpected = 0;
    for (const q of this.contexts.values()) {
      posted += q.posted.length;
      unexpected += q.unexpected.length;
    }
    return { posted, unexpected };
  }
}

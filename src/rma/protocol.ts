/**
 * The messages an origin sends to a window's target, and the tags they travel on.
 *
 * Everything of one window travels on the window's private communicator (a dup of the
 * user's), partitioned by tag so that no receive can take a message meant for another:
 * - {@link TAG_REQUEST}: requests, received by the target's service with ANY_SOURCE;
 * - {@link TAG_DATA}: the payload of a large put / accumulate, sent right after its
 *   request and received by the service from that origin only;
 * - {@link FIRST_REPLY_TAG} and up: answers, one tag per outstanding request of an
 *   origin, so an origin can wait for each answer separately.
 */
import { TAG_UB } from '../constants.js';
import type { TypedArray } from '../codec/dtype.js';

/** Tag of the requests a target's service receives (from any origin). */
export const TAG_REQUEST = 0;
/** Tag of a payload that follows its put / accumulate request. */
export const TAG_DATA = 1;
/** The smallest tag a reply uses. */
export const FIRST_REPLY_TAG = 2;

/**
 * Payloads up to this size travel inside their request (one message instead of two);
 * larger ones go as a raw typed array of their own, which the p2p engine sends by
 * rendezvous above its eager limit — no serialization pass and no extra copy.
 */
export const INLINE_PAYLOAD_BYTES = 1024;

/** The kind of a passive-target lock. */
export type LockKind = 'exclusive' | 'shared';

/** Writes `data` at `offset` (`data` null: it follows on TAG_DATA, `count` elements). */
export interface PutRequest {
  k: 'put';
  offset: number;
  count: number;
  data: TypedArray | null;
}

/** Combines `data` into the window at `offset` with the built-in op named `op`. */
export interface AccumulateRequest {
  k: 'acc';
  offset: number;
  count: number;
  op: string;
  data: TypedArray | null;
}

/** Answers `count` elements from `offset`. */
export interface GetRequest {
  k: 'get';
  reply: number;
  offset: number;
  count: number;
}

/** Answers the element at `offset`, then combines `value` into it. */
export interface FetchAndOpRequest {
  k: 'fop';
  reply: number;
  offset: number;
  op: string;
  value: number | bigint;
}

/** Answers the element at `offset`, replacing it with `value` if it equals `compare`. */
export interface CompareAndSwapRequest {
  k: 'cas';
  reply: number;
  offset: number;
  value: number | bigint;
  compare: number | bigint;
}

/** Answers once every earlier request of this origin has been applied. */
export interface FlushRequest {
  k: 'flush';
  reply: number;
}

/** Answers once the lock is granted. */
export interface LockRequest {
  k: 'lock';
  reply: number;
  kind: LockKind;
}

/** Releases this origin's lock after its earlier requests; answers when done. */
export interface UnlockRequest {
  k: 'unlock';
  reply: number;
}

export type RmaRequest =
  | PutRequest
  | AccumulateRequest
  | GetRequest
  | FetchAndOpRequest
  | CompareAndSwapRequest
  | FlushRequest
  | LockRequest
  | UnlockRequest;

/** The requests whose payload may follow as a message of its own. */
export type PayloadRequest = PutRequest | AccumulateRequest;

/** Whether the request's payload is still to come on TAG_DATA. */
export function awaitsPayload(request: RmaRequest): request is PayloadRequest {
  return (request.k === 'put' || request.k === 'acc') && request.data === null;
}

/** Hands out reply tags FIRST_REPLY_TAG…TAG_UB in turn (ranges of 2^31 outstanding requests never collide). */
export class ReplyTags {
  private next = FIRST_REPLY_TAG;

  take(): number {
    const tag = this.next;
    this.next = tag === TAG_UB ? FIRST_REPLY_TAG : tag + 1;
    return tag;
  }
}

/**
 * The selection step: one function per collective, called by the communicator with
 * its collective endpoint and a fresh tag for the call. Each validates its
 * arguments before sending anything, picks an algorithm from what every rank knows
 * alike (communicator size, op, and sizes MPI requires to match), and runs it.
 * All messages of one call use its one tag; phases of a call follow each other on
 * it safely because messages between two ranks with one tag arrive in send order.
 */
import { mpiError } from '../errors.js';
import { LAND, Op } from '../ops.js';
import { recursiveDoublingAllgather, bruckAllgather } from './allgather.js';
import { inlineThenRingAllgatherv } from './allgatherv.js';
import { rabenseifnerAllreduce, recursiveDoublingAllreduce, ringAllreduce } from './allreduce.js';
import { bruckAlltoall, pairwiseAlltoall } from './alltoall.js';
import { pairwiseAlltoallv } from './alltoallv.js';
import { disseminationBarrier, pairwiseBarrier } from './barrier.js';
import { binomialBcast } from './bcast.js';
import { checkCounts, checkTotal } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { binomialGather } from './gather.js';
import { linearGatherv } from './gatherv.js';
import { binomialReduce } from './reduce.js';
import { reduceThenScatterv } from './reduceScatter.js';
import { ringReduceScatter } from './ring.js';
import { linearExscan, linearScan, recursiveDoublingExscan, recursiveDoublingScan } from './scan.js';
import { abortBinomialScatter, binomialScatter } from './scatter.js';
import { abortLinearScatterv, linearScatterv } from './scatterv.js';
import { rootErrorNotice } from './rootError.js';
import {
  ALLREDUCE_RABENSEIFNER_MIN_BYTES,
  ALLREDUCE_RING_MIN_BYTES,
  ALLTOALL_BRUCK_MAX_ITEM_BYTES,
  ALLTOALL_BRUCK_MIN_RANKS,
  REDUCE_SCATTER_RING_MIN_BYTES,
  SCAN_LINEAR_MIN_BYTES,
} from './thresholds.js';
import { isTypedArray, writeAt, type TypedArray } from './typedArray.js';
import { fitsInBytes } from './valueSize.js';

export * from './thresholds.js';
export { cartNeighborAllgather, cartNeighborAlltoall, neighborAllgather, neighborAlltoall } from './neighbor.js';

// ---------------------------------------------------------------------------
// Choices, exported so tests can check each threshold.

/**
 * For a commutative op on a typed array: Rabenseifner from ALLREDUCE_RABENSEIFNER_MIN_BYTES
 * on 4, 8, 16… ranks, the ring from ALLREDUCE_RING_MIN_BYTES on any other size. Recursive
 * doubling otherwise.
 */
export function chooseAllreduce(size: number, data: unknown, op: Op): 'recursive-doubling' | 'ring' | 'rabenseifner' {
  if (size === 1 || !op.commute || !isTypedArray(data)) return 'recursive-doubling';
  if (size >= 4 && isPowerOfTwo(size) && data.byteLength >= ALLREDUCE_RABENSEIFNER_MIN_BYTES) return 'rabenseifner';
  return data.byteLength >= ALLREDUCE_RING_MIN_BYTES ? 'ring' : 'recursive-doubling';
}

/** The ring for commutative ops on REDUCE_SCATTER_RING_MIN_BYTES or more, else reduce then scatterv. */
export function chooseReduceScatter(size: number, data: TypedArray, op: Op): 'ring' | 'reduce-scatterv' {
  return size > 1 && op.commute && data.byteLength >= REDUCE_SCATTER_RING_MIN_BYTES ? 'ring' : 'reduce-scatterv';
}

/** The linear chain for typed arrays of SCAN_LINEAR_MIN_BYTES or more, else recursive doubling. */
export function chooseScan(data: unknown): 'recursive-doubling' | 'linear' {
  return isTypedArray(data) && data.byteLength >= SCAN_LINEAR_MIN_BYTES ? 'linear' : 'recursive-doubling';
}

/** Recursive doubling on a power-of-two number of ranks, Bruck otherwise. */
export function chooseAllgather(size: number): 'recursive-doubling' | 'bruck' {
  return isPowerOfTwo(size) ? 'recursive-doubling' : 'bruck';
}

/**
 * Pairwise on fewer than ALLTOALL_BRUCK_MIN_RANKS ranks. On more, the ranks first
 * agree (a recursive-doubling LAND) whether every item everywhere is at most
 * ALLTOALL_BRUCK_MAX_ITEM_BYTES — items differ per rank, so no rank can decide
 * alone — and use Bruck if so.
 */
export function chooseAlltoall(size: number, allItemsSmall: boolean): 'pairwise' | 'bruck' {
  return size >= ALLTOALL_BRUCK_MIN_RANKS && allItemsSmall ? 'bruck' : 'pairwise';
}

// ---------------------------------------------------------------------------
// Collectives on any value.

/** Blocks until every rank has entered (pairwise exchange for a power-of-two size, else dissemination). */
export function barrier(ep: CollEndpoint, tag: number): Promise<void> {
  return isPowerOfTwo(ep.size) ? pairwiseBarrier(ep, tag) : disseminationBarrier(ep, tag);
}

/** The root's `data` on every rank (binomial tree; non-roots' `data` is ignored). */
export function bcast<T>(ep: CollEndpoint, data: T, root: number, tag: number): Promise<T> {
  return binomialBcast(ep, data, root, tag);
}

/** Every rank's value, in rank order, on the root; null elsewhere (binomial tree). */
export function gather<T>(ep: CollEndpoint, data: T, root: number, tag: number): Promise<T[] | null> {
  return binomialGather(ep, data, root, tag);
}

/**
 * Item r of the root's `data` on rank r (binomial tree). The root must pass one item per
 * rank; `checkRoot` may check more of the root's data. When a check fails, every rank
 * fails with its error class instead of waiting for its item.
 */
export async function scatter<T>(
  ep: CollEndpoint,
  data: readonly T[] | null,
  root: number,
  tag: number,
  checkRoot?: () => void,
): Promise<T> {
  if (ep.rank === root) {
    try {
      checkItemsPerRank(data, ep.size, 'scatter');
      checkRoot?.();
    } catch (err) {
      await abortBinomialScatter(ep, rootErrorNotice(err), root, tag);
      throw err;
    }
  }
  return binomialScatter(ep, data, root, tag);
}

/** Every rank's value, in rank order, on every rank. */
export function allgather<T>(ep: CollEndpoint, data: T, tag: number): Promise<T[]> {
  return chooseAllgather(ep.size) === 'recursive-doubling'
    ? recursiveDoublingAllgather(ep, data, tag)
    : bruckAllgather(ep, data, tag);
}

/** Item i of every rank's list goes to rank i; returns what each rank sent here, in rank order. */
export async function alltoall<T>(ep: CollEndpoint, data: readonly T[], tag: number): Promise<T[]> {
  checkItemsPerRank(data, ep.size, 'alltoall');
  let allItemsSmall = false;
  if (ep.size >= ALLTOALL_BRUCK_MIN_RANKS) {
    const mineSmall = data.every((item) => fitsInBytes(item, ALLTOALL_BRUCK_MAX_ITEM_BYTES));
    allItemsSmall = await recursiveDoublingAllreduce(ep, mineSmall, LAND, tag);
  }
  return chooseAlltoall(ep.size, allItemsSmall) === 'bruck' ? bruckAlltoall(ep, data, tag) : pairwiseAlltoall(ep, data, tag);
}

/** a0 ∘ a1 ∘ … ∘ a(p-1) on the root, null elsewhere (binomial tree, rank order for non-commutative ops). */
export async function reduce<T>(ep: CollEndpoint, data: T, op: Op, root: number, tag: number): Promise<T | null> {
  checkOp(op);
  return binomialReduce(ep, data, op, root, tag);
}

/**
 * a0 ∘ a1 ∘ … ∘ a(p-1) on every rank, bit-identical everywhere. With `out` (a typed
 * array like `data`, or `data` itself) the result goes there: every algorithm reduces
 * into it in place of new memory (recursive doubling copies the result in on a rank
 * that combined nothing, or for a user's op).
 */
export async function allreduce<T>(ep: CollEndpoint, data: T, op: Op, tag: number, out?: T & TypedArray): Promise<T> {
  checkOp(op);
  switch (chooseAllreduce(ep.size, data, op)) {
    case 'rabenseifner':
      return (await rabenseifnerAllreduce(ep, data as TypedArray, op, tag, out)) as T;
    case 'ring':
      return (await ringAllreduce(ep, data as TypedArray, op, tag, out)) as T;
    case 'recursive-doubling': {
      const result = await recursiveDoublingAllreduce(ep, data, op, tag, out);
      if (!out) return result;
      if (result !== out) writeAt(out, result as TypedArray, 0);
      return out;
    }
  }
}

/** a0 ∘ … ∘ ar on rank r. */
export async function scan<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T> {
  checkOp(op);
  return chooseScan(data) === 'linear' ? linearScan(ep, data, op, tag) : recursiveDoublingScan(ep, data, op, tag);
}

/** a0 ∘ … ∘ a(r-1) on rank r > 0; null on rank 0. */
export async function exscan<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T | null> {
  checkOp(op);
  const prefix =
    chooseScan(data) === 'linear'
      ? await linearExscan(ep, data, op, tag)
      : await recursiveDoublingExscan(ep, data, op, tag);
  return ep.rank === 0 ? null : (prefix as T);
}

// ---------------------------------------------------------------------------
// Collectives on typed arrays; counts are in elements, blocks in rank order.

/** Every rank's array joined in rank order on the root (any lengths); null elsewhere. */
export async function gatherv<A extends TypedArray>(ep: CollEndpoint, data: A, root: number, tag: number): Promise<A | null> {
  checkTypedArray(data, 'gatherv');
  return linearGatherv(ep, data, root, tag);
}

/**
 * Rank r gets `counts[r]` elements of the root's array (blocks in rank order).
 * Every rank passes the same counts; the root's array must hold exactly their sum.
 */
export async function scatterv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A | null,
  counts: readonly number[],
  root: number,
  tag: number,
): Promise<A> {
  checkCounts(counts, ep.size, 'scatterv counts');
  if (ep.rank === root) {
    try {
      checkTypedArray(data, 'scatterv');
      checkTotal(counts, data.length, 'scatterv counts');
    } catch (err) {
      // Only the root holds the array: the others learn of the mistake from it.
      await abortLinearScatterv(ep, rootErrorNotice(err), root, tag);
      throw err;
    }
  }
  return linearScatterv(ep, data, counts, root, tag);
}

/** Every rank's array (any lengths) joined in rank order, on every rank. */
export async function allgatherv<A extends TypedArray>(ep: CollEndpoint, data: A, tag: number): Promise<A> {
  checkTypedArray(data, 'allgatherv');
  return inlineThenRingAllgatherv(ep, data, tag);
}

/**
 * Block r (`sendCounts[r]` elements, blocks in rank order, adding up to the whole
 * array) goes to rank r; returns the blocks received, joined in source-rank order.
 */
export async function alltoallv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  sendCounts: readonly number[],
  tag: number,
): Promise<A> {
  checkTypedArray(data, 'alltoallv');
  checkCounts(sendCounts, ep.size, 'alltoallv sendCounts');
  checkTotal(sendCounts, data.length, 'alltoallv sendCounts');
  return pairwiseAlltoallv(ep, data, sendCounts, tag);
}

/**
 * The element-wise reduction over all ranks, cut into blocks of `counts[r]`
 * elements; rank r gets block r. Every rank passes the same counts, adding up to
 * the array's length.
 */
export async function reduceScatter<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  counts: readonly number[],
  op: Op,
  tag: number,
): Promise<A> {
  checkOp(op);
  checkTypedArray(data, 'reduceScatter');
  checkCounts(counts, ep.size, 'reduceScatter counts');
  checkTotal(counts, data.length, 'reduceScatter counts');
  return chooseReduceScatter(ep.size, data, op) === 'ring'
    ? ringReduceScatter(ep, data, counts, op, tag)
    : reduceThenScatterv(ep, data, counts, op, tag);
}

// ---------------------------------------------------------------------------
// Argument checks (before anything is sent).

function checkOp(op: unknown): asserts op is Op {
  if (!(op instanceof Op)) throw mpiError('ERR_OP', `expected an Op (SUM, MAX, Op.create(…), …), got ${typeof op}`);
}

function checkTypedArray(data: unknown, what: string): asserts data is TypedArray {
  if (!isTypedArray(data)) throw mpiError('ERR_ARG', `${what} needs a typed array, got ${describe(data)}`);
}

function checkItemsPerRank(data: unknown, size: number, what: string): void {
  if (!Array.isArray(data)) throw mpiError('ERR_ARG', `${what} needs an array of ${size} items, got ${describe(data)}`);
  if (data.length !== size) {
    throw mpiError('ERR_COUNT', `${what} needs one item per rank (${size}), got ${data.length}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

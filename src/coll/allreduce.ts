/** Allreduce algorithms. */
import { mpiError } from '../errors.js';
import type { Op } from '../ops.js';
import { Accumulator } from './accumulator.js';
import { displacements, evenCounts, expectBlock } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecv, sendrecvSomeInto } from './exchange.js';
import { ringAllgatherInto, ringReduceScatter } from './ring.js';
import { allocateUninitializedLike, overlaps, view, writeAt, type TypedArray } from './typedArray.js';

/**
 * The largest power of two ≤ p, and how many ranks are left over. Recursive
 * doubling runs among `pof2` ranks; the `rem` extra ones are folded in first.
 */
export function powerOfTwoSplit(size: number): { pof2: number; rem: number } {
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  return { pof2, rem: size - pof2 };
}

/**
 * Recursive-doubling allreduce (MPICH's, with its non-power-of-two fix-up). With
 * p = pof2 + rem: first each even rank below 2·rem hands its value to the odd rank
 * above it and sits out; the pof2 remaining ranks exchange with partner
 * newrank XOR 2^k for log2(pof2) rounds; finally each odd rank below 2·rem hands the
 * result back. Messages: pof2·log2(pof2) + 2·rem; rounds: log2(pof2) (+2 when rem > 0).
 *
 * Every combine puts the lower ranks' partial on the left, so a non-commutative op
 * is folded in rank order, and both partners compute the same operation on the same
 * operands — every rank ends with bit-identical results, floating point included.
 *
 * With `out` (a typed array like `data`, or `data` itself) a built-in op reduces
 * there instead of into new memory; the result is `out` unless this rank combined
 * nothing (one rank, or a rank folded in, which receives the result).
 */
export async function recursiveDoublingAllreduce<T>(ep: CollEndpoint, data: T, op: Op, tag: number, out?: TypedArray): Promise<T> {
  const { rank } = ep;
  const { pof2, rem } = powerOfTwoSplit(ep.size);
  // A combine runs only once the exchange before it completed, so by then nothing still reads `data`.
  const accumulator = new Accumulator(op, data, false, out);
  const foldedIn = rank < 2 * rem;
  if (foldedIn && rank % 2 === 0) {
    await ep.send(data, rank + 1, tag);
    return ep.recv<T>(rank + 1, tag);
  }
  // Received messages are folded once and held by nobody else.
  if (foldedIn) accumulator.prependLeft(await ep.recv<T>(rank - 1, tag), true);
  const newRank = foldedIn ? rank >> 1 : rank - rem;
  const realRank = (r: number): number => (r < rem ? 2 * r + 1 : r + rem);
  for (let mask = 1; mask < pof2; mask *= 2) {
    const partner = realRank(newRank ^ mask);
    const received = await sendrecv<T>(ep, accumulator.value, partner, partner, tag);
    if (partner < rank) accumulator.prependLeft(received, true);
    else accumulator.appendRight(received, true);
  }
  if (foldedIn) await ep.send(accumulator.value, rank - 1, tag);
  return accumulator.value;
}

/**
 * Ring allreduce for large typed arrays (Patarasuk & Yuan): ring reduce-scatter of
 * p near-equal blocks, then ring allgather of the reduced blocks. Each rank sends
 * 2(p − 1) messages of about n/p elements, instead of log2 p messages of n. Each
 * block is reduced on one rank and copied to the others, so results are
 * bit-identical. Needs a commutative op (each block's fold starts at another
 * rank); the reduce-scatter refuses others with ERR_OP before sending anything.
 * The result goes to `result` (new memory unless given), which may be `data` itself:
 * the reduce-scatter writes only this rank's block, and only in its last fold. New
 * memory need not be initialized: the reduce-scatter's last fold writes this rank's
 * block, the allgather all the others.
 */
export async function ringAllreduce<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  op: Op,
  tag: number,
  result: A = allocateUninitializedLike(data, data.length),
): Promise<A> {
  const counts = evenCounts(data.length, ep.size);
  const displs = displacements(counts);
  await ringReduceScatter(ep, data, counts, op, tag, view(result, displs[ep.rank]!, counts[ep.rank]!));
  await ringAllgatherInto(ep, result, counts, displs, tag);
  return result;
}

/**
 * Rabenseifner's allreduce, for a power-of-two number of ranks: a reduce-scatter by
 * recursive halving (each round a rank swaps half of the blocks it still holds with
 * partner rank XOR half, and folds the partner's copy of the half it keeps), then an
 * allgather by recursive doubling (swapping ever larger reduced ranges back). It moves
 * the ring's bytes in 2·log2 p messages instead of 2(p − 1): fewer rounds for the ranks
 * to wait on each other. Block b ends reduced on rank b alone, then is copied to the
 * others, so results are bit-identical. Needs a commutative op (blocks are folded in
 * the order the halving meets them). The result goes to `result` (new memory unless
 * given), which may be `data` itself.
 */
export async function rabenseifnerAllreduce<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  op: Op,
  tag: number,
  result: A = allocateUninitializedLike(data, data.length),
): Promise<A> {
  const { rank, size } = ep;
  if ((size & (size - 1)) !== 0) throw mpiError('ERR_ARG', `Rabenseifner's allreduce needs a power-of-two number of ranks, not ${size}`);
  if (!op.commute) throw mpiError('ERR_OP', `Rabenseifner's allreduce needs a commutative op, ${op.name} is not`);
  if (size === 1) {
    if (result !== data) writeAt(result, data, 0);
    return result;
  }
  const counts = evenCounts(data.length, size);
  const displs = displacements(counts);
  const start = (block: number): number => (block === size ? data.length : displs[block]!);
  const blocks = (array: A, first: number, end: number): A => view(array, start(first), start(end) - start(first));
  // The blocks [lo, hi) this rank still folds, whose partials are in `partials`.
  let lo = 0;
  let hi = size;
  let partials = data;
  for (let half = size / 2; half >= 1; half /= 2) {
    const partner = rank ^ half;
    const keepsLower = (rank & half) === 0;
    const mid = lo + half;
    const [keepLo, keepHi, giveLo, giveHi] = keepsLower ? [lo, mid, mid, hi] : [mid, hi, lo, mid];
    const target = blocks(result, keepLo, keepHi);
    const check = (received: unknown) => expectBlock(received, start(keepHi) - start(keepLo), partner, data);
    let received: A;
    if (partials === data && !overlaps(result, data)) {
      // First round: the result is still free memory, so the partner's half goes straight there.
      // (In place it is not: the half kept there is this rank's own contribution.)
      await sendrecvSomeInto(ep, blocks(partials, giveLo, giveHi), partner, partner, tag, target, check);
      received = target;
    } else {
      received = await sendrecv<A>(ep, blocks(partials, giveLo, giveHi), partner, partner, tag);
      check(received);
    }
    const mine = blocks(partials, keepLo, keepHi);
    // The lower rank's partial on the left, as everywhere else.
    if (keepsLower) op.applyTo(target, mine, received);
    else op.applyTo(target, received, mine);
    [lo, hi, partials] = [keepLo, keepHi, result];
  }
  for (let half = 1; half < size; half *= 2) {
    const partner = rank ^ half;
    const [theirLo, theirHi] = (rank & half) === 0 ? [hi, hi + half] : [lo - half, lo];
    await sendrecvSomeInto(ep, blocks(result, lo, hi), partner, partner, tag, blocks(result, theirLo, theirHi), (received) =>
      expectBlock(received, start(theirHi) - start(theirLo), partner, data),
    );
    [lo, hi] = [Math.min(lo, theirLo), Math.max(hi, theirHi)];
  }
  return result;
}

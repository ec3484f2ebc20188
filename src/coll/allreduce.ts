/** Allreduce algorithms. */
import type { Op } from '../ops.js';
import { Accumulator } from './accumulator.js';
import { displacements, evenCounts } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';
import { ringAllgatherInto, ringReduceScatter } from './ring.js';
import { allocateUninitializedLike, view, type TypedArray } from './typedArray.js';

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
 */
export async function recursiveDoublingAllreduce<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T> {
  const { rank } = ep;
  const { pof2, rem } = powerOfTwoSplit(ep.size);
  const accumulator = new Accumulator(op, data);
  const foldedIn = rank < 2 * rem;
  if (foldedIn && rank % 2 === 0) {
    await ep.send(data, rank + 1, tag);
    return ep.recv<T>(rank + 1, tag);
  }
  if (foldedIn) accumulator.prependLeft(await ep.recv<T>(rank - 1, tag));
  const newRank = foldedIn ? rank >> 1 : rank - rem;
  const realRank = (r: number): number => (r < rem ? 2 * r + 1 : r + rem);
  for (let mask = 1; mask < pof2; mask *= 2) {
    const partner = realRank(newRank ^ mask);
    const received = await sendrecv<T>(ep, accumulator.value, partner, partner, tag);
    if (partner < rank) accumulator.prependLeft(received);
    else accumulator.appendRight(received);
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
 */
export async function ringAllreduce<A extends TypedArray>(ep: CollEndpoint, data: A, op: Op, tag: number): Promise<A> {
  const counts = evenCounts(data.length, ep.size);
  const displs = displacements(counts);
  // Every element is written below: this rank's block by the reduce-scatter's last
  // fold, the others by the allgather.
  const result = allocateUninitializedLike(data, data.length);
  await ringReduceScatter(ep, data, counts, op, tag, view(result, displs[ep.rank]!, counts[ep.rank]!));
  await ringAllgatherInto(ep, result, counts, displs, tag);
  return result;
}

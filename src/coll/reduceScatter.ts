/** Reduce-scatter for typed arrays (the ring variant is in ring.ts). */
import type { Op } from '../ops.js';
import type { CollEndpoint } from './endpoint.js';
import { binomialReduce } from './reduce.js';
import { linearScatterv } from './scatterv.js';
import type { TypedArray } from './typedArray.js';

/**
 * Reduce-scatter as a binomial reduce to rank 0 followed by a linear scatterv of
 * the result: few rounds for small arrays, and correct for non-commutative ops
 * (the reduce folds in rank order). Rank r returns `counts[r]` elements.
 */
export async function reduceThenScatterv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  counts: readonly number[],
  op: Op,
  tag: number,
): Promise<A> {
  const reduced = await binomialReduce(ep, data, op, 0, tag);
  return linearScatterv(ep, reduced, counts, 0, tag);
}

/** Reduce algorithms. */
import type { Op } from '../ops.js';
import { Accumulator } from './accumulator.js';
import type { CollEndpoint } from './endpoint.js';
import { absoluteRank, binomialChildren, binomialParent, relativeRank } from './binomialTree.js';
import { recvAll } from './exchange.js';

/**
 * Binomial-tree reduce: every rank combines its children's partial results (each
 * covering the next contiguous range of relative ranks) onto its own, then sends
 * the result to its parent. p − 1 messages, ⌈log2 p⌉ rounds. The root returns the
 * result, the others null.
 *
 * A non-commutative op is reduced towards rank 0, where relative and real rank
 * order agree, so the fold is a0 ∘ a1 ∘ … ∘ a(p-1); rank 0 then hands the result to
 * the root (one more message).
 */
export async function binomialReduce<T>(
  ep: CollEndpoint,
  data: T,
  op: Op,
  root: number,
  tag: number,
): Promise<T | null> {
  if (op.commute || root === 0) return reduceOverTree(ep, data, op, root, tag);
  const result = await reduceOverTree(ep, data, op, 0, tag);
  if (ep.rank === 0) {
    await ep.send(result, root, tag);
    return null;
  }
  return ep.rank === root ? ep.recv<T>(0, tag) : null;
}

async function reduceOverTree<T>(ep: CollEndpoint, data: T, op: Op, root: number, tag: number): Promise<T | null> {
  const { rank, size } = ep;
  const relative = relativeRank(rank, root, size);
  const toRank = (r: number): number => absoluteRank(r, root, size);
  // Nearest child first: its range directly follows what the accumulator holds.
  const children = binomialChildren(relative, size).reverse();
  const receives = recvAll<T>(ep, children.map(toRank), tag);
  const accumulator = new Accumulator(op, data);
  for (const received of receives) accumulator.appendRight(await received, true);
  if (relative === 0) return accumulator.value;
  await ep.send(accumulator.value, toRank(binomialParent(relative)), tag);
  return null;
}

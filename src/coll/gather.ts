/** Gather algorithms for any value. */
import type { CollEndpoint } from './endpoint.js';
import { absoluteRank, binomialChildren, binomialParent, relativeRank } from './binomialTree.js';
import { recvAll } from './exchange.js';

/**
 * Binomial-tree gather: each rank appends its children's lists (each covering the
 * next contiguous range of relative ranks) to its own value and sends the list to
 * its parent. p − 1 messages, ⌈log2 p⌉ rounds. The root returns the values in rank
 * order (its own entry is `data` itself), the others null.
 */
export async function binomialGather<T>(ep: CollEndpoint, data: T, root: number, tag: number): Promise<T[] | null> {
  const { rank, size } = ep;
  const relative = relativeRank(rank, root, size);
  const toRank = (r: number): number => absoluteRank(r, root, size);
  const children = binomialChildren(relative, size).reverse();
  const receives = recvAll<T[]>(ep, children.map(toRank), tag);
  // collected[i] is the value of relative rank `relative + i`.
  const collected: T[] = [data];
  for (const receive of receives) {
    for (const value of await receive) collected.push(value);
  }
  if (relative !== 0) {
    await ep.send(collected, toRank(binomialParent(relative)), tag);
    return null;
  }
  return Array.from({ length: size }, (_, r) => collected[relativeRank(r, root, size)]!);
}

/** Broadcast algorithms. */
import type { CollEndpoint } from './endpoint.js';
import { absoluteRank, binomialChildren, binomialParent, relativeRank } from './binomialTree.js';
import { sendAll } from './exchange.js';

/**
 * Binomial-tree broadcast: each rank receives the value from its parent and
 * forwards it to its children, largest subtree first. p − 1 messages in total,
 * ⌈log2 p⌉ rounds. The root returns `data` itself; other ranks return what they
 * received (their `data` is ignored).
 */
export async function binomialBcast<T>(ep: CollEndpoint, data: T, root: number, tag: number): Promise<T> {
  const { rank, size } = ep;
  const relative = relativeRank(rank, root, size);
  const toRank = (r: number): number => absoluteRank(r, root, size);
  const value = relative === 0 ? data : await ep.recv<T>(toRank(binomialParent(relative)), tag);
  await sendAll(
    ep,
    binomialChildren(relative, size).map((child) => [value, toRank(child)] as const),
    tag,
  );
  return value;
}

/** Scatter algorithms for any value. */
import type { CollEndpoint } from './endpoint.js';
import { absoluteRank, binomialChildren, binomialParent, relativeRank, subtreeSize } from './binomialTree.js';
import { sendAll } from './exchange.js';
import { errorFromRoot, isRootErrorNotice, type RootErrorNotice } from './rootError.js';

/**
 * Binomial-tree scatter: the root holds one item per rank; each rank receives the
 * items of its whole subtree from its parent, keeps the first and passes each
 * child its subtree's share, largest first. p − 1 messages, ⌈log2 p⌉ rounds. The
 * root returns `items[root]` itself; `items` is only read on the root.
 */
export async function binomialScatter<T>(
  ep: CollEndpoint,
  items: readonly T[] | null,
  root: number,
  tag: number,
): Promise<T> {
  const { rank, size } = ep;
  const relative = relativeRank(rank, root, size);
  const toRank = (r: number): number => absoluteRank(r, root, size);
  // share[i] is the item of relative rank `relative + i`.
  const share: readonly T[] | RootErrorNotice =
    relative === 0
      ? Array.from({ length: size }, (_, i) => items![toRank(i)]!)
      : await ep.recv<T[] | RootErrorNotice>(toRank(binomialParent(relative)), tag);
  if (isRootErrorNotice(share)) {
    await abortBinomialScatter(ep, share, root, tag);
    throw errorFromRoot(share, root);
  }
  const sends = binomialChildren(relative, size).map((child) => {
    const first = child - relative;
    return [share.slice(first, first + subtreeSize(child, size)), toRank(child)] as const;
  });
  await sendAll(ep, sends, tag);
  return share[0]!;
}

/**
 * Sends `notice` (see rootError.ts) to this rank's children instead of their items: the
 * root starts it when it cannot run the scatter, every other rank passes it on, so it
 * reaches every rank down the tree the items would have taken.
 */
export async function abortBinomialScatter(ep: CollEndpoint, notice: RootErrorNotice, root: number, tag: number): Promise<void> {
  const relative = relativeRank(ep.rank, root, ep.size);
  const children = binomialChildren(relative, ep.size).map((child) => [notice, absoluteRank(child, root, ep.size)] as const);
  await sendAll(ep, children, tag);
}

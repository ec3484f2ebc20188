/**
 * The binomial tree shared by bcast, reduce, gather and scatter, in ranks relative
 * to the root (relative rank 0 is the root). Relative rank v's parent is v with its
 * lowest set bit cleared; its children are v + 2^k for every 2^k below that bit; its
 * subtree is the contiguous relative range [v, v + subtreeSize(v)). The tree has
 * ⌈log2 size⌉ levels, so a message reaches every rank in ⌈log2 size⌉ rounds.
 */

/** `rank`'s position counted from `root`, wrapping around. */
export function relativeRank(rank: number, root: number, size: number): number {
  return (rank - root + size) % size;
}

/** The real rank of relative rank `relative`. */
export function absoluteRank(relative: number, root: number, size: number): number {
  return (relative + root) % size;
}

/** The lowest set bit of `relative`, or for the root the first power of two ≥ size. */
function subtreeSpan(relative: number, size: number): number {
  if (relative !== 0) return relative & -relative;
  let span = 1;
  while (span < size) span *= 2;
  return span;
}

/** The parent of relative rank `relative` (not defined for the root). */
export function binomialParent(relative: number): number {
  return relative - (relative & -relative);
}

/**
 * The children of relative rank `relative`, largest subtree first: sending to them
 * in this order lets the big subtrees start forwarding earliest.
 */
export function binomialChildren(relative: number, size: number): number[] {
  const children: number[] = [];
  for (let mask = subtreeSpan(relative, size) >> 1; mask > 0; mask >>= 1) {
    if (relative + mask < size) children.push(relative + mask);
  }
  return children;
}

/** How many relative ranks the subtree rooted at `relative` holds (itself included). */
export function subtreeSize(relative: number, size: number): number {
  return Math.min(subtreeSpan(relative, size), size - relative);
}

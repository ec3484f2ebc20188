/** Scatterv for typed arrays: the root's array is cut into per-rank blocks. */
import { displacements, expectBlock } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { sendAll } from './exchange.js';
import { errorFromRoot, isRootErrorNotice, type RootErrorNotice } from './rootError.js';
import { copyOf, view, type TypedArray } from './typedArray.js';

/**
 * Linear scatterv: the root sends each rank a view of its block (no copy), blocks
 * laid out in rank order with `counts[r]` elements for rank r. Every rank knows
 * the counts, but only the root knows the element type, so zero-length blocks are
 * sent too. p − 1 messages. Each rank returns its block as a new array.
 */
export async function linearScatterv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A | null,
  counts: readonly number[],
  root: number,
  tag: number,
): Promise<A> {
  const { rank, size } = ep;
  if (rank !== root) {
    const block = await ep.recv<A | RootErrorNotice>(root, tag);
    if (isRootErrorNotice(block)) throw errorFromRoot(block, root);
    expectBlock(block, counts[rank]!, rank);
    return block;
  }
  const source = data!;
  const displs = displacements(counts);
  const blockOf = (r: number): A => view(source, displs[r]!, counts[r]!);
  const sends = Array.from({ length: size }, (_, r) => r)
    .filter((r) => r !== root)
    .map((r) => [blockOf(r), r] as const);
  await sendAll(ep, sends, tag);
  return copyOf(blockOf(root));
}

/** The root's side of a scatterv it cannot run (see rootError.ts): every other rank receives `notice`. */
export async function abortLinearScatterv(ep: CollEndpoint, notice: RootErrorNotice, root: number, tag: number): Promise<void> {
  const others = Array.from({ length: ep.size }, (_, r) => r).filter((r) => r !== root);
  await sendAll(ep, others.map((r) => [notice, r] as const), tag);
}

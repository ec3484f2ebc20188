/** Gatherv for typed arrays: blocks of any length, joined in rank order on the root. */
import { expectTyped } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { recvAll } from './exchange.js';
import { concatTyped, type TypedArray } from './typedArray.js';

/**
 * Linear gatherv: every rank sends its array straight to the root as raw bytes,
 * and the root joins them in rank order. The root cannot know the lengths in
 * advance (no counts are passed), and each byte crosses the network once — the
 * choice Open MPI and MPICH make for gatherv too. p − 1 messages. Returns the
 * joined array on the root, null elsewhere.
 */
export async function linearGatherv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  root: number,
  tag: number,
): Promise<A | null> {
  const { rank, size } = ep;
  if (rank !== root) {
    await ep.send(data, root, tag);
    return null;
  }
  const others = Array.from({ length: size }, (_, r) => r).filter((r) => r !== root);
  const receives = recvAll<unknown>(ep, others, tag);
  const blocks: TypedArray[] = [];
  for (let r = 0, next = 0; r < size; r++) {
    if (r === root) {
      blocks.push(data);
      continue;
    }
    const block = await receives[next++]!;
    expectTyped(block, r, data);
    blocks.push(block);
  }
  return concatTyped(data, blocks);
}

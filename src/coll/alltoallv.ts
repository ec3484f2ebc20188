/** Alltoallv for typed arrays: block r of each rank's array goes to rank r. */
import { displacements, expectTyped } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';
import { concatTyped, view, type TypedArray } from './typedArray.js';

/**
 * Pairwise-exchange alltoallv: in step s each rank sends its block for rank + s (a
 * view, no copy) and receives from rank − s; a receiver learns each block's length
 * from the message, so only senders need counts. Zero-length blocks are sent too
 * (the receiver cannot know they are empty). p − 1 messages per rank. Returns the
 * received blocks joined in source-rank order.
 */
export async function pairwiseAlltoallv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  sendCounts: readonly number[],
  tag: number,
): Promise<A> {
  const { rank, size } = ep;
  const displs = displacements(sendCounts);
  const blockFor = (r: number): A => view(data, displs[r]!, sendCounts[r]!);
  const received = new Array<TypedArray>(size);
  received[rank] = blockFor(rank);
  for (let step = 1; step < size; step++) {
    const dest = (rank + step) % size;
    const source = (rank - step + size) % size;
    const block = await sendrecv<unknown>(ep, blockFor(dest), dest, source, tag);
    expectTyped(block, source, data);
    received[source] = block;
  }
  return concatTyped(data, received);
}

/** Alltoall algorithms for any value: item i of each rank's list goes to rank i. */
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';

/**
 * Pairwise-exchange alltoall: in step s (1 … p − 1) each rank sends its item for
 * rank + s and receives from rank − s. p − 1 messages of one item per rank: each
 * item travels once, so this suits large items.
 */
export async function pairwiseAlltoall<T>(ep: CollEndpoint, items: readonly T[], tag: number): Promise<T[]> {
  const { rank, size } = ep;
  const result = new Array<T>(size);
  result[rank] = items[rank]!;
  for (let step = 1; step < size; step++) {
    const dest = (rank + step) % size;
    const source = (rank - step + size) % size;
    result[source] = await sendrecv<T>(ep, items[dest], dest, source, tag);
  }
  return result;
}

/**
 * Bruck alltoall: after rotating the list so slot i holds the item for rank + i, in
 * round k each rank sends every slot whose index has bit k set to rank + 2^k and
 * puts what it receives from rank − 2^k in the same slots; slot i then holds the
 * item from rank − i. ⌈log2 p⌉ messages per rank, each carrying about p/2 items: few
 * messages, but items travel up to log2 p times, so it suits small items.
 */
export async function bruckAlltoall<T>(ep: CollEndpoint, items: readonly T[], tag: number): Promise<T[]> {
  const { rank, size } = ep;
  const slots = Array.from({ length: size }, (_, i) => items[(rank + i) % size]!);
  for (let bit = 1; bit < size; bit *= 2) {
    const moving: number[] = [];
    for (let i = bit; i < size; i++) if (i & bit) moving.push(i);
    const received = await sendrecv<T[]>(
      ep,
      moving.map((i) => slots[i]!),
      (rank + bit) % size,
      (rank - bit + size) % size,
      tag,
    );
    moving.forEach((slot, j) => (slots[slot] = received[j]!));
  }
  return Array.from({ length: size }, (_, source) => slots[(rank - source + size) % size]!);
}

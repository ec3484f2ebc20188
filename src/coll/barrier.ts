/** Barrier algorithms. */
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';

/**
 * Dissemination barrier (Hensgen, Finkel, Manber): in round k every rank signals
 * rank + 2^k and waits for rank − 2^k. After ⌈log2 p⌉ rounds each rank has heard,
 * directly or transitively, from every other, for any p. Each rank sends exactly
 * ⌈log2 p⌉ empty messages.
 */
export async function disseminationBarrier(ep: CollEndpoint, tag: number): Promise<void> {
  const { rank, size } = ep;
  for (let distance = 1; distance < size; distance *= 2) {
    await sendrecv(ep, null, (rank + distance) % size, (rank - distance + size) % size, tag);
  }
}

/** Allgather algorithms for any value. */
import { mpiError } from '../errors.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';

/**
 * Recursive-doubling allgather, for a power-of-two number of ranks: in round k each
 * rank swaps everything it has (an aligned range of 2^k ranks' values) with
 * rank XOR 2^k. log2 p messages per rank, the last carrying p/2 values.
 */
export async function recursiveDoublingAllgather<T>(ep: CollEndpoint, data: T, tag: number): Promise<T[]> {
  const { rank, size } = ep;
  if ((size & (size - 1)) !== 0) {
    throw mpiError('ERR_ARG', `recursive-doubling allgather needs a power-of-two size, got ${size}`);
  }
  const values = new Array<T>(size);
  values[rank] = data;
  for (let mask = 1; mask < size; mask *= 2) {
    const partner = rank ^ mask;
    const mine = rank & ~(mask - 1);
    const theirs = partner & ~(mask - 1);
    const received = await sendrecv<T[]>(ep, values.slice(mine, mine + mask), partner, partner, tag);
    for (let i = 0; i < mask; i++) values[theirs + i] = received[i]!;
  }
  return values;
}

/**
 * Bruck allgather, for any number of ranks: in round k each rank sends the values
 * of ranks rank … rank + 2^k − 1 it holds to rank − 2^k and receives the next ones
 * from rank + 2^k, then rotates the list into rank order. ⌈log2 p⌉ messages per rank.
 */
export async function bruckAllgather<T>(ep: CollEndpoint, data: T, tag: number): Promise<T[]> {
  const { rank, size } = ep;
  // held[i] is the value of rank (rank + i) mod size.
  const held: T[] = [data];
  for (let distance = 1; distance < size; distance *= 2) {
    const count = Math.min(distance, size - distance);
    const received = await sendrecv<T[]>(
      ep,
      held.slice(0, count),
      (rank - distance + size) % size,
      (rank + distance) % size,
      tag,
    );
    for (let i = 0; i < count; i++) held.push(received[i]!);
  }
  return Array.from({ length: size }, (_, r) => held[(r - rank + size) % size]!);
}

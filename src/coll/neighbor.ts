/**
 * Neighbourhood collectives: each rank exchanges only with its topology
 * neighbours. A PROC_NULL neighbour is skipped: nothing is sent to it and its slot
 * of the result is undefined.
 */
import { PROC_NULL } from '../constants.js';
import { mpiError } from '../errors.js';
import type { CollEndpoint } from './endpoint.js';

/**
 * Graph neighbour allgather: sends `data` to every rank of `destinations` and
 * returns what each rank of `sources` sent, in `sources` order.
 */
export function neighborAllgather<T>(
  ep: CollEndpoint,
  data: T,
  sources: readonly number[],
  destinations: readonly number[],
  tag: number,
): Promise<Array<T | undefined>> {
  return exchangeWithNeighbors(ep, destinations.map((dest) => [data, dest] as const), sources, inOrder(sources), tag);
}

/**
 * Graph neighbour alltoall: sends `items[i]` to `destinations[i]` and returns what
 * each rank of `sources` sent, in `sources` order. When one rank appears several
 * times, its k-th occurrence among my sources receives its k-th send to me (MPI's
 * rule for multiple edges).
 */
export function neighborAlltoall<T>(
  ep: CollEndpoint,
  items: readonly T[],
  sources: readonly number[],
  destinations: readonly number[],
  tag: number,
): Promise<Array<T | undefined>> {
  checkItemCount(items, destinations.length);
  return exchangeWithNeighbors(ep, destinations.map((dest, i) => [items[i]!, dest] as const), sources, inOrder(sources), tag);
}

/**
 * Cartesian neighbour allgather: `neighbors` is [negative, positive] per dimension
 * (as `cartNeighbors` gives), which is both the send and the receive order.
 */
export function cartNeighborAllgather<T>(
  ep: CollEndpoint,
  data: T,
  neighbors: readonly number[],
  tag: number,
): Promise<Array<T | undefined>> {
  return exchangeWithNeighbors(ep, neighbors.map((dest) => [data, dest] as const), neighbors, cartReceiveOrder(neighbors), tag);
}

/**
 * Cartesian neighbour alltoall: `items[2d]` goes to the negative neighbour of
 * dimension d and `items[2d + 1]` to the positive one; slot 2d of the result holds
 * what the negative neighbour sent in the positive direction, and slot 2d + 1 what
 * the positive neighbour sent in the negative direction.
 */
export function cartNeighborAlltoall<T>(
  ep: CollEndpoint,
  items: readonly T[],
  neighbors: readonly number[],
  tag: number,
): Promise<Array<T | undefined>> {
  checkItemCount(items, neighbors.length);
  return exchangeWithNeighbors(
    ep,
    neighbors.map((dest, i) => [items[i]!, dest] as const),
    neighbors,
    cartReceiveOrder(neighbors),
    tag,
  );
}

/**
 * Starts every send (in order), posts the receives of `sources` in the slot order
 * `receiveOrder`, and resolves the received values by slot. Posting order matters
 * when one rank fills several slots: messages from one rank match in send order.
 */
async function exchangeWithNeighbors<T>(
  ep: CollEndpoint,
  sends: ReadonlyArray<readonly [data: T, dest: number]>,
  sources: readonly number[],
  receiveOrder: readonly number[],
  tag: number,
): Promise<Array<T | undefined>> {
  const sent = sends.filter(([, dest]) => dest !== PROC_NULL).map(([data, dest]) => ep.send(data, dest, tag));
  const result = new Array<T | undefined>(sources.length).fill(undefined);
  const received = receiveOrder
    .filter((slot) => sources[slot] !== PROC_NULL)
    .map(async (slot) => {
      result[slot] = await ep.recv<T>(sources[slot]!, tag);
    });
  await Promise.all([...sent, ...received]);
  return result;
}

function inOrder(sources: readonly number[]): number[] {
  return sources.map((_, slot) => slot);
}

/**
 * Receive slots for a cartesian neighbour list, positive before negative in each
 * dimension. When one rank is both neighbours of a dimension (a periodic dimension
 * of size 1 or 2), it sends to its negative side first, and that message arrives
 * from my positive side — so my positive slot must be posted first to match it.
 */
function cartReceiveOrder(neighbors: readonly number[]): number[] {
  const order: number[] = [];
  for (let negative = 0; negative + 1 < neighbors.length; negative += 2) order.push(negative + 1, negative);
  return order;
}

function checkItemCount(items: readonly unknown[], expected: number): void {
  if (!Array.isArray(items) || items.length !== expected) {
    const got = Array.isArray(items) ? `${items.length} items` : typeof items;
    throw mpiError('ERR_COUNT', `neighbour alltoall needs one item per destination (${expected}), got ${got}`);
  }
}

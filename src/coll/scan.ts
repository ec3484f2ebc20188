/** Scan (inclusive prefix) and exscan (exclusive prefix) algorithms. */
import type { Op } from '../ops.js';
import { Accumulator } from './accumulator.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecv } from './exchange.js';

/**
 * Recursive-doubling inclusive scan: rank r returns a0 ∘ … ∘ ar. ⌈log2 p⌉ rounds;
 * in round k a rank exchanges with rank XOR 2^k when that rank exists.
 */
export async function recursiveDoublingScan<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T> {
  const prefix = await recursiveDoublingPrefix(ep, data, op, tag, true);
  return prefix!;
}

/**
 * Recursive-doubling exclusive scan: rank r > 0 returns a0 ∘ … ∘ a(r-1), rank 0
 * returns undefined. Same messages as the inclusive scan.
 */
export async function recursiveDoublingExscan<T>(
  ep: CollEndpoint,
  data: T,
  op: Op,
  tag: number,
): Promise<T | undefined> {
  return recursiveDoublingPrefix(ep, data, op, tag, false);
}

/**
 * Each rank keeps `block`, the reduction of the aligned range of 2^k ranks around
 * it, and `prefix`, the reduction of the ranks before it seen so far. Exchanging
 * `block` with rank XOR 2^k doubles the range; a block from a lower partner covers
 * ranks just before everything held, so it goes on the left of both — which keeps
 * rank order for non-commutative ops. Works for any p: a partner beyond the last
 * rank would have contributed nothing.
 */
async function recursiveDoublingPrefix<T>(
  ep: CollEndpoint,
  data: T,
  op: Op,
  tag: number,
  inclusive: boolean,
): Promise<T | undefined> {
  const { rank, size } = ep;
  const block = new Accumulator(op, data);
  let prefix = inclusive ? new Accumulator(op, data) : undefined;
  for (let mask = 1; mask < size; mask *= 2) {
    const partner = rank ^ mask;
    if (partner >= size) continue;
    const received = await sendrecv<T>(ep, block.value, partner, partner, tag);
    if (partner < rank) {
      if (prefix) prefix.prependLeft(received);
      else prefix = new Accumulator(op, received);
      block.prependLeft(received);
    } else {
      block.appendRight(received);
    }
  }
  return prefix?.value;
}

/**
 * Linear (chain) scan: rank r waits for a0 ∘ … ∘ a(r-1) from rank r − 1, folds its
 * own value in and passes the result on. p − 1 messages in total, one per rank, so
 * for large typed arrays it moves far less data than recursive doubling (which
 * sends p·log2 p full-size messages), at the cost of p − 1 sequential steps. The
 * received buffer becomes the result, reduced in place.
 */
export async function linearScan<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T> {
  const { rank, size } = ep;
  let result = data;
  if (rank > 0) {
    const prefix = new Accumulator<T>(op, await ep.recv<T>(rank - 1, tag), true);
    prefix.appendRight(data);
    result = prefix.value;
  }
  if (rank + 1 < size) await ep.send(result, rank + 1, tag);
  return result;
}

/**
 * Linear (chain) exscan: rank r receives a0 ∘ … ∘ a(r-1) from rank r − 1, returns
 * it and passes that prefix ∘ ar on. Rank 0 returns undefined. p − 1 messages.
 */
export async function linearExscan<T>(ep: CollEndpoint, data: T, op: Op, tag: number): Promise<T | undefined> {
  const { rank, size } = ep;
  const prefix = rank > 0 ? await ep.recv<T>(rank - 1, tag) : undefined;
  if (rank + 1 < size) await ep.send(prefix === undefined ? data : prefixThrough(op, prefix, data), rank + 1, tag);
  return prefix;
}

/** prefix ∘ data, leaving both alone (the prefix is this rank's result, `data` the caller's). */
function prefixThrough<T>(op: Op, prefix: T, data: T): T {
  const next = new Accumulator(op, prefix);
  next.appendRight(data);
  return next.value;
}

/**
 * Ring algorithms over a typed array cut into one block per rank: each rank sends
 * to rank + 1 and receives from rank − 1, p − 1 steps, moving one block per step.
 * Bandwidth-optimal (each rank sends (p − 1)/p of the data per phase), so the
 * large-message allreduce, reduce-scatter and allgatherv are built from them.
 * Zero-length blocks are skipped on both sides (both know the counts), so they cost
 * no message.
 */
import { mpiError } from '../errors.js';
import type { Op } from '../ops.js';
import { displacements, expectBlock } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { sendrecvSome, sendrecvSomeInto } from './exchange.js';
import { allocateLike, copyOf, overlaps, view, writeAt, type TypedArray } from './typedArray.js';

/**
 * Ring reduce-scatter: returns this rank's block (`counts[rank]` elements of `data`,
 * blocks laid out in rank order) reduced over all ranks. In step s a rank passes
 * on the partial result of block rank − 1 − s and folds its own contribution into
 * the partial of block rank − 2 − s it receives, in the received buffer itself, so
 * nothing is allocated per step and `data` is never modified. With `out` (an array
 * of `counts[rank]` elements) the last block is received straight into `out` and
 * folded there, and `out` is returned: a caller assembling a larger result saves a
 * copy. (If `out` shares memory with `data`, the last fold only writes there.)
 * Needs a commutative `op`: each block is folded starting from a different rank.
 */
export async function ringReduceScatter<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  counts: readonly number[],
  op: Op,
  tag: number,
  out?: A,
): Promise<A> {
  if (!op.commute) throw mpiError('ERR_OP', `ring reduce-scatter needs a commutative op, ${op.name} is not`);
  const { rank, size } = ep;
  const displs = displacements(counts);
  const block = (index: number): A => view(data, displs[index]!, counts[index]!);
  if (size === 1) {
    if (!out) return copyOf(block(0));
    writeAt(out, block(0), 0);
    return out;
  }
  const at = (offset: number): number => (((rank + offset) % size) + size) % size;
  let partial = block(at(-1));
  for (let step = 0; step < size - 1; step++) {
    const sendIndex = at(-1 - step);
    const recvIndex = at(-2 - step);
    const dest = counts[sendIndex]! > 0 ? at(1) : null;
    const source = counts[recvIndex]! > 0 ? at(-1) : null;
    if (step === size - 2 && out && !overlaps(out, data)) {
      // The last block received is this rank's own: receive it straight into `out` and fold there.
      const check = (received: unknown) => expectBlock(received, counts[recvIndex]!, recvIndex, data);
      if (await sendrecvSomeInto(ep, partial, dest, source, tag, out, check)) op.applyTo(out, out, block(recvIndex));
      return out;
    }
    const received = await sendrecvSome<A>(ep, partial, dest, source, tag);
    if (received === undefined) {
      partial = allocateLike(data, 0);
      continue;
    }
    expectBlock(received, counts[recvIndex]!, recvIndex, data);
    const target = step === size - 2 && out ? out : received;
    op.applyTo(target, received, block(recvIndex));
    partial = target;
  }
  return out ?? partial;
}

/**
 * Ring allgather in place: block r of `buffer` (`counts[r]` elements at offset
 * `displs[r]`) belongs to rank r, and this rank's own block is already filled in;
 * fills in all the others. In step s a rank passes on block rank − s and stores
 * block rank − s − 1. A block with count 0 is skipped, so blocks filled in another
 * way can be left out by giving them count 0.
 */
export async function ringAllgatherInto(
  ep: CollEndpoint,
  buffer: TypedArray,
  counts: readonly number[],
  displs: readonly number[],
  tag: number,
): Promise<void> {
  const { rank, size } = ep;
  const at = (offset: number): number => (((rank + offset) % size) + size) % size;
  for (let step = 0; step < size - 1; step++) {
    const sendIndex = at(-step);
    const recvIndex = at(-step - 1);
    await sendrecvSomeInto(
      ep,
      view(buffer, displs[sendIndex]!, counts[sendIndex]!),
      counts[sendIndex]! > 0 ? at(1) : null,
      counts[recvIndex]! > 0 ? at(-1) : null,
      tag,
      view(buffer, displs[recvIndex]!, counts[recvIndex]!),
      (received) => expectBlock(received, counts[recvIndex]!, recvIndex, buffer),
    );
  }
}

/** Allgatherv for typed arrays: every rank's block, of any length, joined in rank order. */
import { ALLGATHERV_INLINE_MAX_BYTES } from './thresholds.js';
import { bruckAllgather } from './allgather.js';
import { displacements, expectTyped, sum } from './counts.js';
import type { CollEndpoint } from './endpoint.js';
import { ringAllgatherInto } from './ring.js';
import { allocateLike, isTypedArray, writeAt, type TypedArray } from './typedArray.js';

/**
 * Allgatherv in one or two phases, since no rank knows the others' lengths up
 * front. Phase 1 is a Bruck allgather in which each rank offers its block itself
 * when it is at most `inlineMaxBytes` bytes, else only its length. When every block
 * came inline that is all (⌈log2 p⌉ messages per rank); otherwise every rank now
 * knows the lengths, and the large blocks go round a ring (p − 1 steps), each byte
 * crossing each link once. `inlineMaxBytes` must be the same on every rank.
 */
export async function inlineThenRingAllgatherv<A extends TypedArray>(
  ep: CollEndpoint,
  data: A,
  tag: number,
  inlineMaxBytes: number = ALLGATHERV_INLINE_MAX_BYTES,
): Promise<A> {
  const offer: TypedArray | number = data.byteLength <= inlineMaxBytes ? data : data.length;
  const offers = await bruckAllgather<TypedArray | number>(ep, offer, tag);
  const counts = offers.map((o) => (typeof o === 'number' ? o : o.length));
  const displs = displacements(counts);
  const result = allocateLike(data, sum(counts));
  // Blocks that came inline are in place already, so the ring skips them (count 0).
  const ringCounts = offers.map((o, r) => (isTypedArray(o) ? 0 : counts[r]!));
  offers.forEach((o, r) => {
    if (typeof o === 'number') return;
    expectTyped(o, r, data);
    writeAt(result, o, displs[r]!);
  });
  writeAt(result, data, displs[ep.rank]!);
  if (ringCounts.some((count) => count > 0)) await ringAllgatherInto(ep, result, ringCounts, displs, tag);
  return result;
}

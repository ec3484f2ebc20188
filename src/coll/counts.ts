/**
 * Per-rank element counts of the typed-array collectives: validation, offsets,
 * and the even split the ring algorithms use.
 */
import { mpiError } from '../errors.js';
import { isTypedArray, sameElementType, typedArrayName, type TypedArray } from './typedArray.js';

/** Throws ERR_COUNT unless `counts` has one non-negative integer per rank. */
export function checkCounts(counts: readonly number[], size: number, what: string): void {
  if (!Array.isArray(counts) || counts.length !== size) {
    throw mpiError('ERR_COUNT', `${what} must have one entry per rank (${size}), got ${describeLength(counts)}`);
  }
  counts.forEach((count, rank) => {
    if (!Number.isInteger(count) || count < 0) {
      throw mpiError('ERR_COUNT', `${what}[${rank}] must be a non-negative integer, got ${String(count)}`);
    }
  });
}

/** Throws ERR_COUNT unless the counts add up to `length` elements. */
export function checkTotal(counts: readonly number[], length: number, what: string): void {
  const total = sum(counts);
  if (total !== length) {
    throw mpiError('ERR_COUNT', `${what} add up to ${total} elements but the array has ${length}`);
  }
}

/** Offsets of each rank's block when the blocks are laid out back to back. */
export function displacements(counts: readonly number[]): number[] {
  const displs = new Array<number>(counts.length);
  let offset = 0;
  for (let i = 0; i < counts.length; i++) {
    displs[i] = offset;
    offset += counts[i]!;
  }
  return displs;
}

/** Splits `length` elements into `parts` blocks whose sizes differ by at most one. */
export function evenCounts(length: number, parts: number): number[] {
  const base = Math.floor(length / parts);
  const extra = length % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The sum of `counts`. */
export function sum(counts: readonly number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  return total;
}

/** ERR_ARG unless a received block is a typed array (of `like`'s element type when given). */
export function expectTyped(received: unknown, index: number, like?: TypedArray): asserts received is TypedArray {
  if (!isTypedArray(received) || (like !== undefined && !sameElementType(received, like))) {
    const expected = like === undefined ? 'a typed array' : `a ${typedArrayName(like)}`;
    throw mpiError(
      'ERR_ARG',
      `block of rank ${index}: expected ${expected}, received ${describe(received)} (do all ranks pass the same type?)`,
    );
  }
}

/** Like `expectTyped`, and ERR_COUNT unless the block has `count` elements. */
export function expectBlock(
  received: unknown,
  count: number,
  index: number,
  like?: TypedArray,
): asserts received is TypedArray {
  expectTyped(received, index, like);
  if (received.length !== count) {
    throw mpiError(
      'ERR_COUNT',
      `block of rank ${index}: expected ${count} elements, received ${received.length} (do all ranks pass the same counts and lengths?)`,
    );
  }
}

function describe(value: unknown): string {
  return isTypedArray(value) ? typedArrayName(value) : typeof value;
}

function describeLength(counts: unknown): string {
  return Array.isArray(counts) ? `${counts.length} entries` : typeof counts;
}

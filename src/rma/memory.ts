/**
 * What a window's target does to its memory: the element-wise effects of put,
 * accumulate, get, fetch-and-op and compare-and-swap. Pure functions over typed
 * arrays; the service (service.ts) calls them, one request at a time.
 */
import { allocateLike, asAny, copyOf, view, writeAt, type TypedArray } from '../coll/typedArray.js';
import type { Op } from '../ops.js';

/** One element of a window: a number, or a bigint for BigInt64Array / BigUint64Array windows. */
export type Element = number | bigint;

/** put: `data` replaces the elements from `offset`. */
export function writeRange(memory: TypedArray, offset: number, data: TypedArray): void {
  writeAt(memory, data, offset);
}

/** get: a copy (never a view: later requests may change the window before the copy is sent). */
export function readRange<A extends TypedArray>(memory: A, offset: number, count: number): A {
  return copyOf(view(memory, offset, count));
}

/** accumulate: window[offset + i] = window[offset + i] ∘ data[i]. */
export function accumulateRange(memory: TypedArray, offset: number, data: TypedArray, op: Op): void {
  op.applyInto(view(memory, offset, data.length), data, true);
}

/**
 * fetch-and-op: returns window[offset] and stores window[offset] ∘ value, with the
 * element type's arithmetic (integer windows wrap like C integers).
 */
export function fetchAndOpAt(memory: TypedArray, offset: number, value: Element, op: Op): Element {
  const old = asAny(memory)[offset]!;
  op.applyInto(view(memory, offset, 1), single(memory, value), true);
  return old;
}

/**
 * compare-and-swap: returns window[offset] and stores `value` there if the element
 * equals `compare` bit for bit (as MPI compares), once both are of the window's type.
 */
export function compareAndSwapAt(memory: TypedArray, offset: number, value: Element, compare: Element): Element {
  const old = asAny(memory)[offset]!;
  if (sameBits(view(memory, offset, 1), single(memory, compare))) asAny(memory)[offset] = value;
  return old;
}

/** A one-element array of the window's type holding `value`. */
function single(memory: TypedArray, value: Element): TypedArray {
  const cell = allocateLike(memory, 1);
  asAny(cell)[0] = value;
  return cell;
}

function sameBits(a: TypedArray, b: TypedArray): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

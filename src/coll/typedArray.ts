/**
 * Small typed-array helpers for the collectives and the reduction operators.
 * They live here (not in the codec) because collectives only need to cut, copy
 * and join arrays, never to encode them.
 */

import type { TypedArray } from '../codec/dtype.js';

/** Every typed-array type a collective or an operator accepts (a Buffer is a Uint8Array). */
export type { TypedArray };

/**
 * The one structural view of a typed array the helpers work through: the union
 * type's methods cannot be called directly because number and bigint arrays
 * disagree on element types.
 */
interface AnyTypedArray {
  readonly length: number;
  readonly byteLength: number;
  [index: number]: number | bigint;
  set(source: ArrayLike<number | bigint>, offset?: number): void;
  subarray(begin?: number, end?: number): AnyTypedArray;
}

type TypedArrayConstructor = new (length: number) => TypedArray;
type TypedArrayViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;

/** True for typed arrays (and Buffers), false for DataView and everything else. */
export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** True for BigInt64Array and BigUint64Array, whose elements are bigints. */
export function isBigIntArray(value: TypedArray): value is BigInt64Array | BigUint64Array {
  return value instanceof BigInt64Array || value instanceof BigUint64Array;
}

/** A typed array's name for error messages ("Float64Array", "Buffer"). */
export function typedArrayName(value: TypedArray): string {
  return Buffer.isBuffer(value) ? 'Buffer' : value.constructor.name;
}

/** True when `a` and `b` hold the same element type (a Buffer counts as a Uint8Array). */
export function sameElementType(a: TypedArray, b: TypedArray): boolean {
  return elementConstructor(a) === elementConstructor(b);
}

/** A new zero-filled array of `proto`'s element type (a Buffer for a Buffer). */
export function allocateLike<A extends TypedArray>(proto: A, length: number): A {
  // `new Buffer(n)` is deprecated, so Buffers get Buffer.alloc.
  if (Buffer.isBuffer(proto)) return Buffer.alloc(length) as unknown as A;
  return new (proto.constructor as TypedArrayConstructor)(length) as A;
}

/**
 * A new array of `proto`'s element type whose contents are undefined, for a result
 * every element of which is about to be written: zero-filling megabytes first costs
 * as much as a copy.
 */
export function allocateUninitializedLike<A extends TypedArray>(proto: A, length: number): A {
  // A subclass's constructor may not take (buffer, offset, length): let it allocate.
  if (!Buffer.isBuffer(proto) && !STANDARD_CONSTRUCTORS.has(proto.constructor)) return allocateLike(proto, length);
  // allocUnsafeSlow: memory of its own, never a slice of Buffer's shared pool.
  const bytes = Buffer.allocUnsafeSlow(length * proto.BYTES_PER_ELEMENT);
  if (Buffer.isBuffer(proto)) return bytes as unknown as A;
  return new (proto.constructor as TypedArrayViewConstructor)(bytes.buffer, 0, length) as A;
}

const STANDARD_CONSTRUCTORS = new Set<unknown>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
]);

/** A copy of `source` with its own memory (`Buffer#slice` would share it, so never slice). */
export function copyOf<A extends TypedArray>(source: A): A {
  const copy = allocateLike(source, source.length);
  asAny(copy).set(asAny(source));
  return copy;
}

/** A view (no copy) of elements [start, start + count) of `source`, of the same type. */
export function view<A extends TypedArray>(source: A, start: number, count: number): A {
  return asAny(source).subarray(start, start + count) as unknown as A;
}

/** Whether two typed arrays share any bytes. */
export function overlaps(a: TypedArray, b: TypedArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Copies `source` into `target` starting at element `offset`. */
export function writeAt(target: TypedArray, source: TypedArray, offset: number): void {
  asAny(target).set(asAny(source), offset);
}

/** Joins `parts` into one new array of `proto`'s element type. */
export function concatTyped<A extends TypedArray>(proto: A, parts: readonly TypedArray[]): A {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = allocateLike(proto, total);
  let offset = 0;
  for (const part of parts) {
    writeAt(out, part, offset);
    offset += part.length;
  }
  return out;
}

/** Element access through the structural view, for loops over either element type. */
export function asAny(array: TypedArray): AnyTypedArray {
  return array as unknown as AnyTypedArray;
}

function elementConstructor(array: TypedArray): unknown {
  return Buffer.isBuffer(array) ? Uint8Array : array.constructor;
}

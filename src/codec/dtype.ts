/**
 * Raw-bytes data types ("dtypes"): the binary values that travel as their own
 * bytes, without a serialization pass, when they are the whole message.
 *
 * A dtype code is a small positive integer that goes on the wire (the frame's
 * payload type byte), so the codes below are a protocol constant: never renumber.
 */
import { types } from 'node:util';
import { mpiError } from '../errors.js';

/** Every typed array class. Buffer is a Uint8Array subclass and is included through it. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The constructor of one of the {@link TypedArray} classes. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The stable wire codes of the raw-bytes types. 0 means "not a raw-bytes value". */
export const DTYPE = {
  Int8Array: 1,
  Uint8Array: 2,
  Uint8ClampedArray: 3,
  Int16Array: 4,
  Uint16Array: 5,
  Int32Array: 6,
  Uint32Array: 7,
  Float32Array: 8,
  Float64Array: 9,
  BigInt64Array: 10,
  BigUint64Array: 11,
  Buffer: 12,
  DataView: 13,
  ArrayBuffer: 14,
} as const;

/** One of the {@link DTYPE} codes. */
export type Dtype = (typeof DTYPE)[keyof typeof DTYPE];

/** The largest dtype code; payload type codes above it are not raw bytes. */
export const MAX_DTYPE = DTYPE.ArrayBuffer;

// Indexed by code. Buffer's slot holds Uint8Array because Buffer is built with
// Buffer.from/alloc, never with `new`; code 0 and the non-typed-array codes are empty.
const TYPED_CTORS: readonly (TypedArrayConstructor | undefined)[] = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  Uint8Array,
];

const NAMES: readonly string[] = Object.keys(DTYPE);

// Keyed by prototype rather than `constructor` so an own `constructor` property
// cannot fake a type; Buffer's prototype comes before Uint8Array's on the chain.
const CODE_BY_PROTO = new Map<object, Dtype>([
  [Int8Array.prototype, DTYPE.Int8Array],
  [Uint8Array.prototype, DTYPE.Uint8Array],
  [Uint8ClampedArray.prototype, DTYPE.Uint8ClampedArray],
  [Int16Array.prototype, DTYPE.Int16Array],
  [Uint16Array.prototype, DTYPE.Uint16Array],
  [Int32Array.prototype, DTYPE.Int32Array],
  [Uint32Array.prototype, DTYPE.Uint32Array],
  [Float32Array.prototype, DTYPE.Float32Array],
  [Float64Array.prototype, DTYPE.Float64Array],
  [BigInt64Array.prototype, DTYPE.BigInt64Array],
  [BigUint64Array.prototype, DTYPE.BigUint64Array],
  [Buffer.prototype, DTYPE.Buffer],
  [DataView.prototype, DTYPE.DataView],
]);

/**
 * The dtype code of a value that can travel as raw bytes: any typed array,
 * Buffer, DataView or ArrayBuffer (subclasses map to their built-in base).
 * Returns 0 for anything else, including SharedArrayBuffer.
 */
export function dtypeOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (ArrayBuffer.isView(value)) return viewCode(value);
  return types.isArrayBuffer(value) ? DTYPE.ArrayBuffer : 0;
}

function viewCode(view: ArrayBufferView): number {
  for (let proto = Object.getPrototypeOf(view); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const code = CODE_BY_PROTO.get(proto);
    if (code !== undefined) return code;
  }
  return 0;
}

/** Whether `dtype` is one of the {@link DTYPE} codes. */
export function isDtype(dtype: number): dtype is Dtype {
  return Number.isInteger(dtype) && dtype >= 1 && dtype <= MAX_DTYPE;
}

/** Whether `dtype` is a typed array code (Buffer included; DataView and ArrayBuffer not). */
export function isTypedArrayDtype(dtype: number): boolean {
  return isDtype(dtype) && dtype <= DTYPE.Buffer;
}

/** The class name of a dtype, for messages ("Float64Array"). */
export function dtypeName(dtype: number): string {
  return isDtype(dtype) ? NAMES[dtype - 1]! : `unknown dtype ${dtype}`;
}

/**
 * A Uint8Array over the same memory as `value` (no copy): the bytes a raw
 * message carries. Writing to the result writes to `value`.
 */
export function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (types.isArrayBuffer(value)) return new Uint8Array(value);
  throw mpiError('ERR_ARG', 'bytesOf needs a typed array, Buffer, DataView or ArrayBuffer');
}

/** Bytes per element: the typed array's BYTES_PER_ELEMENT, 1 for Buffer, DataView and ArrayBuffer. */
export function bytesPerElement(dtype: number): number {
  const ctor = TYPED_CTORS[dtype];
  if (ctor !== undefined) return ctor.BYTES_PER_ELEMENT;
  if (dtype === DTYPE.DataView || dtype === DTYPE.ArrayBuffer) return 1;
  throw unknownDtype(dtype);
}

/**
 * How many elements `byteLength` bytes of `dtype` hold (a Status count): typed
 * arrays count elements, Buffer, DataView and ArrayBuffer count bytes.
 * Throws ERR_ARG when the bytes are not a whole number of elements.
 */
export function elementCount(dtype: number, byteLength: number): number {
  const size = bytesPerElement(dtype);
  if (byteLength % size !== 0) throw partialElement(dtype, byteLength, size);
  return byteLength / size;
}

/**
 * The typed array class for `dtype`, for allocating results of a collective.
 * For Buffer this is Uint8Array (Buffer has no usable `new`): use
 * {@link createTypedArray} to get a real Buffer. Throws ERR_ARG for DataView,
 * ArrayBuffer and unknown codes.
 */
export function typedArrayConstructor(dtype: number): TypedArrayConstructor {
  const ctor = TYPED_CTORS[dtype];
  if (ctor === undefined) throw notTypedArray(dtype);
  return ctor;
}

/** A new zero-filled typed array of `length` elements of `dtype` (a Buffer for DTYPE.Buffer). */
export function createTypedArray(dtype: number, length: number): TypedArray {
  if (dtype === DTYPE.Buffer) return Buffer.alloc(length);
  return new (typedArrayConstructor(dtype))(length);
}

/**
 * Rebuilds a raw-bytes value of `dtype` from received bytes. The result is a
 * view over `bytes` (no copy) when it may be: `bytes` is longer than 64 bytes, fills
 * at least half of its buffer (see {@link pinsLargerBuffer}) and, for typed arrays,
 * starts at a multiple of the element size (typed arrays cannot start unaligned);
 * otherwise a copy. Up to 64 bytes the copy is the cheaper: V8 keeps such an array in
 * its own heap, and `bytes.buffer` is never asked for (that would move a small
 * `bytes` out of it).
 * A view can share its `.buffer` with other data: use byteOffset/length.
 * An ArrayBuffer is zero-copy only when `bytes` spans its whole buffer.
 * Throws ERR_ARG for an unknown dtype or a byte count that is not a whole
 * number of elements.
 */
export function fromBytes(dtype: number, bytes: Uint8Array): unknown {
  const count = elementCount(dtype, bytes.byteLength);
  const view = bytes.byteLength > SMALL_COPY_BYTES && !pinsLargerBuffer(bytes);
  switch (dtype) {
    case DTYPE.Buffer:
      return view ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
    case DTYPE.DataView:
      return view ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new DataView(arrayBufferOf(bytes));
    case DTYPE.ArrayBuffer:
      return arrayBufferOf(bytes);
    default:
      return typedView(typedArrayConstructor(dtype), bytes, count, view);
  }
}

/**
 * Whether keeping `bytes` would keep alive a buffer more than twice its size.
 *
 * Received bytes are usually part of something larger: a slab of small messages or a
 * batch of small frames. A view keeps all of it alive — an 8-byte array could pin
 * 64 KiB, a few thousand kept results hundreds of megabytes — so only a payload that
 * fills at least half of its buffer is viewed; smaller ones are copied (for arrays of
 * up to 64 bytes that is also faster: V8 keeps them in its own heap).
 */
export function pinsLargerBuffer(bytes: Uint8Array): boolean {
  return bytes.byteLength * 2 < bytes.buffer.byteLength;
}

function typedView(ctor: TypedArrayConstructor, bytes: Uint8Array, count: number, view: boolean): TypedArray {
  if (bytes.byteLength <= SMALL_COPY_BYTES) {
    // Through aligned scratch memory, so that neither `bytes.buffer` nor `copy.buffer` is
    // read: either would move a small array out of V8's heap (a new backing store each time).
    const copy = new ctor(count);
    SCRATCH_BYTES.set(bytes);
    copy.set(new ctor(SCRATCH, 0, count) as never);
    return copy;
  }
  if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) {
    // The cast only satisfies the BigInt64Array typings; every constructor accepts a SharedArrayBuffer too.
    const aligned = new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
    if (view) return aligned;
    const copy = new ctor(count);
    copy.set(aligned as never);
    return copy;
  }
  const copy = new ctor(count);
  new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength).set(bytes);
  return copy;
}

/**
 * V8 keeps typed arrays up to this size in its own heap, where they have no ArrayBuffer
 * until asked for one: received payloads this small are always copied, never asked for
 * their buffer.
 */
export const SMALL_COPY_BYTES = 64;
const SCRATCH = new ArrayBuffer(SMALL_COPY_BYTES);
const SCRATCH_BYTES = new Uint8Array(SCRATCH);

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (types.isArrayBuffer(buffer) && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    return buffer;
  }
  // Copied by hand: Buffer#slice would return a view, and the result must own exactly these bytes.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

function unknownDtype(dtype: number) {
  return mpiError('ERR_ARG', `unknown dtype ${String(dtype)}`);
}

function notTypedArray(dtype: number) {
  if (!isDtype(dtype)) return unknownDtype(dtype);
  return mpiError('ERR_ARG', `${dtypeName(dtype)} is not a typed array`);
}

function partialElement(dtype: number, byteLength: number, size: number) {
  return mpiError(
    'ERR_ARG',
    `${byteLength} bytes are not a whole number of ${dtypeName(dtype)} elements (${size} bytes each)`,
  );
}

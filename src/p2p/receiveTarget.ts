/**
 * Memory a receive names for its message, so that the bytes land there instead of in
 * a buffer of their own: a collective assembling its result, or a program receiving
 * into a buffer it reuses (mpi4py's `Recv(buf)`).
 */
import { mpiError, type MpiError } from '../errors.js';
import { countOf, encode } from '../codec/value.js';
import { bytesOf, dtypeName, dtypeOf, isDtype, typedArrayConstructor, type TypedArray } from '../codec/dtype.js';

/** Where a receive wants its message's payload. */
export interface ReceiveTarget {
  /**
   * What becomes of a payload of `ptype` and `bytes` bytes: the memory it is placed in;
   * an MpiError that fails the receive (`message` names the message, "the message from
   * rank 0 with tag 2", and is only called then); or undefined: it is received as a
   * value like any other.
   */
  accept(ptype: number, bytes: number, message: () => string): Uint8Array | MpiError | undefined;
  /** What the receive resolves with once `bytes` bytes are in place. */
  value(bytes: number): unknown;
  /** The Status count of `bytes` placed bytes of `ptype`. */
  count(ptype: number, bytes: number): number;
}

/**
 * For collectives: a raw message of exactly `array`'s type and length is placed in
 * `array`; any other message is received as usual.
 */
export function exactTargetOf(array: TypedArray): ReceiveTarget {
  const { bytes, ptype } = encode(array);
  return {
    accept: (type, length) => (type === ptype && length === bytes.byteLength ? bytes : undefined),
    value: () => array,
    count: countOf,
  };
}

/**
 * For a program's receive into `buf`: any raw message (typed array, Buffer, DataView
 * or ArrayBuffer) of at most `buf.byteLength` bytes, in whole elements of `buf`'s type,
 * is placed at the start of `buf`, its bytes taken as `buf`'s elements (as MPI does when
 * the types differ). The receive resolves with `buf` when the message filled it, else
 * with a view of the part it filled, and the Status counts `buf`'s elements (MPI's
 * count in the receive's type). Any other message fails the receive: ERR_TRUNCATE when
 * it is too long, ERR_ARG when it is not raw bytes or not whole elements.
 */
export function bufferTargetOf<B extends TypedArray>(buf: B): ReceiveTarget {
  const bytes = bytesOf(buf);
  const elementBytes = buf.BYTES_PER_ELEMENT;
  const into = (): string => `a ${dtypeName(dtypeOf(buf))} of ${bytes.byteLength} bytes`;
  return {
    accept: (ptype, length, message) => {
      if (!isDtype(ptype)) {
        return mpiError('ERR_ARG', `recvInto: ${message()} is not a typed array, Buffer, DataView or ArrayBuffer; receive it with recv(), not into ${into()}`);
      }
      if (length > bytes.byteLength) return mpiError('ERR_TRUNCATE', `recvInto: ${message()} has ${length} bytes and does not fit ${into()}`);
      if (length % elementBytes !== 0) {
        return mpiError('ERR_ARG', `recvInto: ${message()} has ${length} bytes, not a whole number of elements of ${into()}`);
      }
      return length === bytes.byteLength ? bytes : bytes.subarray(0, length);
    },
    value: (length) => (length === bytes.byteLength ? buf : leadingView(buf, length / elementBytes)),
    count: (_ptype, length) => length / elementBytes,
  };
}

/**
 * The first `length` elements of `buf`, made with the built-in class (Buffer for a
 * Buffer): `subarray` would call a subclass's own constructor, which may not take
 * (buffer, offset, length) or may throw.
 */
export function leadingView<B extends TypedArray>(buf: B, length: number): B {
  if (Buffer.isBuffer(buf)) return Buffer.from(buf.buffer, buf.byteOffset, length) as unknown as B;
  const View = typedArrayConstructor(dtypeOf(buf)) as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => B;
  return new View(buf.buffer, buf.byteOffset, length);
}

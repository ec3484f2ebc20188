/**
 * Memory a receive names for its message, so that the bytes land there instead of in
 * a buffer of their own: a collective assembling its result, or a program receiving
 * into a buffer it reuses (mpi4py's `Recv(buf)`).
 */
import { mpiError, type MpiError } from '../errors.js';
import { encode } from '../codec/value.js';
import { bytesOf, dtypeName, dtypeOf, isDtype, type TypedArray } from '../codec/dtype.js';

/** Where a receive wants its message's payload. */
export interface ReceiveTarget {
  /**
   * The memory a payload of `ptype` and `bytes` bytes is placed in, or undefined when
   * it does not go there (then {@link refusal} says what happens instead).
   */
  place(ptype: number, bytes: number): Uint8Array | undefined;
  /**
   * Why a payload that {@link place} declined fails the receive (`message` names it,
   * "the message from rank 0 with tag 2"); undefined: it is received as a value like
   * any other.
   */
  refusal(ptype: number, bytes: number, message: string): MpiError | undefined;
  /** What the receive resolves with once `bytes` bytes are in place. */
  value(bytes: number): unknown;
}

/**
 * For collectives: a raw message of exactly `array`'s type and length is placed in
 * `array`; any other message is received as usual.
 */
export function exactTargetOf(array: TypedArray): ReceiveTarget {
  const { bytes, ptype } = encode(array);
  return {
    place: (type, length) => (type === ptype && length === bytes.byteLength ? bytes : undefined),
    refusal: () => undefined,
    value: () => array,
  };
}

/**
 * For a program's receive into `buf`: any raw message (typed array, Buffer, DataView
 * or ArrayBuffer) of at most `buf.byteLength` bytes, in whole elements of `buf`'s type,
 * is placed at the start of `buf`. The receive resolves with `buf` when the message
 * filled it, else with the view of `buf` it filled. Any other message fails the receive:
 * ERR_TRUNCATE when it is too long, ERR_ARG when it is not raw bytes or not whole
 * elements.
 */
export function bufferTargetOf<B extends TypedArray>(buf: B): ReceiveTarget {
  const bytes = bytesOf(buf);
  const elementBytes = buf.BYTES_PER_ELEMENT;
  const fits = (ptype: number, length: number): boolean =>
    isDtype(ptype) && length <= bytes.byteLength && length % elementBytes === 0;
  return {
    place: (ptype, length) => {
      if (!fits(ptype, length)) return undefined;
      return length === bytes.byteLength ? bytes : bytes.subarray(0, length);
    },
    refusal: (ptype, length, message) => {
      const into = `a ${dtypeName(dtypeOf(buf))} of ${bytes.byteLength} bytes`;
      if (!isDtype(ptype)) return mpiError('ERR_ARG', `recvInto: ${message} is not a typed array, Buffer, DataView or ArrayBuffer; receive it with recv(), not into ${into}`);
      if (length > bytes.byteLength) return mpiError('ERR_TRUNCATE', `recvInto: ${message} has ${length} bytes and does not fit ${into}`);
      return mpiError('ERR_ARG', `recvInto: ${message} has ${length} bytes, not a whole number of elements of ${into}`);
    },
    value: (length) => (length === bytes.byteLength ? buf : buf.subarray(0, length / elementBytes)),
  };
}

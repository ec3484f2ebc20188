/**
 * The message value codec: turns any sendable value into a payload type
 * (`ptype`, one byte on the wire) and payload bytes, and back.
 *
 * - ptype {@link PTYPE_VALUE} (0): a structured value, MessagePack (structured.ts).
 * - ptype 1..MAX_DTYPE: a typed array, Buffer, DataView or ArrayBuffer that was
 *   the whole message, as its raw bytes (dtype.ts): no serialization pass.
 * - ptype {@link PTYPE_UNDEFINED}: `undefined`, with no bytes (barriers send it).
 *
 * Structured values follow the structured-clone algorithm, with these known
 * differences: non-index properties of arrays are dropped (finding them would cost a
 * key list of every array sent); an array with holes that refers back to itself
 * is refused; typed arrays that shared an ArrayBuffer
 * arrive with separate buffers; an Error keeps its own enumerable fields that
 * hold primitives (clone drops all fields; others are dropped here too) and its
 * name even when it is not a built-in one, but arrives as an instance of Error
 * or of the built-in class it names; an Error reachable from its own cause is
 * refused; `arguments` objects are sent as plain objects; getters run twice.
 */
import { mpiError } from '../errors.js';
import { DTYPE, bytesOf, bytesPerElement, dtypeName, dtypeOf, elementCount, fromBytes, isDtype } from './dtype.js';
import { checkStructured, decodeStructured, encodeStructured } from './structured.js';

/** Payload type of a structured value encoded with MessagePack. */
export const PTYPE_VALUE = 0;

/** Payload type of `undefined`, which has no payload bytes. Above every dtype code. */
export const PTYPE_UNDEFINED = 255;

/** A value ready for the wire. */
export interface Encoded {
  /** {@link PTYPE_VALUE}, a dtype code, or {@link PTYPE_UNDEFINED}. */
  ptype: number;
  /**
   * The payload. For raw dtypes it is a view over the sent value's own memory
   * (the value must not change until it is sent). Otherwise it is msgpackr's
   * output, a Buffer whose memory later encodes never overwrite (mind that
   * Buffer#slice makes a view, not a copy).
   */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Encodes a message value. A typed array, Buffer, DataView or ArrayBuffer as
 * the whole value travels as its raw bytes (zero-copy view); anything else is
 * encoded with structured-clone semantics. Throws ERR_ARG, naming the part and
 * where it is, if the value holds something that cannot be sent.
 */
export function encode(value: unknown): Encoded {
  if (value === undefined) return { ptype: PTYPE_UNDEFINED, bytes: EMPTY };
  const dtype = dtypeOf(value);
  if (dtype !== 0) return { ptype: dtype, bytes: bytesOf(value as ArrayBufferView | ArrayBuffer) };
  return { ptype: PTYPE_VALUE, bytes: encodeStructured(value) };
}

/**
 * Throws ERR_ARG, as `encode` would, if `value` cannot be sent — without encoding it.
 * Collectives call it on every rank, so a bad value fails everywhere instead of
 * failing on the one rank that encodes it and leaving the others waiting.
 */
export function checkSendable(value: unknown): void {
  if (value === undefined || dtypeOf(value) !== 0) return;
  checkStructured(value);
}

/**
 * Decodes a received payload. A raw typed array is a view over `bytes` when they
 * are longer than 64 bytes, aligned and fill most of their buffer, else a copy (see
 * fromBytes). Throws ERR_OTHER if the bytes are not a valid payload of that type,
 * or the ptype is unknown.
 */
export function decode(ptype: number, bytes: Uint8Array): unknown {
  if (ptype === PTYPE_VALUE) return decodeStructured(bytes);
  if (ptype === PTYPE_UNDEFINED) {
    if (bytes.byteLength !== 0) throw corrupt(`undefined has no payload, got ${bytes.byteLength} bytes`);
    return undefined;
  }
  if (!isDtype(ptype)) throw corrupt(`unknown payload type ${ptype}`);
  if (bytes.byteLength % bytesPerElement(ptype) !== 0) {
    throw corrupt(`${bytes.byteLength} bytes are not a whole number of ${dtypeName(ptype)} elements`);
  }
  return fromBytes(ptype, bytes);
}

/**
 * The Status count of a payload, as API.md defines it: elements for a raw typed array
 * (bytes for a Buffer), 1 for anything else — a DataView or ArrayBuffer, a structured
 * value, undefined. Throws ERR_ARG for an unknown ptype or a partial element.
 */
export function countOf(ptype: number, byteLength: number): number {
  if (ptype === PTYPE_VALUE || ptype === PTYPE_UNDEFINED || ptype === DTYPE.DataView || ptype === DTYPE.ArrayBuffer) return 1;
  return elementCount(ptype, byteLength);
}

function corrupt(message: string) {
  return mpiError('ERR_OTHER', `received payload is corrupt: ${message}`);
}

/**
 * Structured values on the wire: msgpackr with structured-clone semantics.
 *
 * One Packr and one Unpackr serve the whole process: building one per call
 * would cost more than encoding a small message. They use msgpackr's
 * records, which are safe between independent processes here: with no
 * `structures`/`saveStructures` option every record definition is written inline
 * in the message that uses it, and an untrusted Unpackr forgets them after each
 * message, so a decoder needs no state shared with the encoder. Records are also
 * what makes msgpackr's cycle support work: with `useRecords: false` a cyclic
 * plain object fails to decode, and Maps decode as objects.
 */
import { C1, Packr, Unpackr, type Options } from 'msgpackr';
import { MpiError, mpiError } from '../errors.js';
import { installExtensions } from './extensions.js';
import { inspect } from './inspect.js';
import { rewriteForWire } from './rewrite.js';

installExtensions();

const OPTIONS: Options = {
  structuredClone: true,
  // Structured clone ignores toJSON; a class instance is sent as its own fields.
  useToJSON: false,
  // A nested Buffer must not alias the received frame, which the transport owns.
  copyBuffers: true,
};

const packr = new Packr(OPTIONS);
const unpackr = new Unpackr(OPTIONS);

/**
 * Encodes any sendable value as MessagePack. Throws ERR_ARG, before anything is
 * encoded, if some part cannot be sent.
 */
export function encodeStructured(value: unknown): Uint8Array {
  try {
    return packr.pack(inspect(value) ? rewriteForWire(value) : value);
  } catch (error) {
    throw sendError(error);
  }
}

/** Throws the ERR_ARG {@link encodeStructured} would throw for `value`, without encoding it. */
export function checkStructured(value: unknown): void {
  try {
    inspect(value);
  } catch (error) {
    throw sendError(error);
  }
}

/** What reading a value threw (a getter, a revoked Proxy), as the ERR_ARG of a value that cannot be sent. */
function sendError(error: unknown): MpiError {
  return error instanceof MpiError ? error : mpiError('ERR_ARG', `cannot send the value: ${reasonOf(error)}`);
}

/** Decodes bytes written by {@link encodeStructured}. Throws ERR_OTHER if they are not a valid value. */
export function decodeStructured(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = unpackr.unpack(asBuffer(bytes));
  } catch (error) {
    throw mpiError('ERR_OTHER', `received bytes are not a valid value: ${reasonOf(error)}`);
  }
  // msgpackr answers the reserved byte 0xC1 with a marker object instead of failing.
  if (value === C1) throw mpiError('ERR_OTHER', 'received bytes are not a valid value: reserved byte 0xc1');
  return value;
}

// Nested binary data decodes as Buffer only when the source is a Buffer.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function reasonOf(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'it is nested too deeply';
  return error instanceof Error ? error.message : String(error);
}

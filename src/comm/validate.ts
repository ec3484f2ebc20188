/**
 * Argument checks shared by communicator methods. They run before anything is sent,
 * so a bad argument never leaves half an operation behind.
 */
import { ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB } from '../constants.js';
import { mpiError } from '../errors.js';
import type { TypedArray } from '../codec/dtype.js';
import { isTypedArray, overlaps, sameElementType } from '../coll/typedArray.js';
import { describeValue } from '../ops.js';

/** A destination: a rank of the communicator or PROC_NULL. */
export function checkDest(dest: number, size: number, what = 'destination'): void {
  if (!Number.isInteger(dest) || dest === ANY_SOURCE || (dest !== PROC_NULL && (dest < 0 || dest >= size))) {
    throw mpiError('ERR_RANK', `invalid ${what} rank ${String(dest)} (communicator size ${size})`);
  }
}

/** A source: a rank, ANY_SOURCE or PROC_NULL. */
export function checkSource(source: number, size: number): void {
  if (!Number.isInteger(source) || (source !== ANY_SOURCE && source !== PROC_NULL && (source < 0 || source >= size))) {
    throw mpiError('ERR_RANK', `invalid source rank ${String(source)} (communicator size ${size})`);
  }
}

/** A tag for sending: 0…TAG_UB. */
export function checkSendTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > TAG_UB) {
    throw mpiError('ERR_TAG', `invalid tag ${String(tag)} (tags are integers 0…${TAG_UB})`);
  }
}

/** A tag for receiving: 0…TAG_UB or ANY_TAG. */
export function checkRecvTag(tag: number): void {
  if (tag !== ANY_TAG) checkSendTag(tag);
}

/** A collective root: a rank of the communicator. */
export function checkRoot(root: number, size: number): void {
  if (!Number.isInteger(root) || root < 0 || root >= size) {
    throw mpiError('ERR_ROOT', `invalid root ${String(root)} (communicator size ${size})`);
  }
}

/** A buffer to receive into: a typed array or Buffer (not a DataView: it has no elements to view). */
export function checkReceiveBuffer(buf: unknown): asserts buf is TypedArray {
  if (!isTypedArray(buf)) {
    throw mpiError('ERR_ARG', `a receive into a buffer needs a typed array or Buffer, got ${describeValue(buf)}`);
  }
}

/** `out` can take the allreduce of typed array `data`: same type and length, and either `data`'s memory or apart from it. */
export function checkReductionTarget(data: unknown, out: unknown): asserts out is TypedArray {
  if (!isTypedArray(data)) throw mpiError('ERR_ARG', `allreduceInto reduces a typed array, got ${describeValue(data)}`);
  if (!isTypedArray(out) || !sameElementType(out, data)) {
    throw mpiError('ERR_ARG', `allreduceInto needs \`out\` to be a ${describeValue(data)} like \`data\`, got ${describeValue(out)}`);
  }
  if (out.length !== data.length) {
    throw mpiError('ERR_COUNT', `allreduceInto: \`out\` has ${out.length} elements, \`data\` ${data.length}`);
  }
  const sameMemory = out.buffer === data.buffer && out.byteOffset === data.byteOffset;
  if (!sameMemory && overlaps(out, data)) throw mpiError('ERR_ARG', 'allreduceInto: `out` overlaps `data` without being the same memory');
}

/**
 * Argument checks of window operations. They run at the origin before anything is
 * sent, so a bad call fails on the rank that made it and never reaches a target.
 */
import { PROC_NULL } from '../constants.js';
import { allocateLike, isBigIntArray, isTypedArray, sameElementType, typedArrayName, type TypedArray } from '../coll/typedArray.js';
import { mpiError } from '../errors.js';
import { BAND, BOR, BXOR, LAND, LOR, LXOR, MAX, MIN, NO_OP, Op, PROD, REPLACE, SUM } from '../ops.js';
import type { Element } from './memory.js';
import type { LockKind } from './protocol.js';

/** The ops a target can apply: the predefined ones (a user op's function cannot travel). */
const OPS_BY_NAME = new Map<string, Op>([SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, REPLACE, NO_OP].map((op) => [op.name, op]));

/** The predefined op named `name` (as sent by an origin). */
export function opNamed(name: string): Op {
  const op = OPS_BY_NAME.get(name);
  if (!op) throw mpiError('ERR_OP', `${name} is not an op a window can apply`);
  return op;
}

/** A target: a rank of the window's communicator, or PROC_NULL when `allowProcNull`. */
export function checkTarget(target: number, size: number, allowProcNull: boolean): void {
  const inRange = Number.isInteger(target) && target >= 0 && target < size;
  if (!inRange && !(allowProcNull && target === PROC_NULL)) {
    throw mpiError('ERR_RANK', `invalid target rank ${String(target)} (window communicator size ${size})`);
  }
}

/** Elements [offset, offset + count) must lie inside the target's window of `windowSize` elements. */
export function checkRange(target: number, offset: number, count: number, windowSize: number): void {
  if (!Number.isInteger(offset) || offset < 0) {
    throw mpiError('ERR_ARG', `target offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw mpiError('ERR_ARG', `count must be a non-negative integer, got ${String(count)}`);
  }
  if (offset + count > windowSize) {
    throw mpiError(
      'ERR_ARG',
      `elements ${offset}…${offset + count - 1} are outside the window of rank ${target} (window size ${windowSize} elements)`,
    );
  }
}

/** Origin data must be a typed array of the window's element type. */
export function checkData(data: unknown, memory: TypedArray): asserts data is TypedArray {
  if (!isTypedArray(data) || !sameElementType(data, memory)) {
    const got = isTypedArray(data) ? typedArrayName(data) : typeof data;
    throw mpiError('ERR_ARG', `the window holds ${typedArrayName(memory)} elements; got ${got}`);
  }
}

/** A single element value: a bigint for bigint windows, a number otherwise. */
export function checkElement(value: unknown, memory: TypedArray, what: string): asserts value is Element {
  const wanted = isBigIntArray(memory) ? 'bigint' : 'number';
  if (typeof value !== wanted) {
    throw mpiError('ERR_ARG', `${what} must be a ${wanted} for a ${typedArrayName(memory)} window, got ${typeof value}`);
  }
}

/**
 * The op must be a predefined op that applies to the window's element type
 * (e.g. BAND does not apply to floats): ERR_OP otherwise.
 */
export function checkOp(op: unknown, memory: TypedArray): asserts op is Op {
  if (!(op instanceof Op) || OPS_BY_NAME.get(op.name) !== op) {
    throw mpiError('ERR_OP', `windows apply only predefined ops (SUM, MAX, REPLACE, …), got ${String(op)}`);
  }
  // Zero elements: the op checks the element type and computes nothing.
  op.applyInto(allocateLike(memory, 0), allocateLike(memory, 0), true);
}

/** A lock kind: 'exclusive' or 'shared'. */
export function checkLockKind(kind: unknown): asserts kind is LockKind {
  if (kind !== 'exclusive' && kind !== 'shared') {
    throw mpiError('ERR_ARG', `lock kind must be 'exclusive' or 'shared', got ${String(kind)}`);
  }
}

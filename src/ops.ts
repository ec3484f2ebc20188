/**
 * Reduction operators: the built-in MPI ops and user ops made with `Op.create`.
 *
 * Built-in ops combine numbers, bigints and booleans, and work element-wise on
 * plain arrays (recursively) and typed arrays. Value rules, chosen to match MPI
 * where JavaScript allows:
 * - Logical ops (LAND LOR LXOR): booleans give booleans; numbers give 1 or 0 and
 *   bigints 1n or 0n, with C's truth rule (anything but zero is true, NaN included).
 * - Bitwise ops (BAND BOR BXOR): bigints exactly; numbers and integer typed arrays
 *   with 32-bit integer semantics; float typed arrays are refused (as in MPI).
 * - Integer typed arrays wrap like C integers (PROD uses 32-bit multiplication so
 *   no precision is lost before the wrap).
 * - MAXLOC / MINLOC take `[value, index]` pairs (or arrays of them); on equal
 *   values the lower index wins.
 * - REPLACE gives the right operand (the later rank's value), NO_OP the left one;
 *   they accept any value.
 * A value the op does not apply to fails with ERR_OP; arrays of different lengths
 * fail with ERR_COUNT.
 */
import { mpiError } from './errors.js';
import { elementLoop, type Expression, type Loop, type NumberArray } from './loops.js';
import {
  allocateLike,
  asAny,
  copyOf,
  isBigIntArray,
  isTypedArray,
  sameElementType,
  typedArrayName,
  writeAt,
  type TypedArray,
} from './coll/typedArray.js';

export type { TypedArray } from './coll/typedArray.js';

/** A MAXLOC / MINLOC operand: a value and the index (usually a rank) it came from. */
export type ValueIndexPair = [value: number | bigint, index: number];

/** The scalar functions of one built-in op, per kind of operand. */
interface Kernels {
  /** Plain numbers and float typed-array elements. */
  readonly number?: (a: number, b: number) => number;
  /** Integer typed-array elements, when they need other arithmetic than `number`. */
  readonly integer?: (a: number, b: number) => number;
  readonly bigint?: (a: bigint, b: bigint) => bigint;
  readonly boolean?: (a: boolean, b: boolean) => boolean;
  readonly pair?: (a: ValueIndexPair, b: ValueIndexPair) => ValueIndexPair;
  /** False for bitwise ops, which MPI does not define on floating point. */
  readonly onFloatArrays?: boolean;
  /**
   * A loop of its own (see loops.ts) doing `number` over whole non-bigint typed arrays
   * (and `integerLoop` over integer ones). The generic loop calls the kernel per element
   * and, shared by every op and element type, goes megamorphic — several times
   * slower — so the ops large reductions use get their own loops. {@link builtin} makes
   * them from `numberSource` / `integerSource`.
   */
  readonly numberLoop?: Loop;
  readonly integerLoop?: Loop;
}

/** A built-in op's kernels, and the source of its loops: `number` (`integer`) written as an expression. */
interface BuiltinSpec extends Omit<Kernels, 'numberLoop' | 'integerLoop'> {
  readonly numberSource?: Expression;
  readonly integerSource?: Expression;
}

/** How an op combines two values. Not part of the public API. */
export type OpBehaviour =
  | { readonly kind: 'elementwise'; readonly kernels: Kernels }
  | { readonly kind: 'select'; readonly pick: 'left' | 'right' }
  | { readonly kind: 'user'; readonly fn: (a: unknown, b: unknown) => unknown };

/** A reduction operator: `apply(a, b)` is a ∘ b. */
export class Op {
  /** The op's name ("SUM", or "USER:<function name>" for user ops). */
  readonly name: string;
  /** Whether a ∘ b = b ∘ a; non-commutative ops are applied in rank order. */
  readonly commute: boolean;
  /** True for the predefined ops, which may reduce typed arrays in place. */
  readonly builtin: boolean;
  readonly #behaviour: OpBehaviour;

  /** Internal: use the exported constants or `Op.create`. */
  constructor(name: string, commute: boolean, behaviour: OpBehaviour) {
    this.name = name;
    this.commute = commute;
    this.builtin = behaviour.kind !== 'user';
    this.#behaviour = behaviour;
  }

  /**
   * A user op: `fn(a, b)` returns a ∘ b and must be associative. Like an MPI user
   * function overwriting `inoutvec`, it may modify an operand and return it: collectives
   * only hand it values they alone hold (copies of the caller's data, keeping a class
   * instance's prototype), never the caller's data itself. Pass `commute = false` when
   * a ∘ b may differ from b ∘ a; such an op is applied in rank order a0 ∘ a1 ∘ … ∘ a(n-1).
   * An error it throws reaches the caller of the collective unchanged.
   */
  static create<T>(fn: (a: T, b: T) => T, commute = true): Op {
    if (typeof fn !== 'function') {
      throw mpiError('ERR_ARG', `Op.create needs a function (a, b) => value, got ${describeValue(fn)}`);
    }
    if (typeof commute !== 'boolean') {
      throw mpiError('ERR_ARG', `Op.create: commute must be a boolean, got ${describeValue(commute)}`);
    }
    const name = fn.name ? `USER:${fn.name}` : 'USER';
    return new Op(name, commute, { kind: 'user', fn: fn as (a: unknown, b: unknown) => unknown });
  }

  /**
   * Returns a ∘ b. Element-wise built-ins return a new value; REPLACE and NO_OP
   * return the chosen operand itself; no built-in modifies `a` or `b`.
   */
  apply<T>(a: T, b: T): T {
    const behaviour = this.#behaviour;
    switch (behaviour.kind) {
      case 'user':
        return callUserFn(behaviour.fn, a, b) as T;
      case 'select':
        if (isTypedArray(a) && isTypedArray(b)) checkSameShape(this, a, b);
        return behaviour.pick === 'left' ? a : b;
      case 'elementwise':
        return combine(this, behaviour.kernels, a, b) as T;
    }
  }

  /**
   * @internal Throws what `apply(value, value)` would throw when this op cannot combine values
   * like `value`, without combining them: for a typed array nothing is computed or allocated.
   * A user op is never called.
   */
  checkOperand(value: unknown): void {
    const behaviour = this.#behaviour;
    if (behaviour.kind === 'user') return;
    if (isTypedArray(value)) {
      if (behaviour.kind === 'elementwise') typedKernel(this, behaviour.kernels, value, value, value);
      return;
    }
    this.apply(value, value);
  }

  /**
   * @internal In place: `target` becomes target ∘ other when `targetIsLeft`, else other ∘ target.
   * Built-in ops allocate nothing, so large reductions can reuse one buffer per call.
   * Fails with ERR_COUNT when the lengths differ and ERR_OP when the element types do.
   */
  applyInto(target: TypedArray, other: TypedArray, targetIsLeft: boolean): void {
    if (targetIsLeft) this.applyTo(target, target, other);
    else this.applyTo(target, other, target);
  }

  /**
   * @internal `out` becomes left ∘ right; `out` may be `left` or `right` itself. Lets a reduction
   * write its result straight into its final place instead of reducing, then copying.
   * Fails with ERR_COUNT when the lengths differ and ERR_OP when the element types do.
   */
  applyTo(out: TypedArray, left: TypedArray, right: TypedArray): void {
    checkSameShape(this, left, right);
    checkSameShape(this, out, left);
    const behaviour = this.#behaviour;
    switch (behaviour.kind) {
      case 'user': {
        // A user function may overwrite an operand, as MPI's do: it gets copies of all but
        // `out` (overwritten anyway), so the caller's input and shared messages stay intact.
        const a = left === out ? left : copyOf(left);
        const b = right === out ? right : copyOf(right);
        storeUserResult(this, out, callUserFn(behaviour.fn, a, b));
        return;
      }
      case 'select': {
        const picked = behaviour.pick === 'left' ? left : right;
        if (picked !== out) writeAt(out, picked, 0);
        return;
      }
      case 'elementwise':
        combineTypedInto(this, behaviour.kernels, out, left, right);
        return;
    }
  }

  toString(): string {
    return `Op(${this.name})`;
  }
}

function builtin(name: string, spec: BuiltinSpec): Op {
  const { numberSource, integerSource, ...scalar } = spec;
  const kernels: Kernels = {
    ...scalar,
    numberLoop: numberSource && scalar.number ? elementLoop(scalar.number, numberSource) : undefined,
    integerLoop: integerSource && scalar.integer ? elementLoop(scalar.integer, integerSource) : undefined,
  };
  return new Op(name, true, { kind: 'elementwise', kernels });
}

const isTrue = (x: number): boolean => x !== 0;
const bit = (x: boolean): number => (x ? 1 : 0);
const bigBit = (x: boolean): bigint => (x ? 1n : 0n);

/** Sum. */
export const SUM = builtin('SUM', {
  number: (a, b) => a + b,
  bigint: (a, b) => a + b,
  numberSource: (a, b) => `${a} + ${b}`,
});
/** Product. */
export const PROD = builtin('PROD', {
  number: (a, b) => a * b,
  integer: Math.imul,
  bigint: (a, b) => a * b,
  numberSource: (a, b) => `${a} * ${b}`,
  integerSource: (a, b) => `Math.imul(${a}, ${b})`,
});
/** Maximum (NaN wins, like Math.max). */
export const MAX = builtin('MAX', {
  number: Math.max,
  bigint: (a, b) => (a > b ? a : b),
  numberSource: (a, b) => `Math.max(${a}, ${b})`,
});
/** Minimum (NaN wins, like Math.min). */
export const MIN = builtin('MIN', {
  number: Math.min,
  bigint: (a, b) => (a < b ? a : b),
  numberSource: (a, b) => `Math.min(${a}, ${b})`,
});
/** Logical and. */
export const LAND = builtin('LAND', {
  number: (a, b) => bit(isTrue(a) && isTrue(b)),
  bigint: (a, b) => bigBit(a !== 0n && b !== 0n),
  boolean: (a, b) => a && b,
});
/** Logical or. */
export const LOR = builtin('LOR', {
  number: (a, b) => bit(isTrue(a) || isTrue(b)),
  bigint: (a, b) => bigBit(a !== 0n || b !== 0n),
  boolean: (a, b) => a || b,
});
/** Logical exclusive or. */
export const LXOR = builtin('LXOR', {
  number: (a, b) => bit(isTrue(a) !== isTrue(b)),
  bigint: (a, b) => bigBit((a !== 0n) !== (b !== 0n)),
  boolean: (a, b) => a !== b,
});
/** Bitwise and. */
export const BAND = builtin('BAND', {
  number: (a, b) => a & b,
  bigint: (a, b) => a & b,
  onFloatArrays: false,
});
/** Bitwise or. */
export const BOR = builtin('BOR', {
  number: (a, b) => a | b,
  bigint: (a, b) => a | b,
  onFloatArrays: false,
});
/** Bitwise exclusive or. */
export const BXOR = builtin('BXOR', {
  number: (a, b) => a ^ b,
  bigint: (a, b) => a ^ b,
  onFloatArrays: false,
});
/** Maximum of `[value, index]` pairs; equal values keep the lower index. */
export const MAXLOC = builtin('MAXLOC', { pair: (a, b) => pickPair(a, b, a[0] > b[0], b[0] > a[0]) });
/** Minimum of `[value, index]` pairs; equal values keep the lower index. */
export const MINLOC = builtin('MINLOC', { pair: (a, b) => pickPair(a, b, a[0] < b[0], b[0] < a[0]) });
/** The right operand: the value of the later rank. */
export const REPLACE = new Op('REPLACE', false, { kind: 'select', pick: 'right' });
/** The left operand: the value of the earlier rank. */
export const NO_OP = new Op('NO_OP', false, { kind: 'select', pick: 'left' });

/** Chooses between two pairs; incomparable values (NaN) fall back to the lower index. */
function pickPair(a: ValueIndexPair, b: ValueIndexPair, aWins: boolean, bWins: boolean): ValueIndexPair {
  if (aWins) return [a[0], a[1]];
  if (bWins) return [b[0], b[1]];
  if (a[0] === b[0]) return [a[0], Math.min(a[1], b[1])];
  return a[1] <= b[1] ? [a[0], a[1]] : [b[0], b[1]];
}

function isPair(value: unknown): value is ValueIndexPair {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (typeof value[0] === 'number' || typeof value[0] === 'bigint') &&
    typeof value[1] === 'number'
  );
}

/** a ∘ b for an element-wise op, recursing into plain arrays. */
function combine(op: Op, kernels: Kernels, a: unknown, b: unknown): unknown {
  if (isTypedArray(a) && isTypedArray(b)) {
    checkSameShape(op, a, b);
    const out = allocateLike(a, a.length);
    combineTypedInto(op, kernels, out, a, b);
    return out;
  }
  if (kernels.pair && isPair(a) && isPair(b)) return kernels.pair(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      throw mpiError('ERR_COUNT', `${op.name}: arrays of different lengths (${a.length} and ${b.length})`);
    }
    return a.map((x, i) => combine(op, kernels, x, b[i]));
  }
  if (typeof a === 'number' && typeof b === 'number' && kernels.number) return kernels.number(a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint' && kernels.bigint) return kernels.bigint(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean' && kernels.boolean) return kernels.boolean(a, b);
  throw unsupported(op, a, b);
}

/** out[i] = left[i] ∘ right[i]; `out` may be `left` or `right`. */
function combineTypedInto(op: Op, kernels: Kernels, out: TypedArray, left: TypedArray, right: TypedArray): void {
  const kernel = typedKernel(op, kernels, out, left, right);
  if (kernel.kind === 'bigint') elementwise(out as BigInt64Array, left as BigInt64Array, right as BigInt64Array, kernel.f);
  else if (kernel.loop) kernel.loop(out as NumberArray, left as NumberArray, right as NumberArray);
  else elementwise(out as NumberArray, left as NumberArray, right as NumberArray, kernel.f);
}

type TypedKernel =
  | { readonly kind: 'bigint'; readonly f: (a: bigint, b: bigint) => bigint }
  | { readonly kind: 'number'; readonly f: (a: number, b: number) => number; readonly loop: Loop | undefined };

/** How `kernels` combine typed arrays like `array`; throws ERR_OP (naming `left` and `right`) when they cannot. */
function typedKernel(op: Op, kernels: Kernels, array: TypedArray, left: unknown, right: unknown): TypedKernel {
  if (isBigIntArray(array)) {
    const f = kernels.bigint;
    if (!f) throw unsupported(op, left, right);
    return { kind: 'bigint', f };
  }
  const isFloat = array instanceof Float64Array || array instanceof Float32Array;
  const f = isFloat ? kernels.number : (kernels.integer ?? kernels.number);
  if (!f || (isFloat && kernels.onFloatArrays === false)) throw unsupported(op, left, right);
  const loop = isFloat ? kernels.numberLoop : (kernels.integerLoop ?? (kernels.integer ? undefined : kernels.numberLoop));
  return { kind: 'number', f, loop };
}

function elementwise<E>(
  out: { [i: number]: E; length: number },
  left: { [i: number]: E },
  right: { [i: number]: E },
  f: (a: E, b: E) => E,
): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(left[i]!, right[i]!);
}

/** ERR_COUNT for different lengths, ERR_OP for different element types. */
function checkSameShape(op: Op, a: TypedArray, b: TypedArray): void {
  if (a.length !== b.length) {
    throw mpiError('ERR_COUNT', `${op.name}: typed arrays of different lengths (${a.length} and ${b.length})`);
  }
  if (!sameElementType(a, b)) throw unsupported(op, a, b);
}

function storeUserResult(op: Op, target: TypedArray, result: unknown): void {
  if (result === target) return;
  if (!isTypedArray(result) || !sameElementType(result, target)) {
    throw mpiError('ERR_OP', `${op.name} returned ${describeValue(result)} for ${typedArrayName(target)} operands`);
  }
  if (result.length !== target.length) {
    throw mpiError('ERR_COUNT', `${op.name} returned ${result.length} elements for operands of ${target.length}`);
  }
  asAny(target).set(asAny(result));
}

function unsupported(op: Op, a: unknown, b: unknown): Error {
  const kinds = describeValue(a) === describeValue(b) ? describeValue(a) : `${describeValue(a)} and ${describeValue(b)}`;
  return mpiError('ERR_OP', `${op.name} does not apply to ${kinds}`);
}

/** A value's kind for error messages: "Float64Array", "array", "Map", "number", "null". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (isTypedArray(value)) return typedArrayName(value);
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/** Calls a user op's function, marking what it throws as its own (see isUserOpError). */
function callUserFn(fn: (a: unknown, b: unknown) => unknown, a: unknown, b: unknown): unknown {
  try {
    return fn(a, b);
  } catch (err) {
    if (typeof err === 'object' && err !== null) userOpErrors.add(err);
    throw err;
  }
}

/** Errors thrown by user ops' functions, which collectives pass on as they are. */
const userOpErrors = new WeakSet<object>();

/** @internal Whether `err` was thrown by a user op's function (anything not an object counts). */
export function isUserOpError(err: unknown): boolean {
  return typeof err !== 'object' || err === null || userOpErrors.has(err);
}

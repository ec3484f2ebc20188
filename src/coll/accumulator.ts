/**
 * A running reduction value that knows which side new operands go on, and reduces
 * typed arrays in place once it owns its buffer: the first combine allocates the
 * result (or writes it to the memory the caller named), every later one writes into
 * it, so a reduction over log p or p steps allocates at most once per call rather
 * than once per step.
 *
 * A user op may modify its operands, as MPI's user functions overwrite `inoutvec`
 * and ported code does: it is only ever given values this accumulator alone holds, so
 * the caller's data and a message another accumulator also folds stay as they were.
 */
import type { Op } from '../ops.js';
import { copyOf, isTypedArray, type TypedArray } from './typedArray.js';

/** A reduction in progress: operands are added on the side of the ranks they cover. */
export class Accumulator<T> {
  #value: T;
  /** True once `#value` is memory this accumulator may overwrite. */
  #owned: boolean;

  /**
   * @param initial the first operand; never modified unless `owned` says it may be
   *   (pass true only for a value nobody else holds, such as a received message
   *   used nowhere else).
   * @param destination where a built-in op's first combine of typed arrays writes its
   *   result instead of new memory: an array of the operands' type and length, which
   *   may be `initial` itself once nothing still reads it.
   */
  constructor(
    private readonly op: Op,
    initial: T,
    owned = false,
    private readonly destination?: TypedArray,
  ) {
    this.#value = initial;
    this.#owned = owned;
  }

  /** The reduction so far. Do not modify it; it may be the caller's own value. */
  get value(): T {
    return this.#value;
  }

  /**
   * value = value ∘ other, for an `other` that covers later ranks. `other` is not
   * modified unless `otherOwned` says nobody else holds it.
   */
  appendRight(other: T, otherOwned = false): void {
    this.#combine(other, true, otherOwned);
  }

  /**
   * value = other ∘ value, for an `other` that covers earlier ranks. `other` is not
   * modified unless `otherOwned` says nobody else holds it.
   */
  prependLeft(other: T, otherOwned = false): void {
    this.#combine(other, false, otherOwned);
  }

  #combine(other: T, valueIsLeft: boolean, otherOwned: boolean): void {
    if (!this.op.builtin) {
      this.#combineWithUserOp(otherOwned ? other : privateCopy(other), valueIsLeft);
      return;
    }
    const value = this.#value;
    if (isTypedArray(value) && isTypedArray(other)) {
      if (this.#owned) {
        this.op.applyInto(value, other, valueIsLeft);
        return;
      }
      const destination = this.destination;
      if (destination) {
        if (valueIsLeft) this.op.applyTo(destination, value, other);
        else this.op.applyTo(destination, other, value);
        this.#value = destination as T;
        this.#owned = true;
        return;
      }
    }
    const result = valueIsLeft ? this.op.apply(value, other) : this.op.apply(other, value);
    // Element-wise built-ins return a fresh value, which this accumulator now owns;
    // REPLACE and NO_OP return an operand.
    this.#owned = result !== value && result !== other;
    this.#value = result;
  }

  /** Both operands are this accumulator's alone, so whatever the op returns is too. */
  #combineWithUserOp(other: T, valueIsLeft: boolean): void {
    const value = this.#owned ? this.#value : privateCopy(this.#value);
    this.#value = valueIsLeft ? this.op.apply(value, other) : this.op.apply(other, value);
    this.#owned = true;
  }
}

/**
 * A copy of `value` nothing else holds (primitives are values already). A class
 * instance keeps its prototype, so an op that calls its methods still can.
 */
function privateCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (isTypedArray(value)) return copyOf(value) as T;
  const copy = structuredClone(value);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (Object.getPrototypeOf(copy) !== prototype) Object.setPrototypeOf(copy, prototype);
  return copy;
}

import { describe, expect, it } from 'vitest';
import { Accumulator } from '../../src/coll/accumulator.js';
import { NO_OP, Op, REPLACE, SUM } from '../../src/ops.js';

describe('Accumulator', () => {
  it('allocates its result once, then reduces typed arrays in place', () => {
    const own = Float64Array.of(1, 2);
    const accumulator = new Accumulator(SUM, own);
    accumulator.appendRight(Float64Array.of(10, 20));
    const buffer = accumulator.value;
    expect(buffer).not.toBe(own);
    for (let step = 0; step < 5; step++) accumulator.prependLeft(Float64Array.of(1, 1));
    expect(accumulator.value).toBe(buffer);
    expect([...accumulator.value]).toEqual([16, 27]);
    expect([...own]).toEqual([1, 2]);
  });

  it('writes into an owned initial value from the first step', () => {
    const received = Int32Array.of(5);
    const accumulator = new Accumulator(SUM, received, true);
    accumulator.appendRight(Int32Array.of(1));
    expect(accumulator.value).toBe(received);
    expect(received[0]).toBe(6);
  });

  it('writes its first combine into the destination it was given, leaving the operands alone', () => {
    const own = Float64Array.of(1, 2);
    const destination = new Float64Array(2);
    const accumulator = new Accumulator(SUM, own, false, destination);
    const other = Float64Array.of(10, 20);
    accumulator.prependLeft(other);
    expect(accumulator.value).toBe(destination);
    accumulator.appendRight(Float64Array.of(100, 200));
    expect(accumulator.value).toBe(destination);
    expect([...destination]).toEqual([111, 222]);
    expect([...own, ...other]).toEqual([1, 2, 10, 20]);
  });

  it('may be given its initial value as destination (in place)', () => {
    const own = Int32Array.of(3);
    const accumulator = new Accumulator(SUM, own, false, own);
    accumulator.appendRight(Int32Array.of(4));
    expect(accumulator.value).toBe(own);
    expect(own[0]).toBe(7);
  });

  it('keeps a destination in operand order for a built-in select op', () => {
    const destination = new Float64Array(1);
    const accumulator = new Accumulator(REPLACE, Float64Array.of(1), false, destination);
    accumulator.appendRight(Float64Array.of(2));
    expect(accumulator.value).toBe(destination);
    expect(destination[0]).toBe(2);
  });

  it("never writes a user op's result into the destination", () => {
    const destination = Float64Array.of(-1);
    const user = Op.create((a: Float64Array, b: Float64Array) => Float64Array.of(a[0]! * 10 + b[0]!), false);
    const accumulator = new Accumulator(user, Float64Array.of(1), false, destination);
    accumulator.appendRight(Float64Array.of(2));
    expect(accumulator.value).not.toBe(destination);
    expect([...accumulator.value, ...destination]).toEqual([12, -1]);
  });

  it('keeps operand order: prepend goes left, append goes right', () => {
    const concat = Op.create((a: string, b: string) => a + b, false);
    const accumulator = new Accumulator(concat, 'm');
    accumulator.prependLeft('l');
    accumulator.appendRight('r');
    accumulator.prependLeft('L');
    expect(accumulator.value).toBe('Llmr');
  });

  it('never writes into operands that REPLACE or NO_OP hand back', () => {
    const own = Float64Array.of(1);
    const other = Float64Array.of(2);
    const replace = new Accumulator(REPLACE, own);
    replace.appendRight(other);
    replace.appendRight(Float64Array.of(3));
    expect([...replace.value]).toEqual([3]);
    expect([...other]).toEqual([2]);
    const keep = new Accumulator(NO_OP, own);
    keep.appendRight(other);
    expect(keep.value).toBe(own);
    expect([...own]).toEqual([1]);
  });

  it("gives a user op a copy of the caller's class instance that keeps its methods", () => {
    class Stats {
      constructor(public count: number) {}
      merge(other: Stats): Stats {
        this.count += other.count;
        return this;
      }
    }
    const mine = new Stats(2);
    const accumulator = new Accumulator(Op.create((a: Stats, b: Stats) => a.merge(b), false), mine);
    accumulator.appendRight(new Stats(3));
    expect(accumulator.value).toBeInstanceOf(Stats);
    expect([accumulator.value.count, mine.count]).toEqual([5, 2]);
  });
});

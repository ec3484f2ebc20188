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
});

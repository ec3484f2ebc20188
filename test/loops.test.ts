import { describe, expect, it } from 'vitest';
import { elementLoop } from '../src/loops.js';

const add = elementLoop((a, b) => `${a} + ${b}`);
const max = elementLoop((a, b) => `Math.max(${a}, ${b})`);

/** Lengths around the unroll factor and a long odd one, so both the unrolled body and the tail run. */
const LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 1003];

function operands(n: number): [Float64Array, Float64Array] {
  const left = Float64Array.from({ length: n }, (_, i) => i * 1.5 - 7);
  const right = Float64Array.from({ length: n }, (_, i) => (i % 5) * 3 - i);
  return [left, right];
}

describe('elementLoop', () => {
  it.each(LENGTHS)('combines every element of %i into a separate out', (n) => {
    const [left, right] = operands(n);
    const out = new Float64Array(n).fill(NaN);
    add(out, left, right);
    expect(Array.from(out)).toEqual(Array.from(left, (x, i) => x + right[i]!));
  });

  it.each(LENGTHS)('is right when out is the left or the right operand (%i elements)', (n) => {
    const [left, right] = operands(n);
    const expected = Array.from(left, (x, i) => Math.max(x, right[i]!));
    const intoLeft = left.slice();
    max(intoLeft, intoLeft, right);
    expect(Array.from(intoLeft)).toEqual(expected);
    const intoRight = right.slice();
    max(intoRight, left, intoRight);
    expect(Array.from(intoRight)).toEqual(expected);
  });

  it('wraps like the element type when out is an integer array', () => {
    const out = new Int32Array(10);
    add(out, new Int32Array(10).fill(2 ** 31 - 1), new Int32Array(10).fill(1));
    expect(Array.from(out)).toEqual(new Array(10).fill(-(2 ** 31)));
  });
});

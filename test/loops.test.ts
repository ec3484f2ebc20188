import { afterEach, describe, expect, it, vi } from 'vitest';
import { elementLoop } from '../src/loops.js';

const add = elementLoop((a, b) => a + b, (a, b) => `${a} + ${b}`);
const max = elementLoop(Math.max, (a, b) => `Math.max(${a}, ${b})`);

/** Lengths around the unroll factor and a long odd one, so both the leftover elements and the unrolled body run. */
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

  it('runs generated code, not the kernel, where code generation is allowed', () => {
    const kernel = vi.fn((a: number, b: number) => a + b);
    const loop = elementLoop(kernel, (a, b) => `${a} + ${b}`);
    const [left, right] = operands(17);
    const out = new Float64Array(17);
    loop(out, left, right);
    expect(Array.from(out)).toEqual(Array.from(left, (x, i) => x + right[i]!));
    expect(kernel).not.toHaveBeenCalled();
  });

  it('reports a broken expression instead of falling back', () => {
    expect(() => elementLoop((a, b) => a + b, (a, b) => `${a} +* ${b}`)).toThrow(SyntaxError);
  });

  it('wraps like the element type when out is an integer array', () => {
    const out = new Int32Array(10);
    add(out, new Int32Array(10).fill(2 ** 31 - 1), new Int32Array(10).fill(1));
    expect(Array.from(out)).toEqual(new Array(10).fill(-(2 ** 31)));
  });
});

describe('elementLoop where code generation from strings is disallowed', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('falls back to calling the kernel, with the same results', () => {
    vi.stubGlobal('Function', function refuse(): never {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    const kernel = vi.fn((a: number, b: number) => a - b);
    const fallback = elementLoop(kernel, (a, b) => `${a} - ${b}`);
    vi.unstubAllGlobals();
    const [left, right] = operands(1003);
    const out = new Float64Array(1003);
    fallback(out, left, right);
    expect(Array.from(out)).toEqual(Array.from(left, (x, i) => x - right[i]!));
    expect(kernel).toHaveBeenCalledTimes(1003);
  });
});

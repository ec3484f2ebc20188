import { describe, expect, it } from 'vitest';
import { MpiError } from '../../src/errors.js';
import { BAND, MAX, MAXLOC, NO_OP, Op, PROD, REPLACE, SUM } from '../../src/ops.js';
import { checkElement, checkOp, checkRange, checkTarget, opNamed } from '../../src/rma/checks.js';
import { accumulateRange, compareAndSwapAt, fetchAndOpAt, readRange, writeRange } from '../../src/rma/memory.js';
import { FIRST_REPLY_TAG, ReplyTags } from '../../src/rma/protocol.js';
import { TAG_UB } from '../../src/constants.js';

function errorClassOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof MpiError ? err.errorClass : 'not an MpiError';
  }
}

describe('window memory operations', () => {
  it('put and get copy ranges; get never aliases the window', () => {
    const mem = new Float64Array(6);
    writeRange(mem, 2, new Float64Array([7, 8]));
    expect([...mem]).toEqual([0, 0, 7, 8, 0, 0]);
    const got = readRange(mem, 1, 3);
    expect([...got]).toEqual([0, 7, 8]);
    mem[2] = 99;
    expect(got[1]).toBe(7);
    const buf = readRange(Buffer.from([1, 2, 3]), 1, 2);
    mem.fill(0);
    expect(Buffer.isBuffer(buf) && [...buf]).toEqual([2, 3]);
  });

  it('accumulate combines element-wise with the op', () => {
    const mem = new Int32Array([1, 5, 9, 2]);
    accumulateRange(mem, 1, new Int32Array([10, 1]), SUM);
    expect([...mem]).toEqual([1, 15, 10, 2]);
    accumulateRange(mem, 0, new Int32Array([4, 4, 4, 4]), MAX);
    expect([...mem]).toEqual([4, 15, 10, 4]);
    accumulateRange(mem, 2, new Int32Array([-1]), REPLACE);
    expect([...mem]).toEqual([4, 15, -1, 4]);
  });

  it('fetchAndOp returns the old element and uses the element type arithmetic', () => {
    const mem = new Int32Array([2 ** 31 - 1]);
    expect(fetchAndOpAt(mem, 0, 1, SUM)).toBe(2 ** 31 - 1);
    expect(mem[0]).toBe(-(2 ** 31)); // wraps like a C int
    const big = new BigInt64Array([5n]);
    expect(fetchAndOpAt(big, 0, 3n, PROD)).toBe(5n);
    expect(big[0]).toBe(15n);
    expect(fetchAndOpAt(big, 0, 0n, NO_OP)).toBe(15n);
    expect(big[0]).toBe(15n);
    expect(fetchAndOpAt(big, 0, -1n, REPLACE)).toBe(15n);
    expect(big[0]).toBe(-1n);
  });

  it('compareAndSwap swaps only on a bitwise match', () => {
    const mem = new Float64Array([0, -0, NaN, 1.5]);
    expect(compareAndSwapAt(mem, 0, 9, -0)).toBe(0); // -0 and 0 differ in bits
    expect(mem[0]).toBe(0);
    expect(compareAndSwapAt(mem, 1, 9, -0)).toBe(-0);
    expect(mem[1]).toBe(9);
    expect(compareAndSwapAt(mem, 3, 2.5, 1.5)).toBe(1.5);
    expect(mem[3]).toBe(2.5);
    const f32 = new Float32Array([0.1]);
    // The comparand is converted to the element type first, as the element was.
    expect(compareAndSwapAt(f32, 0, 1, 0.1)).toBeCloseTo(0.1);
    expect(f32[0]).toBe(1);
  });
});

describe('window argument checks', () => {
  it('name the window size when out of range', () => {
    expect(() => checkRange(3, 4, 2, 5)).toThrow(/outside the window of rank 3 \(window size 5 elements\)/);
    expect(errorClassOf(() => checkRange(0, 4, 2, 5))).toBe('ERR_ARG');
    expect(errorClassOf(() => checkRange(0, -1, 1, 5))).toBe('ERR_ARG');
    expect(errorClassOf(() => checkRange(0, 0, 5, 5))).toBe(null);
    expect(errorClassOf(() => checkRange(0, 5, 0, 5))).toBe(null);
  });

  it('accept only ranks of the window (PROC_NULL where allowed)', () => {
    expect(errorClassOf(() => checkTarget(4, 4, true))).toBe('ERR_RANK');
    expect(errorClassOf(() => checkTarget(-2, 4, false))).toBe('ERR_RANK');
    expect(errorClassOf(() => checkTarget(-2, 4, true))).toBe(null);
    expect(errorClassOf(() => checkTarget(1.5, 4, true))).toBe('ERR_RANK');
  });

  it('accept predefined ops that apply to the element type', () => {
    expect(errorClassOf(() => checkOp(SUM, new Float64Array(1)))).toBe(null);
    expect(errorClassOf(() => checkOp(BAND, new Int32Array(1)))).toBe(null);
    expect(errorClassOf(() => checkOp(BAND, new Float64Array(1)))).toBe('ERR_OP');
    expect(errorClassOf(() => checkOp(MAXLOC, new Float64Array(1)))).toBe('ERR_OP');
    expect(errorClassOf(() => checkOp(Op.create((a: number, b: number) => a + b), new Float64Array(1)))).toBe('ERR_OP');
    expect(opNamed('MAX')).toBe(MAX);
    expect(errorClassOf(() => opNamed('USER:f'))).toBe('ERR_OP');
  });

  it('want bigints for bigint windows and numbers otherwise', () => {
    expect(errorClassOf(() => checkElement(1n, new BigInt64Array(1), 'value'))).toBe(null);
    expect(errorClassOf(() => checkElement(1, new BigInt64Array(1), 'value'))).toBe('ERR_ARG');
    expect(errorClassOf(() => checkElement(1n, new Int32Array(1), 'value'))).toBe('ERR_ARG');
  });

  it('reply tags wrap around before TAG_UB overflows', () => {
    const tags = new ReplyTags();
    expect(tags.take()).toBe(FIRST_REPLY_TAG);
    (tags as unknown as { next: number }).next = TAG_UB;
    expect(tags.take()).toBe(TAG_UB);
    expect(tags.take()).toBe(FIRST_REPLY_TAG);
  });
});

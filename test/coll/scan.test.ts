import { describe, expect, it } from 'vitest';
import {
  linearExscan,
  linearScan,
  recursiveDoublingExscan,
  recursiveDoublingScan,
} from '../../src/coll/scan.js';
import { SCAN_LINEAR_MIN_BYTES } from '../../src/coll/select.js';
import { MAX, REPLACE, SUM, type TypedArray } from '../../src/ops.js';
import {
  ADD_INTO_A,
  ADD_INTO_B,
  CONCAT,
  MATMUL,
  SIZES,
  bigintsOf,
  expectSameTyped,
  floatsOf,
  fold,
  intsOf,
  letterOf,
  matrixOf,
  range,
  run,
} from './cases.js';

const scans = [
  ['recursive-doubling', recursiveDoublingScan],
  ['linear', linearScan],
] as const;
const exscans = [
  ['recursive-doubling', recursiveDoublingExscan],
  ['linear', linearExscan],
] as const;

/** rank r's expected inclusive prefix of `values` under `op`. */
const prefixes = <T>(op: Parameters<typeof fold>[0], values: T[]) => values.map((_, r) => fold(op, values.slice(0, r + 1)));

describe.each(scans)('%s scan', (_, scan) => {
  it.each(SIZES)('gives rank r the fold of ranks 0…r, for non-commutative ops too (p = %i)', async (p) => {
    const strings = await run(p, (ep) => scan(ep, letterOf(ep.rank), CONCAT, 0));
    expect(strings.results).toEqual(range(p).map((r) => range(r + 1).map(letterOf).join('')));
    const matrices = await run(p, (ep) => scan(ep, matrixOf(ep.rank), MATMUL, 0));
    expect(matrices.results).toEqual(prefixes(MATMUL, range(p).map(matrixOf)));
    const replaced = await run(p, (ep) => scan(ep, [ep.rank], REPLACE, 0));
    expect(replaced.results).toEqual(range(p).map((r) => [r]));
  });

  it.each(SIZES)('sums typed arrays of each kind, around the threshold too (p = %i)', async (p) => {
    const lengths = p === 5 ? [0, 3, SCAN_LINEAR_MIN_BYTES / 8 - 1, SCAN_LINEAR_MIN_BYTES / 8] : [0, 3, 40];
    for (const n of lengths) {
      for (const make of n > 1000 ? [floatsOf] : [floatsOf, intsOf, bigintsOf]) {
        const inputs = range(p).map((r) => make(r, n)) as TypedArray[];
        const { results } = await run(p, (ep) => scan(ep, inputs[ep.rank]!, SUM, 0));
        const expected = prefixes(SUM, inputs);
        results.forEach((result, r) => expectSameTyped(result, expected[r]!));
        inputs.forEach((input, r) => expectSameTyped(input, make(r, n))); // inputs untouched
      }
    }
  });
});

describe.each([...scans, ...exscans])('%s with a user op that overwrites an operand', (name, scan) => {
  it.each(SIZES)("gives the right prefixes and leaves every rank's input alone (p = %i)", async (p) => {
    const inclusive = scans.some(([, s]) => s === scan);
    for (const op of [ADD_INTO_A, ADD_INTO_B]) {
      const inputs = range(p).map((r) => [r + 1]);
      const { results } = await run(p, (ep) => scan(ep, inputs[ep.rank]!, op, 0));
      const sums = range(p).map((r) => [((inclusive ? r + 2 : r + 1) * (inclusive ? r + 1 : r)) / 2]);
      expect(results, name).toEqual(range(p).map((r) => (inclusive || r > 0 ? sums[r] : undefined)));
      expect(inputs).toEqual(range(p).map((r) => [r + 1]));
    }
  });
});

describe.each(exscans)('%s exscan', (_, exscan) => {
  it.each(SIZES)('gives rank r > 0 the fold of ranks 0…r−1 and rank 0 undefined (p = %i)', async (p) => {
    const strings = await run(p, (ep) => exscan(ep, letterOf(ep.rank), CONCAT, 0));
    expect(strings.results).toEqual(range(p).map((r) => (r === 0 ? undefined : range(r).map(letterOf).join(''))));
    const matrices = await run(p, (ep) => exscan(ep, matrixOf(ep.rank), MATMUL, 0));
    const inclusive = prefixes(MATMUL, range(p).map(matrixOf));
    expect(matrices.results).toEqual(range(p).map((r) => (r === 0 ? undefined : inclusive[r - 1])));
    const maxima = await run(p, (ep) => exscan(ep, intsOf(ep.rank, 5), MAX, 0));
    const maxPrefix = prefixes(MAX, range(p).map((r) => intsOf(r, 5)));
    expect(maxima.results).toEqual(range(p).map((r) => (r === 0 ? undefined : maxPrefix[r - 1])));
  });
});

describe('scan message counts', () => {
  it.each(SIZES)('recursive doubling: rank r sends one message per 2^k with r XOR 2^k < p; linear: p − 1 in total (p = %i)', async (p) => {
    const doubling = await run(p, (ep) => recursiveDoublingScan(ep, 1, SUM, 0));
    const expected = range(p).map((r) => range(Math.ceil(Math.log2(Math.max(p, 1)))).filter((k) => (r ^ (1 << k)) < p).length);
    expect(doubling.world.messages).toEqual(expected);
    const linear = await run(p, (ep) => linearScan(ep, 1, SUM, 0));
    expect(linear.world.totalMessages()).toBe(p - 1);
    const linearEx = await run(p, (ep) => linearExscan(ep, 1, SUM, 0));
    expect(linearEx.world.totalMessages()).toBe(p - 1);
  });
});

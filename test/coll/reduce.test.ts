import { describe, expect, it } from 'vitest';
import { binomialReduce } from '../../src/coll/reduce.js';
import { MAX, MAXLOC, NO_OP, REPLACE, SUM } from '../../src/ops.js';
import {
  ADD_INTO_A,
  ADD_INTO_B,
  CONCAT,
  MATMUL,
  SIZES,
  bigintsOf,
  ceilLog2,
  floatsOf,
  fold,
  intsOf,
  letterOf,
  matrixOf,
  range,
  run,
} from './cases.js';

describe('binomial reduce', () => {
  it.each(SIZES)("sums numbers, typed arrays and nested arrays onto every root (p = %i)", async (p) => {
    for (const root of range(p)) {
      const sums = await run(p, (ep) => binomialReduce(ep, [ep.rank + 1, floatsOf(ep.rank, 5), [ep.rank]], SUM, root, 1));
      sums.results.forEach((value, rank) => {
        if (rank !== root) return expect(value).toBeNull();
        expect(value).toEqual([(p * (p + 1)) / 2, fold(SUM, range(p).map((r) => floatsOf(r, 5))), [(p * (p - 1)) / 2]]);
      });
    }
  });

  it.each(SIZES)('typed arrays of every kind keep their type (p = %i)', async (p) => {
    const root = Math.floor(p / 2);
    for (const make of [floatsOf, intsOf, bigintsOf]) {
      const { results } = await run(p, (ep) => binomialReduce(ep, make(ep.rank, 17), SUM, root, 0));
      const expected = fold(SUM, range(p).map((r) => make(r, 17)) as never[]);
      expect(results[root]).toEqual(expected);
      expect(results[root]!.constructor).toBe(make(0, 1).constructor);
    }
  });

  it.each(SIZES)('folds a non-commutative op in rank order onto every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      const strings = await run(p, (ep) => binomialReduce(ep, letterOf(ep.rank), CONCAT, root, 0));
      expect(strings.results[root]).toBe(range(p).map(letterOf).join(''));
      const matrices = await run(p, (ep) => binomialReduce(ep, matrixOf(ep.rank), MATMUL, root, 0));
      expect(matrices.results[root]).toEqual(fold(MATMUL, range(p).map(matrixOf)));
    }
  });

  it.each(SIZES)('REPLACE gives the last rank, NO_OP the first, MAXLOC the lowest index of the max (p = %i)', async (p) => {
    const root = p - 1;
    const replaced = await run(p, (ep) => binomialReduce(ep, floatsOf(ep.rank, 3), REPLACE, root, 0));
    expect(replaced.results[root]).toEqual(floatsOf(p - 1, 3));
    const kept = await run(p, (ep) => binomialReduce(ep, floatsOf(ep.rank, 3), NO_OP, 0, 0));
    expect(kept.results[0]).toEqual(floatsOf(0, 3));
    const located = await run(p, (ep) => binomialReduce(ep, [ep.rank % 3, ep.rank], MAXLOC, 0, 0));
    expect(located.results[0]).toEqual([Math.min(2, p - 1), Math.min(2, p - 1)]);
  });

  it.each(SIZES)("with a user op that overwrites an operand: the right sum, every rank's input left alone (p = %i)", async (p) => {
    for (const op of [ADD_INTO_A, ADD_INTO_B]) {
      const inputs = range(p).map((r) => [r + 1]);
      const root = p - 1;
      const { results } = await run(p, (ep) => binomialReduce(ep, inputs[ep.rank]!, op, root, 0));
      expect(results[root]).toEqual([(p * (p + 1)) / 2]);
      expect(inputs).toEqual(range(p).map((r) => [r + 1]));
    }
  });

  it('does not modify the caller’s arrays', async () => {
    const inputs = range(5).map((r) => floatsOf(r, 8));
    await run(5, (ep) => binomialReduce(ep, inputs[ep.rank]!, MAX, 2, 0));
    expect(inputs).toEqual(range(5).map((r) => floatsOf(r, 8)));
  });

  it.each(SIZES)('sends p − 1 messages in at most ⌈log2 p⌉ rounds (one more hand-over for a non-commutative op off rank 0) (p = %i)', async (p) => {
    for (const root of range(p)) {
      const commutative = await run(p, (ep) => binomialReduce(ep, 1, SUM, root, 0));
      expect(commutative.world.totalMessages()).toBe(p - 1);
      expect(commutative.world.rounds()).toBeLessThanOrEqual(ceilLog2(p));
      const ordered = await run(p, (ep) => binomialReduce(ep, 'x', CONCAT, root, 0));
      expect(ordered.world.totalMessages()).toBe(p - 1 + (root === 0 ? 0 : 1));
    }
  });

  it('mismatched typed-array lengths are ERR_COUNT', async () => {
    await expect(run(4, (ep) => binomialReduce(ep, new Float64Array(ep.rank === 3 ? 2 : 3), SUM, 0, 0))).rejects.toMatchObject({
      errorClass: 'ERR_COUNT',
    });
  });
});

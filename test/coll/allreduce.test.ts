import { describe, expect, it } from 'vitest';
import { powerOfTwoSplit, rabenseifnerAllreduce, recursiveDoublingAllreduce, ringAllreduce } from '../../src/coll/allreduce.js';
import { ringReduceScatter } from '../../src/coll/ring.js';
import { ALLREDUCE_RING_MIN_BYTES, allreduce } from '../../src/coll/select.js';
import type { CollEndpoint } from '../../src/coll/endpoint.js';
import { BAND, BXOR, LAND, LOR, MAX, MAXLOC, MIN, MINLOC, Op, PROD, SUM, type TypedArray } from '../../src/ops.js';
import { allocateLike } from '../../src/coll/typedArray.js';
import { mulberry32, type FakeWorldOptions } from '../helpers/fakeEndpoint.js';
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
  largestPowerOfTwo,
  letterOf,
  matrixOf,
  range,
  run,
  STRICT,
} from './cases.js';

type TypedAllreduce = (ep: CollEndpoint, data: TypedArray, op: Op, tag: number) => Promise<TypedArray>;
const POWERS_OF_TWO = SIZES.filter((p) => (p & (p - 1)) === 0);
/** Each algorithm for typed arrays, with the communicator sizes it is made for. */
const typedAlgorithms: Array<[string, TypedAllreduce, number[]]> = [
  ['recursive doubling', recursiveDoublingAllreduce, SIZES],
  ['ring', ringAllreduce, SIZES],
  ['Rabenseifner', rabenseifnerAllreduce, POWERS_OF_TWO],
];

/**
 * Element counts around the places where the ring's blocks change shape, and (at a
 * few sizes, to keep the tests fast) around the selection threshold.
 */
function lengthsFor(p: number): number[] {
  const small = [0, 1, p - 1, p, p + 1, 3 * p + 2];
  const threshold = ALLREDUCE_RING_MIN_BYTES / 8;
  return p === 3 || p === 8 ? [...small, threshold - 1, threshold] : small;
}

describe('recursive-doubling allreduce', () => {
  it.each(SIZES)('reduces numbers, bigints, booleans and nested arrays (p = %i)', async (p) => {
    const { results } = await run(p, (ep) =>
      recursiveDoublingAllreduce(ep, [ep.rank + 1, BigInt(ep.rank), [ep.rank]], SUM, 0),
    );
    expect(results).toEqual(new Array(p).fill([(p * (p + 1)) / 2, BigInt((p * (p - 1)) / 2), [(p * (p - 1)) / 2]]));
    const anyTrue = await run(p, (ep) => recursiveDoublingAllreduce(ep, ep.rank === p - 1, LOR, 0));
    expect(anyTrue.results).toEqual(new Array(p).fill(true));
    const notAll = await run(p, (ep) => recursiveDoublingAllreduce(ep, ep.rank !== p - 1, LAND, 0));
    expect(notAll.results).toEqual(new Array(p).fill(false));
    const all = await run(p, (ep) => recursiveDoublingAllreduce(ep, 1 + ep.rank, LAND, 0));
    expect(all.results).toEqual(new Array(p).fill(1));
    const bits = await run(p, (ep) => recursiveDoublingAllreduce(ep, ~(1 << ep.rank), BAND, 0));
    expect(bits.results[0]).toBe(~((1 << p) - 1));
  });

  it.each(SIZES)("with a user op that overwrites an operand: right sums, every rank's input left alone (p = %i)", async (p) => {
    for (const op of [ADD_INTO_A, ADD_INTO_B]) {
      const inputs = range(p).map((r) => [r + 1]);
      const { results } = await run(p, (ep) => recursiveDoublingAllreduce(ep, inputs[ep.rank]!, op, 0));
      expect(results).toEqual(range(p).map(() => [(p * (p + 1)) / 2]));
      expect(inputs).toEqual(range(p).map((r) => [r + 1]));
    }
  });

  it.each(SIZES)('MAXLOC / MINLOC find the extreme and its lowest rank (p = %i)', async (p) => {
    const value = (rank: number): number => (rank * 5) % 3;
    const max = await run(p, (ep) => recursiveDoublingAllreduce(ep, [value(ep.rank), ep.rank], MAXLOC, 0));
    const expectedMax = Math.max(...range(p).map(value));
    expect(max.results).toEqual(new Array(p).fill([expectedMax, range(p).find((r) => value(r) === expectedMax)]));
    const min = await run(p, (ep) => recursiveDoublingAllreduce(ep, [value(ep.rank), ep.rank], MINLOC, 0));
    expect(min.results).toEqual(new Array(p).fill([0, 0]));
  });

  it.each(SIZES)('folds non-commutative ops in rank order on every rank (p = %i)', async (p) => {
    const strings = await run(p, (ep) => recursiveDoublingAllreduce(ep, letterOf(ep.rank), CONCAT, 0));
    expect(strings.results).toEqual(new Array(p).fill(range(p).map(letterOf).join('')));
    const matrices = await run(p, (ep) => recursiveDoublingAllreduce(ep, matrixOf(ep.rank), MATMUL, 0));
    expect(matrices.results).toEqual(new Array(p).fill(fold(MATMUL, range(p).map(matrixOf))));
  });

  it.each(SIZES)('sends pof2·log2(pof2) + 2·rem messages in log2(pof2) (+2 with rem) rounds (p = %i)', async (p) => {
    const { pof2, rem } = powerOfTwoSplit(p);
    expect(pof2).toBe(largestPowerOfTwo(p));
    const steps = Math.log2(pof2);
    const { world } = await run(p, (ep) => recursiveDoublingAllreduce(ep, floatsOf(ep.rank, 4), SUM, 0));
    expect(world.totalMessages()).toBe(pof2 * steps + 2 * rem);
    expect(world.rounds()).toBe(steps + (rem > 0 ? 2 : 0));
    // Per rank: an even rank below 2·rem only hands over its value; the odd one above it also hands the result back.
    const perRank = range(p).map((r) => (r < 2 * rem ? (r % 2 === 0 ? 1 : steps + 1) : steps));
    expect(world.messages).toEqual(perRank);
  });
});

describe.each(typedAlgorithms)('%s allreduce on typed arrays', (_, allreduce, sizes) => {
  it.each(sizes)('sums Float64, Int32 and BigInt64 arrays of every length around the thresholds (p = %i)', async (p) => {
    for (const n of lengthsFor(p)) {
      for (const make of [floatsOf, intsOf, bigintsOf]) {
        if (n > 1000 && make !== floatsOf) continue;
        const { results } = await run(p, (ep) => allreduce(ep, make(ep.rank, n), SUM, 0), { rendezvous: true });
        const expected = fold(SUM, range(p).map((r) => make(r, n)) as TypedArray[]);
        for (const result of results) expectSameTyped(result, expected);
      }
    }
  });

  it.each(sizes)('gives bit-identical floating-point results on every rank (p = %i)', async (p) => {
    const random = mulberry32(p);
    const inputs = range(p).map(() =>
      Float64Array.from({ length: 3 * p + 5 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 30 - 15)),
    );
    for (const op of [SUM, PROD, MIN]) {
      const { results } = await run(p, (ep) => allreduce(ep, inputs[ep.rank]!, op, 0));
      const bytes = results.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength));
      for (const b of bytes) expect(b.equals(bytes[0]!)).toBe(true);
    }
  });

  it('does not modify the caller’s arrays', async () => {
    const p = sizes.includes(6) ? 6 : 8;
    const inputs = range(p).map((r) => floatsOf(r, 20));
    await run(p, (ep) => allreduce(ep, inputs[ep.rank]!, SUM, 0));
    expect(inputs).toEqual(range(p).map((r) => floatsOf(r, 20)));
  });

  // A rank that sees the mismatch fails with ERR_COUNT; its partners may wait on (MPI calls the program erroneous).
  it('mismatched lengths fail with ERR_COUNT on a rank that sees them', async () => {
    for (const p of sizes.filter((size) => size >= 2 && size <= 5)) {
      const outcome = run(p, (ep) => allreduce(ep, new Float64Array(ep.rank === 1 ? 7 : 8), SUM, 0), {}).catch(
        (error: unknown) => error,
      );
      await expect(outcome).resolves.toMatchObject({ errorClass: 'ERR_COUNT' });
    }
  });
});

type Into = (ep: CollEndpoint, data: Float64Array, out: Float64Array) => Promise<TypedArray>;

/**
 * Runs `into` on `p` fake ranks, each reducing n floats into a separate array or in
 * place (`out` is `data`), and checks that a separate input is left alone and that every
 * rank's result is the sum. `into` checks what it returns against `out` itself.
 */
async function checkInto(p: number, n: number, inPlace: boolean, options: FakeWorldOptions, into: Into): Promise<void> {
  const expected = fold(SUM, range(p).map((r) => floatsOf(r, n)));
  const { results } = await run(
    p,
    async (ep) => {
      const data = floatsOf(ep.rank, n);
      const result = await into(ep, data, inPlace ? data : new Float64Array(n));
      if (!inPlace) expectSameTyped(data, floatsOf(ep.rank, n));
      return result;
    },
    options,
  );
  for (const result of results) expectSameTyped(result as Float64Array, expected);
}

describe('allreduce into memory the caller gives', () => {
  const cases: Array<[string, Into, number[]]> = [
    ['ring', (ep, data, out) => ringAllreduce(ep, data, SUM, 0, out), SIZES],
    ['Rabenseifner', (ep, data, out) => rabenseifnerAllreduce(ep, data, SUM, 0, out), POWERS_OF_TWO],
    ['the selection (any algorithm)', (ep, data, out) => allreduce(ep, data, SUM, 0, out), SIZES],
  ];

  it.each(cases)('%s: into a separate array, leaving the input alone, and in place (the input itself)', async (_, into, sizes) => {
    for (const p of sizes) {
      for (const n of lengthsFor(p)) {
        for (const inPlace of [false, true]) {
          await checkInto(p, n, inPlace, STRICT, async (ep, data, out) => {
            const result = await into(ep, data, out);
            expect(result === out, 'resolves with out').toBe(true);
            return result;
          });
        }
      }
    }
  });
});

describe('recursive doubling into memory the caller gives', () => {
  it.each([
    ['eager', { rendezvous: false, delays: true }],
    ['rendezvous', STRICT],
  ] as const)('reduces into `out` on every rank that combines, separate and in place (%s sends)', async (_, options) => {
    for (const p of SIZES) {
      const { rem } = powerOfTwoSplit(p);
      for (const n of [1, 3, 8]) {
        for (const inPlace of [false, true]) {
          await checkInto(p, n, inPlace, options, async (ep, data, out) => {
            const result = await recursiveDoublingAllreduce(ep, data, SUM, 0, out);
            // A rank folded into its neighbour combines nothing: it receives the result. A lone rank's is its data.
            const combines = p > 1 && !(ep.rank < 2 * rem && ep.rank % 2 === 0);
            expect(result === out, `rank ${ep.rank} of ${p} reduced into out`).toBe(combines || (p === 1 && inPlace));
            return result;
          });
        }
      }
    }
  });
});

describe('allreduce into memory the caller gives, beyond SUM on float64', () => {
  it.each([3, 4])('MAX, a non-commutative op, bigints and Buffers, separate and in place (p = %i)', async (p) => {
    const n = ALLREDUCE_RING_MIN_BYTES / 8 + 3;
    const cases: Array<[string, (rank: number) => TypedArray, Op]> = [
      ['MAX', (r) => floatsOf((r * 7) % p, n), MAX],
      ['first wins', (r) => floatsOf(r, n), Op.create((a: TypedArray) => a, false)],
      ['BigInt64 SUM', (r) => bigintsOf(r, 64), SUM],
      ['Buffer BXOR', (r) => Buffer.from(intsOf(r + 1, n).buffer), BXOR],
    ];
    for (const [name, make, op] of cases) {
      const expected = fold(op, range(p).map(make));
      for (const inPlace of [false, true]) {
        const { results } = await run(p, async (ep) => {
          const data = make(ep.rank);
          const out = inPlace ? data : allocateLike(data, data.length);
          const result = await allreduce(ep, data, op, 0, out);
          expect(result === out, `${name}: resolves with out`).toBe(true);
          return result;
        }, STRICT);
        for (const result of results) expectSameTyped(result, expected as ArrayBufferView);
      }
    }
  });
});

describe('Rabenseifner allreduce', () => {
  it.each(POWERS_OF_TWO)('sends 2·log2(p) messages per rank, and the ring’s bytes (p = %i)', async (p) => {
    const { world } = await run(p, (ep) => rabenseifnerAllreduce(ep, floatsOf(ep.rank, 4 * p), SUM, 0));
    expect(world.messages).toEqual(new Array(p).fill(2 * Math.log2(p)));
    for (const sent of world.bytes) expect(sent).toBe(2 * (p - 1) * 4 * 8);
  });
});

describe('Rabenseifner allreduce refuses what it is not made for', () => {
  it('a non-commutative op is ERR_OP, a size that is not a power of two ERR_ARG', async () => {
    const firstWins = Op.create((a: Float64Array) => a, false);
    await expect(run(4, (ep) => rabenseifnerAllreduce(ep, floatsOf(ep.rank, 8), firstWins, 0))).rejects.toMatchObject({
      errorClass: 'ERR_OP',
    });
    await expect(run(6, (ep) => rabenseifnerAllreduce(ep, floatsOf(ep.rank, 8), SUM, 0))).rejects.toMatchObject({
      errorClass: 'ERR_ARG',
    });
  });
});

describe('ring allreduce', () => {
  it.each(SIZES)('sends 2(p − 1) messages per rank when every block is non-empty (p = %i)', async (p) => {
    const { world } = await run(p, (ep) => ringAllreduce(ep, floatsOf(ep.rank, 4 * p), SUM, 0));
    expect(world.messages).toEqual(new Array(p).fill(2 * (p - 1)));
    // Each rank sends each element at most twice: (p − 1)/p of the data per phase.
    for (const sent of world.bytes) expect(sent).toBe(2 * (p - 1) * 4 * 8);
  });

  it('refuses a non-commutative op', async () => {
    await expect(run(2, (ep) => ringAllreduce(ep, matrixOf(ep.rank), MATMUL, 0))).rejects.toMatchObject({
      errorClass: 'ERR_OP',
    });
  });

  it('works with a commutative user op on typed arrays', async () => {
    const absMax = Op.create((a: Int32Array, b: Int32Array) => a.map((x, i) => Math.max(Math.abs(x), Math.abs(b[i]!))));
    const { results } = await run(5, (ep) => ringAllreduce(ep, intsOf(ep.rank, 12), absMax, 0));
    expect(results[0]).toEqual(intsOf(4, 12).map(Math.abs));
  });
});

describe('large-array algorithms with a user op that overwrites an operand', () => {
  // As an MPI user function overwrites inoutvec: `b` here, `a` for the other.
  const addIntoB = Op.create((a: Float64Array, b: Float64Array) => {
    for (let i = 0; i < b.length; i++) b[i]! += a[i]!;
    return b;
  });
  const addIntoA = Op.create((a: Float64Array, b: Float64Array) => {
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
    return a;
  });
  const inputOf = (rank: number) => Float64Array.from({ length: 37 }, (_, i) => rank + 1 + i * 1000);
  const sumOf = (p: number) => Float64Array.from({ length: 37 }, (_, i) => (p * (p + 1)) / 2 + p * i * 1000);
  const cases = [
    ['ring', ringAllreduce, [2, 3, 5]],
    ['Rabenseifner', rabenseifnerAllreduce, [2, 4, 8]],
  ] as const;

  it.each(cases)("%s: right sums, and every rank's input left alone", async (_, algorithm, sizes) => {
    for (const p of sizes) {
      for (const op of [addIntoA, addIntoB]) {
        const inputs = range(p).map(inputOf);
        const { results } = await run(p, (ep) => algorithm(ep, inputs[ep.rank]!, op, 0));
        for (const result of results) expect(Array.from(result)).toEqual(Array.from(sumOf(p)));
        inputs.forEach((input, r) => expect(Array.from(input)).toEqual(Array.from(inputOf(r))));
      }
    }
  });

  it("ring reduce-scatter: right blocks, and every rank's input left alone", async () => {
    for (const op of [addIntoA, addIntoB]) {
      const p = 3;
      const counts = [13, 12, 12];
      const inputs = range(p).map(inputOf);
      const { results } = await run(p, (ep) => ringReduceScatter(ep, inputs[ep.rank]!, counts, op, 0));
      const sum = sumOf(p);
      expect(results.map((r) => Array.from(r))).toEqual([Array.from(sum.subarray(0, 13)), Array.from(sum.subarray(13, 25)), Array.from(sum.subarray(25))]);
      inputs.forEach((input, r) => expect(Array.from(input)).toEqual(Array.from(inputOf(r))));
    }
  });

  it("passes on the user op's own error unchanged", async () => {
    const refusing = Op.create((): Float64Array => {
      throw new RangeError('my op refuses');
    });
    await expect(run(2, (ep) => ringAllreduce(ep, inputOf(ep.rank), refusing, 0))).rejects.toThrow(RangeError);
  });
});

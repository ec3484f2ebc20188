import { describe, expect, it } from 'vitest';
import { inlineThenRingAllgatherv } from '../../src/coll/allgatherv.js';
import { pairwiseAlltoallv } from '../../src/coll/alltoallv.js';
import { linearGatherv } from '../../src/coll/gatherv.js';
import { reduceThenScatterv } from '../../src/coll/reduceScatter.js';
import { ringReduceScatter } from '../../src/coll/ring.js';
import { linearScatterv } from '../../src/coll/scatterv.js';
import { ALLGATHERV_INLINE_MAX_BYTES, REDUCE_SCATTER_RING_MIN_BYTES } from '../../src/coll/select.js';
import { MAX, SUM, type TypedArray } from '../../src/ops.js';
import {
  MATMUL,
  SIZES,
  bigintsOf,
  ceilLog2,
  expectSameTyped,
  floatsOf,
  fold,
  intsOf,
  matrixOf,
  range,
  run,
} from './cases.js';

/** Uneven counts with zeros: rank r gets (r * 3) % 4 elements (0, 3, 2, 1, 0, …). */
const unevenCount = (r: number): number => (r * 3) % 4;

function concat<A extends TypedArray>(parts: A[]): A {
  const Ctor = parts[0]!.constructor as new (n: number) => A;
  const out = new Ctor(parts.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const part of parts) {
    (out as unknown as Float64Array).set(part as unknown as Float64Array, offset);
    offset += part.length;
  }
  return out;
}

describe('linear gatherv', () => {
  it.each(SIZES)('joins blocks of uneven and zero lengths in rank order on every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      for (const make of [floatsOf, intsOf, bigintsOf]) {
        const { results, world } = await run(p, (ep) => linearGatherv(ep, make(ep.rank, unevenCount(ep.rank)), root, 0));
        const expected = concat(range(p).map((r) => make(r, unevenCount(r))) as TypedArray[]);
        results.forEach((result, rank) => (rank === root ? expectSameTyped(result, expected) : expect(result).toBeNull()));
        expect(world.totalMessages()).toBe(p - 1);
      }
    }
  });

  it('a block of another element type is ERR_ARG', async () => {
    const outcome = run(3, (ep) => linearGatherv(ep, ep.rank === 1 ? new Int32Array(2) : new Float64Array(2), 0, 0));
    await expect(outcome).rejects.toMatchObject({ errorClass: 'ERR_ARG' });
  });
});

describe('linear scatterv', () => {
  it.each(SIZES)('cuts the root’s array into uneven and zero-length blocks from every root (p = %i)', async (p) => {
    const counts = range(p).map(unevenCount);
    for (const root of range(p)) {
      const whole = bigintsOf(root, counts.reduce((a, b) => a + b, 0));
      const { results, world } = await run(p, (ep) => linearScatterv(ep, ep.rank === root ? whole : null, counts, root, 0));
      let offset = 0;
      results.forEach((block, r) => {
        expectSameTyped(block, whole.slice(offset, offset + counts[r]!));
        offset += counts[r]!;
      });
      expect(results[root]!.buffer).not.toBe(whole.buffer); // the root gets a copy, not a view of its input
      expect(world.totalMessages()).toBe(p - 1);
    }
  });
});

describe('inline-then-ring allgatherv', () => {
  const inlineLimits = [
    ['every block inline', Infinity],
    ['no block inline (pure ring)', -1],
    ['small blocks inline, large ones by ring', 16],
    ['the default limit', ALLGATHERV_INLINE_MAX_BYTES],
  ] as const;

  it.each(SIZES)('joins uneven and zero-length blocks in rank order on every rank (p = %i)', async (p) => {
    for (const [, limit] of inlineLimits) {
      for (const make of [floatsOf, intsOf, bigintsOf]) {
        const count = (r: number): number => unevenCount(r) * (r % 2 ? 1 : 5);
        const { results } = await run(p, (ep) => inlineThenRingAllgatherv(ep, make(ep.rank, count(ep.rank)), 0, limit));
        const expected = concat(range(p).map((r) => make(r, count(r))) as TypedArray[]);
        for (const result of results) expectSameTyped(result, expected);
      }
    }
  });

  it.each(SIZES)('blocks just under and over the inline limit (p = %i)', async (p) => {
    const limitElements = ALLGATHERV_INLINE_MAX_BYTES / 8;
    const count = (r: number): number => limitElements + (r % 3) - 1;
    const { results } = await run(p, (ep) => inlineThenRingAllgatherv(ep, floatsOf(ep.rank, count(ep.rank)), 0));
    const expected = concat(range(p).map((r) => floatsOf(r, count(r))));
    for (const result of results) expectSameTyped(result, expected);
  });

  it.each(SIZES)('message counts: ⌈log2 p⌉ per rank when all inline, + a ring step per non-empty large block (p = %i)', async (p) => {
    const inline = await run(p, (ep) => inlineThenRingAllgatherv(ep, floatsOf(ep.rank, 2), 0, Infinity));
    expect(inline.world.messages).toEqual(new Array(p).fill(ceilLog2(p)));
    const ring = await run(p, (ep) => inlineThenRingAllgatherv(ep, floatsOf(ep.rank, 2), 0, -1));
    expect(ring.world.messages).toEqual(new Array(p).fill(ceilLog2(p) + p - 1));
  });
});

describe('pairwise alltoallv', () => {
  it.each(SIZES)('block r goes to rank r, received blocks joined in source order, zero counts allowed (p = %i)', async (p) => {
    // rank `from` sends (from + to) % 3 elements to rank `to`.
    const count = (from: number, to: number): number => (from + to) % 3;
    const block = (from: number, to: number): Int32Array => Int32Array.from({ length: count(from, to) }, (_, i) => from * 100 + to * 10 + i);
    const { results, world } = await run(p, (ep) =>
      pairwiseAlltoallv(ep, concat(range(p).map((to) => block(ep.rank, to))), range(p).map((to) => count(ep.rank, to)), 0),
    );
    results.forEach((received, rank) => expectSameTyped(received, concat(range(p).map((from) => block(from, rank)))));
    expect(world.messages).toEqual(new Array(p).fill(p - 1));
  });
});

describe.each([
  ['ring', ringReduceScatter],
  ['reduce-then-scatterv', reduceThenScatterv],
] as const)('%s reduce-scatter', (name, reduceScatter) => {
  it.each(SIZES)('rank r gets block r of the element-wise sum, uneven and zero counts (p = %i)', async (p) => {
    const countSets = [range(p).map(unevenCount), range(p).map(() => 0), range(p).map((r) => (r === p - 1 ? 5 : 0))];
    if (p === 4) countSets.push(range(p).map(() => REDUCE_SCATTER_RING_MIN_BYTES / 8 / p));
    for (const counts of countSets) {
      const n = counts.reduce((a, b) => a + b, 0);
      for (const make of n > 1000 ? [floatsOf] : [floatsOf, intsOf, bigintsOf]) {
        const inputs = range(p).map((r) => make(r, n)) as TypedArray[];
        const { results } = await run(p, (ep) => reduceScatter(ep, inputs[ep.rank]!, counts, SUM, 0));
        const total = fold(SUM, inputs);
        let offset = 0;
        results.forEach((block, r) => {
          expectSameTyped(block, total.subarray(offset, offset + counts[r]!).slice());
          offset += counts[r]!;
        });
        inputs.forEach((input, r) => expectSameTyped(input, make(r, n))); // inputs untouched
      }
    }
  });

  if (name === 'ring') {
    it.each(SIZES)('writes the result into a given output array and returns it (p = %i)', async (p) => {
      const counts = range(p).map(unevenCount);
      const n = counts.reduce((a, b) => a + b, 0);
      const inputs = range(p).map((r) => floatsOf(r, n));
      const outs = counts.map((c) => new Float64Array(c).fill(-1));
      const { results } = await run(p, (ep) => ringReduceScatter(ep, inputs[ep.rank]!, counts, SUM, 0, outs[ep.rank]!));
      const total = fold(SUM, inputs);
      let offset = 0;
      results.forEach((block, r) => {
        expect(block).toBe(outs[r]);
        expectSameTyped(block, total.subarray(offset, offset + counts[r]!).slice());
        offset += counts[r]!;
      });
      inputs.forEach((input, r) => expectSameTyped(input, floatsOf(r, n)));
    });

    it.each(SIZES)('computes the result in place when the output array is the rank\'s own block of the input (p = %i)', async (p) => {
      const counts = range(p).map(unevenCount);
      const n = counts.reduce((a, b) => a + b, 0);
      const inputs = range(p).map((r) => floatsOf(r, n));
      const total = fold(SUM, inputs);
      let at = 0;
      const displs = counts.map((c) => ((at += c), at - c));
      const { results } = await run(p, (ep) =>
        ringReduceScatter(ep, inputs[ep.rank]!, counts, SUM, 0, inputs[ep.rank]!.subarray(displs[ep.rank]!, displs[ep.rank]! + counts[ep.rank]!)),
      );
      results.forEach((block, r) => expectSameTyped(block, total.subarray(displs[r]!, displs[r]! + counts[r]!).slice()));
    });

    it.each(SIZES)('sends one message per step with a non-empty block: p − 1 per rank for non-empty blocks (p = %i)', async (p) => {
      const { world } = await run(p, (ep) => ringReduceScatter(ep, floatsOf(ep.rank, 2 * p), range(p).map(() => 2), MAX, 0));
      expect(world.messages).toEqual(new Array(p).fill(p - 1));
    });
  } else {
    it.each(SIZES)('folds a non-commutative op in rank order (p = %i)', async (p) => {
      const matrices = range(p).map(matrixOf);
      const { results } = await run(p, (ep) =>
        reduceThenScatterv(ep, matrices[ep.rank]!, range(p).map((r) => (r === 0 ? 4 : 0)), MATMUL, 0),
      );
      expect(results[0]).toEqual(fold(MATMUL, matrices));
    });
  }

  it('mismatched lengths are ERR_COUNT', async () => {
    const outcome = run(3, (ep) => reduceScatter(ep, new Float64Array(ep.rank === 2 ? 5 : 6), [2, 2, 2], SUM, 0), {});
    await expect(outcome).rejects.toMatchObject({ errorClass: 'ERR_COUNT' });
  });
});

describe('Buffers', () => {
  it('gatherv and allgatherv of Buffers give Buffers', async () => {
    const { results } = await run(3, async (ep) => ({
      gathered: await linearGatherv(ep, Buffer.from([ep.rank, ep.rank]), 0, 0),
      all: await inlineThenRingAllgatherv(ep, Buffer.from([ep.rank]), 1, -1),
    }));
    expect(Buffer.isBuffer(results[0]!.gathered)).toBe(true);
    expect([...results[0]!.gathered!]).toEqual([0, 0, 1, 1, 2, 2]);
    for (const { all } of results) expect([...all]).toEqual([0, 1, 2]);
  });
});

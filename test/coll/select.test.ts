import { describe, expect, it } from 'vitest';
import * as coll from '../../src/coll/select.js';
import {
  ALLREDUCE_RABENSEIFNER_MIN_BYTES,
  ALLREDUCE_RING_MIN_BYTES,
  ALLTOALL_BRUCK_MAX_ITEM_BYTES,
  ALLTOALL_BRUCK_MIN_RANKS,
  REDUCE_SCATTER_RING_MIN_BYTES,
  SCAN_LINEAR_MIN_BYTES,
} from '../../src/coll/select.js';
import { MAX, Op, SUM } from '../../src/ops.js';
import {
  CONCAT,
  SIZES,
  ceilLog2,
  expectSameTyped,
  floatsOf,
  fold,
  largestPowerOfTwo,
  letterOf,
  objectOf,
  range,
  run,
} from './cases.js';

describe('algorithm choice at each threshold', () => {
  it('allreduce: ring from ALLREDUCE_RING_MIN_BYTES for commutative ops on typed arrays', () => {
    const below = new Float64Array(ALLREDUCE_RING_MIN_BYTES / 8 - 1);
    const at = new Float64Array(ALLREDUCE_RING_MIN_BYTES / 8);
    for (const size of [2, 3, 6]) {
      expect(coll.chooseAllreduce(size, below, SUM)).toBe('recursive-doubling');
      expect(coll.chooseAllreduce(size, at, SUM)).toBe('ring');
    }
    expect(coll.chooseAllreduce(4, at, Op.create((a: Float64Array) => a, false))).toBe('recursive-doubling');
    expect(coll.chooseAllreduce(1, at, SUM)).toBe('recursive-doubling');
    expect(coll.chooseAllreduce(4, Array.from(at), SUM)).toBe('recursive-doubling');
  });

  it('allreduce: Rabenseifner from ALLREDUCE_RABENSEIFNER_MIN_BYTES on 4, 8, 16 ranks', () => {
    const below = new Float64Array(ALLREDUCE_RABENSEIFNER_MIN_BYTES / 8 - 1);
    const at = new Float64Array(ALLREDUCE_RABENSEIFNER_MIN_BYTES / 8);
    const large = new Float64Array(ALLREDUCE_RING_MIN_BYTES / 8);
    for (const size of [4, 8, 16]) {
      expect(coll.chooseAllreduce(size, below, SUM)).toBe('recursive-doubling');
      expect(coll.chooseAllreduce(size, at, SUM)).toBe('rabenseifner');
      expect(coll.chooseAllreduce(size, large, SUM)).toBe('rabenseifner');
    }
    expect(coll.chooseAllreduce(2, at, SUM)).toBe('recursive-doubling');
    expect(coll.chooseAllreduce(6, large, SUM)).toBe('ring');
    expect(coll.chooseAllreduce(8, at, Op.create((a: Float64Array) => a, false))).toBe('recursive-doubling');
  });

  it('reduceScatter: ring from REDUCE_SCATTER_RING_MIN_BYTES for commutative ops', () => {
    expect(coll.chooseReduceScatter(3, new Uint8Array(REDUCE_SCATTER_RING_MIN_BYTES - 1), SUM)).toBe('reduce-scatterv');
    expect(coll.chooseReduceScatter(3, new Uint8Array(REDUCE_SCATTER_RING_MIN_BYTES), SUM)).toBe('ring');
    expect(coll.chooseReduceScatter(3, new Uint8Array(REDUCE_SCATTER_RING_MIN_BYTES), CONCAT)).toBe('reduce-scatterv');
  });

  it('scan: linear from SCAN_LINEAR_MIN_BYTES', () => {
    expect(coll.chooseScan(new Uint8Array(SCAN_LINEAR_MIN_BYTES - 1))).toBe('recursive-doubling');
    expect(coll.chooseScan(new Uint8Array(SCAN_LINEAR_MIN_BYTES))).toBe('linear');
    expect(coll.chooseScan('x'.repeat(SCAN_LINEAR_MIN_BYTES))).toBe('recursive-doubling');
  });

  it('allgather: recursive doubling on powers of two, Bruck otherwise', () => {
    expect(SIZES.map(coll.chooseAllgather)).toEqual(
      SIZES.map((p) => ((p & (p - 1)) === 0 ? 'recursive-doubling' : 'bruck')),
    );
  });

  it('alltoall: Bruck from ALLTOALL_BRUCK_MIN_RANKS ranks when all items are small', () => {
    expect(coll.chooseAlltoall(ALLTOALL_BRUCK_MIN_RANKS - 1, true)).toBe('pairwise');
    expect(coll.chooseAlltoall(ALLTOALL_BRUCK_MIN_RANKS, true)).toBe('bruck');
    expect(coll.chooseAlltoall(ALLTOALL_BRUCK_MIN_RANKS, false)).toBe('pairwise');
  });
});

describe('selected collectives end to end', () => {
  it.each(SIZES)('every collective on any value (p = %i)', async (p) => {
    const root = p - 1;
    const { results } = await run(p, async (ep, rank) => ({
      bcast: await coll.bcast(ep, rank === root ? objectOf(root) : null, root, 1),
      gather: await coll.gather(ep, objectOf(rank), root, 2),
      scatter: await coll.scatter(ep, rank === root ? range(p).map(objectOf) : null, root, 3),
      allgather: await coll.allgather(ep, objectOf(rank), 4),
      alltoall: await coll.alltoall(ep, range(p).map((to) => [rank, to]), 5),
      reduce: await coll.reduce(ep, letterOf(rank), CONCAT, root, 6),
      allreduce: await coll.allreduce(ep, letterOf(rank), CONCAT, 7),
      scan: await coll.scan(ep, letterOf(rank), CONCAT, 8),
      exscan: await coll.exscan(ep, letterOf(rank), CONCAT, 9),
    }));
    const word = range(p).map(letterOf).join('');
    results.forEach((r, rank) => {
      expect(r.bcast).toEqual(objectOf(root));
      expect(r.gather).toEqual(rank === root ? range(p).map(objectOf) : null);
      expect(r.scatter).toEqual(objectOf(rank));
      expect(r.allgather).toEqual(range(p).map(objectOf));
      expect(r.alltoall).toEqual(range(p).map((from) => [from, rank]));
      expect(r.reduce).toBe(rank === root ? word : null);
      expect(r.allreduce).toBe(word);
      expect(r.scan).toBe(word.slice(0, rank + 1));
      expect(r.exscan).toBe(rank === 0 ? null : word.slice(0, rank));
    });
  });

  it.each(SIZES)('every typed-array collective, uneven and zero counts (p = %i)', async (p) => {
    const counts = range(p).map((r) => r % 3);
    const n = counts.reduce((a, b) => a + b, 0);
    const { results } = await run(p, async (ep, rank) => ({
      gatherv: await coll.gatherv(ep, floatsOf(rank, counts[rank]!), 0, 1),
      scatterv: await coll.scatterv(ep, rank === 0 ? floatsOf(9, n) : null, counts, 0, 2),
      allgatherv: await coll.allgatherv(ep, floatsOf(rank, counts[rank]!), 3),
      alltoallv: await coll.alltoallv(ep, floatsOf(rank, p), range(p).map(() => 1), 4),
      reduceScatter: await coll.reduceScatter(ep, floatsOf(rank, n), counts, SUM, 5),
    }));
    const joined = Float64Array.from(range(p).flatMap((r) => [...floatsOf(r, counts[r]!)]));
    const total = fold(SUM, range(p).map((r) => floatsOf(r, n)));
    const displs = counts.map((_, r) => counts.slice(0, r).reduce((a, b) => a + b, 0));
    results.forEach((r, rank) => {
      if (rank === 0) expectSameTyped(r.gatherv, joined);
      else expect(r.gatherv).toBeNull();
      expectSameTyped(r.scatterv, floatsOf(9, n).slice(displs[rank], displs[rank]! + counts[rank]!));
      expectSameTyped(r.allgatherv, joined);
      expectSameTyped(r.alltoallv, Float64Array.from(range(p).map((from) => floatsOf(from, p)[rank]!)));
      expectSameTyped(r.reduceScatter, total.slice(displs[rank], displs[rank]! + counts[rank]!));
    });
  });

  it.each([3, 4])('large typed arrays through the size-selected algorithms (p = %i)', async (p) => {
    const n = Math.max(ALLREDUCE_RING_MIN_BYTES, SCAN_LINEAR_MIN_BYTES, REDUCE_SCATTER_RING_MIN_BYTES) / 8;
    const inputs = range(p).map((r) => floatsOf(r, n));
    const counts = range(p).map((r) => (r === 0 ? n - (p - 1) * 1000 : 1000));
    const { results } = await run(p, async (ep, rank) => ({
      allreduce: await coll.allreduce(ep, inputs[rank]!, SUM, 1),
      scan: await coll.scan(ep, inputs[rank]!, SUM, 2),
      reduceScatter: await coll.reduceScatter(ep, inputs[rank]!, counts, SUM, 3),
    }));
    const total = fold(SUM, inputs);
    results.forEach((r, rank) => {
      expectSameTyped(r.allreduce, total);
      expectSameTyped(r.scan, fold(SUM, inputs.slice(0, rank + 1)));
      const start = counts.slice(0, rank).reduce((a, b) => a + b, 0);
      expectSameTyped(r.reduceScatter, total.slice(start, start + counts[rank]!));
    });
  });

  it.each([8, 9, 16])('alltoall agrees on Bruck for small items and pairwise when any item is large (p = %i)', async (p) => {
    // The agreement is a recursive-doubling allreduce: pof2·log2(pof2) + 2·rem messages.
    const pof2 = largestPowerOfTwo(p);
    const agreement = pof2 * Math.log2(pof2) + 2 * (p - pof2);
    const small = await run(p, (ep) => coll.alltoall(ep, range(p).map((to) => ep.rank * 100 + to), 0));
    small.results.forEach((received, rank) => expect(received).toEqual(range(p).map((from) => from * 100 + rank)));
    expect(small.world.totalMessages()).toBe(agreement + p * ceilLog2(p)); // Bruck

    const large = new Float64Array(ALLTOALL_BRUCK_MAX_ITEM_BYTES / 8 + 1);
    const mixed = await run(p, (ep) => coll.alltoall(ep, range(p).map((to) => (ep.rank === 1 && to === 0 ? large : to)), 0));
    expect(mixed.results[0]![1]).toEqual(large);
    expect(mixed.world.totalMessages()).toBe(agreement + p * (p - 1)); // pairwise
  });
});

describe('several collectives in flight at once, each with its own tag', () => {
  it.each(SIZES)('start in the same order on every rank, complete in any order (p = %i)', async (p) => {
    const { results } = await run(p, (ep, rank) =>
      Promise.all([
        coll.allreduce(ep, floatsOf(rank, 5), SUM, 10),
        coll.barrier(ep, 11),
        coll.bcast(ep, rank === 0 ? 'hello' : null, 0, 12),
        coll.allgather(ep, rank, 13),
        coll.scan(ep, letterOf(rank), CONCAT, 14),
        coll.alltoall(ep, range(p).map((to) => to * rank), 15),
        coll.reduceScatter(ep, floatsOf(rank, p), range(p).map(() => 1), MAX, 16),
        coll.allgatherv(ep, floatsOf(rank, rank), 17),
      ]),
    );
    const sum = fold(SUM, range(p).map((r) => floatsOf(r, 5)));
    results.forEach(([allreduce, barrier, bcast, allgather, scan, alltoall, reduceScatter, allgatherv], rank) => {
      expectSameTyped(allreduce, sum);
      expect(barrier).toBeUndefined();
      expect(bcast).toBe('hello');
      expect(allgather).toEqual(range(p));
      expect(scan).toBe(range(rank + 1).map(letterOf).join(''));
      expect(alltoall).toEqual(range(p).map((from) => rank * from));
      expectSameTyped(reduceScatter, Float64Array.of(floatsOf(p - 1, p)[rank]!));
      expectSameTyped(allgatherv, Float64Array.from(range(p).flatMap((r) => [...floatsOf(r, r)])));
    });
  });
});

describe('argument checks, before anything is sent', () => {
  const failsWith = async (errorClass: string, body: Parameters<typeof run>[1], p = 3) => {
    const { results, world } = await run(p, async (ep, rank) => {
      try {
        await body(ep, rank);
        return 'ok';
      } catch (error) {
        return (error as { errorClass?: string }).errorClass;
      }
    });
    expect(results).toEqual(new Array(p).fill(errorClass));
    expect(world.totalMessages()).toBe(0);
  };

  it('ERR_OP for something that is not an Op', async () => {
    await failsWith('ERR_OP', (ep) => coll.allreduce(ep, 1, ((a: number, b: number) => a + b) as never, 0));
    await failsWith('ERR_OP', (ep) => coll.reduce(ep, 1, 'SUM' as never, 0, 0));
  });

  it('ERR_ARG for a non-typed array where a typed array is needed', async () => {
    await failsWith('ERR_ARG', (ep) => coll.gatherv(ep, [1, 2] as never, 0, 0));
    await failsWith('ERR_ARG', (ep) => coll.allgatherv(ep, null as never, 0));
  });

  it('ERR_COUNT for counts that do not fit', async () => {
    await failsWith('ERR_COUNT', (ep) => coll.scatterv(ep, new Int8Array(3), [1, 1], 0, 0));
    await failsWith('ERR_COUNT', (ep) => coll.reduceScatter(ep, new Int8Array(3), [1, 1, 2], SUM, 0));
    await failsWith('ERR_COUNT', (ep) => coll.alltoallv(ep, new Int8Array(3), [1, -1, 3], 0));
    await failsWith('ERR_COUNT', (ep) => coll.alltoall(ep, [1, 2], 0));
    await failsWith('ERR_COUNT', (ep) => coll.scatter(ep, [1, 2], 0, 0), 1);
  });
});

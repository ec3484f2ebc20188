import { describe, expect, it } from 'vitest';
import {
  cartCoords,
  cartNeighbors,
  cartRank,
  cartShift,
  cartSub,
  checkCartesian,
} from '../../../src/comm/topology/cartesian.js';
import { PROC_NULL } from '../../../src/constants.js';

const errorClass = (action: () => unknown): string | undefined => {
  try {
    action();
  } catch (error) {
    return (error as { errorClass?: string }).errorClass;
  }
  return undefined;
};

describe('coordinates', () => {
  it('are row-major: the last dimension varies fastest', () => {
    expect([0, 1, 2, 3, 4, 5].map((r) => cartCoords(r, [2, 3]))).toEqual([
      [0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2],
    ]);
    expect(cartCoords(23, [2, 3, 4])).toEqual([1, 2, 3]);
  });

  it('round-trip through cartRank for every rank of a 3-D grid', () => {
    const dims = [3, 2, 4];
    for (let rank = 0; rank < 24; rank++) expect(cartRank(cartCoords(rank, dims), dims, [false, false, false])).toBe(rank);
  });

  it('wrap in periodic dimensions; out of range in a non-periodic one is ERR_ARG', () => {
    expect(cartRank([-1, 4], [2, 3], [true, true])).toBe(cartRank([1, 1], [2, 3], [false, false]));
    expect(errorClass(() => cartRank([2, 0], [2, 3], [false, true]))).toBe('ERR_ARG');
    expect(errorClass(() => cartRank([0], [2, 3], [false, false]))).toBe('ERR_ARG');
    expect(errorClass(() => cartCoords(6, [2, 3]))).toBe('ERR_RANK');
  });
});

describe('shift', () => {
  it('on a non-periodic 2-D grid gives PROC_NULL off the edges', () => {
    const dims = [3, 4];
    const periods = [false, false];
    expect(cartShift(0, dims, periods, 0)).toEqual([PROC_NULL, 4]);
    expect(cartShift(0, dims, periods, 1)).toEqual([PROC_NULL, 1]);
    expect(cartShift(11, dims, periods, 0)).toEqual([7, PROC_NULL]);
    expect(cartShift(11, dims, periods, 1)).toEqual([10, PROC_NULL]);
    expect(cartShift(5, dims, periods, 1, 2)).toEqual([PROC_NULL, 7]);
    expect(cartShift(5, dims, periods, 0, -1)).toEqual([9, 1]);
    expect(cartShift(5, dims, periods, 0, 0)).toEqual([5, 5]);
  });

  it('on a periodic 2-D grid wraps around, also for displacements larger than the dimension', () => {
    const dims = [3, 4];
    const periods = [true, true];
    expect(cartShift(0, dims, periods, 0)).toEqual([8, 4]);
    expect(cartShift(0, dims, periods, 1)).toEqual([3, 1]);
    expect(cartShift(11, dims, periods, 1, 5)).toEqual([10, 8]);
  });

  it('on a mixed 3-D grid wraps only the periodic dimension', () => {
    const dims = [2, 2, 3];
    const periods = [false, true, false];
    // rank 11 = (1, 1, 2)
    expect(cartShift(11, dims, periods, 0)).toEqual([5, PROC_NULL]);
    expect(cartShift(11, dims, periods, 1)).toEqual([8, 8]);
    expect(cartShift(11, dims, periods, 2)).toEqual([10, PROC_NULL]);
  });

  it('rejects a bad direction or displacement with ERR_ARG', () => {
    expect(errorClass(() => cartShift(0, [2, 2], [false, false], 2))).toBe('ERR_ARG');
    expect(errorClass(() => cartShift(0, [2, 2], [false, false], -1))).toBe('ERR_ARG');
    expect(errorClass(() => cartShift(0, [2, 2], [false, false], 0, 0.5))).toBe('ERR_ARG');
  });
});

describe('neighbours', () => {
  it('are the negative then the positive neighbour of each dimension', () => {
    // rank 4 = (1, 1) in the middle of a 3×3 grid
    expect(cartNeighbors(4, [3, 3], [false, false])).toEqual([1, 7, 3, 5]);
    expect(cartNeighbors(0, [3, 3], [false, false])).toEqual([PROC_NULL, 3, PROC_NULL, 1]);
    expect(cartNeighbors(0, [3, 3], [true, false])).toEqual([6, 3, PROC_NULL, 1]);
    expect(cartNeighbors(0, [2, 1], [true, true])).toEqual([1, 1, 0, 0]);
  });
});

describe('sub', () => {
  it('keeping rows of a 2-D grid: color is the row, key the column', () => {
    const dims = [2, 3];
    const plans = [0, 1, 2, 3, 4, 5].map((r) => cartSub(r, dims, [true, false], [false, true]));
    expect(plans.map((p) => p.color)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(plans.map((p) => p.key)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(plans[0]!.dims).toEqual([3]);
    expect(plans[0]!.periods).toEqual([false]);
  });

  it('keeping dimensions 0 and 2 of a 3-D grid', () => {
    const dims = [2, 3, 2];
    const periods = [true, false, true];
    for (let rank = 0; rank < 12; rank++) {
      const [a, b, c] = cartCoords(rank, dims) as [number, number, number];
      const plan = cartSub(rank, dims, periods, [true, false, true]);
      expect(plan).toEqual({ color: b, key: a * 2 + c, dims: [2, 2], periods: [true, true] });
    }
  });

  it('keeping nothing gives every rank its own group; keeping everything one group', () => {
    expect([0, 1, 2, 3].map((r) => cartSub(r, [2, 2], [false, false], [false, false]).color)).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((r) => cartSub(r, [2, 2], [false, false], [true, true]))).toEqual(
      [0, 1, 2, 3].map((key) => ({ color: 0, key, dims: [2, 2], periods: [false, false] })),
    );
    expect(errorClass(() => cartSub(0, [2, 2], [false, false], [true]))).toBe('ERR_ARG');
  });
});

describe('checkCartesian', () => {
  it('fills in periods and rejects bad grids with ERR_ARG', () => {
    expect(checkCartesian([2, 3], undefined, 6)).toEqual([false, false]);
    expect(checkCartesian([2, 3], [true, false], 8)).toEqual([true, false]);
    expect(errorClass(() => checkCartesian([2, 4], undefined, 6))).toBe('ERR_ARG');
    expect(errorClass(() => checkCartesian([2, 0], undefined, 6))).toBe('ERR_ARG');
    expect(errorClass(() => checkCartesian([2, 3], [true], 6))).toBe('ERR_ARG');
    // Not an array at all: ERR_ARG too, not a TypeError (nor a string taken as its characters).
    for (const periods of [null, 5, 'ab', { length: 2 }]) {
      expect(errorClass(() => checkCartesian([2, 3], periods as unknown as boolean[], 6)), String(periods)).toBe('ERR_ARG');
    }
  });
});

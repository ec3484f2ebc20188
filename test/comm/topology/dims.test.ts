import { describe, expect, it } from 'vitest';
import { computeDims } from '../../../src/comm/topology/dims.js';

describe('computeDims (MPI_Dims_create)', () => {
  // Results of MPI_Dims_create from the MPI standard's examples and Open MPI / MPICH.
  it.each([
    [6, 2, [3, 2]],
    [7, 2, [7, 1]],
    [12, 3, [3, 2, 2]],
    [8, [0, 2, 0], [2, 2, 2]],
    [6, [0, 3, 0], [2, 3, 1]],
    [16, 4, [2, 2, 2, 2]],
    [12, 2, [4, 3]],
    [24, 3, [4, 3, 2]],
    [16, 3, [4, 2, 2]],
    [36, 2, [6, 6]],
    [72, 2, [9, 8]],
    [100, 3, [5, 5, 4]],
    [1, 3, [1, 1, 1]],
    [5, 1, [5]],
    [64, 3, [4, 4, 4]],
    [30, 3, [5, 3, 2]],
    [4, [2, 0], [2, 2]],
    [12, [0, 0, 3], [2, 2, 3]],
    [9, [3, 3], [3, 3]],
    [1, 0, []],
    // Four or more dimensions with fewer prime factors than dimensions.
    [20, 4, [5, 2, 2, 1]],
    [28, 4, [7, 2, 2, 1]],
    [42, 4, [7, 3, 2, 1]],
    [60, 5, [5, 3, 2, 2, 1]],
  ] as const)('computeDims(%j, %j) = %j', (nnodes, dims, expected) => {
    expect(computeDims(nnodes, dims as number | number[])).toEqual(expected);
  });

  it('does not modify the array it is given', () => {
    const dims = [0, 2, 0];
    computeDims(8, dims);
    expect(dims).toEqual([0, 2, 0]);
  });

  it.each([
    [7, [0, 3, 0]],
    [6, [4, 0]],
    [6, [2, 2]],
    [0, 2],
    [-4, 2],
    [2.5, 2],
    [4, -1],
    [4, [0, -2]],
    [4, [0, 1.5]],
    [2, 0],
  ] as const)('fails with ERR_ARG for computeDims(%j, %j)', (nnodes, dims) => {
    expect(() => computeDims(nnodes, dims as number | number[])).toThrow(expect.objectContaining({ errorClass: 'ERR_ARG' }));
  });
});

import { describe, expect, it } from 'vitest';
import { cartCoords, cartNeighbors } from '../../../src/comm/topology/cartesian.js';
import {
  cartNeighborAllgather,
  cartNeighborAlltoall,
  neighborAllgather,
  neighborAlltoall,
} from '../../../src/coll/neighbor.js';
import { PROC_NULL } from '../../../src/constants.js';
import { makeWorld, runOnAll } from '../../helpers/fakeEndpoint.js';

const grids: Array<[dims: number[], periods: boolean[]]> = [
  [[3, 3], [false, false]],
  [[2, 4], [true, false]],
  [[2, 2, 3], [false, true, true]],
  [[2, 1], [true, true]], // both neighbours of a dimension are the same rank, or the rank itself
  [[1, 2, 2], [true, true, false]],
];

function world(size: number) {
  return makeWorld(size, { rendezvous: true, delays: true, seed: size });
}

describe.each(grids)('cartesian neighbour collectives on %j, periods %j', (dims, periods) => {
  const size = dims.reduce((a, b) => a * b, 1);
  const neighborsOf = (rank: number) => cartNeighbors(rank, dims, periods);

  it('allgather: one value per neighbour, undefined for PROC_NULL', async () => {
    const results = await runOnAll(world(size), (ep) =>
      cartNeighborAllgather(ep, { from: ep.rank }, neighborsOf(ep.rank), 0),
    );
    results.forEach((received, rank) =>
      expect(received).toEqual(neighborsOf(rank).map((n) => (n === PROC_NULL ? undefined : { from: n }))),
    );
  });

  it('alltoall: slot 2d gets what the negative neighbour sent in the positive direction, and vice versa', async () => {
    // What `from` sends to its neighbour in slot `slot`: names both.
    const item = (from: number, slot: number) => `${from}:${slot}`;
    const results = await runOnAll(world(size), (ep) =>
      cartNeighborAlltoall(ep, neighborsOf(ep.rank).map((_, slot) => item(ep.rank, slot)), neighborsOf(ep.rank), 0),
    );
    results.forEach((received, rank) => {
      const expected = neighborsOf(rank).map((n, slot) => {
        if (n === PROC_NULL) return undefined;
        const opposite = slot % 2 === 0 ? slot + 1 : slot - 1; // the neighbour sent towards me
        return item(n, opposite);
      });
      expect(received, `rank ${rank} at ${cartCoords(rank, dims).join(',')}`).toEqual(expected);
    });
  });
});

describe('graph neighbour collectives', () => {
  // A directed graph with a repeated edge (0 → 1 twice) and a self-loop (2 → 2).
  const destinations = [[1, 1, 2], [2], [0, 2], []];
  const sources = [[2], [0, 0], [0, 1, 2], []];

  it('allgather: receives in sources order', async () => {
    const results = await runOnAll(world(4), (ep) =>
      neighborAllgather(ep, `v${ep.rank}`, sources[ep.rank]!, destinations[ep.rank]!, 0),
    );
    expect(results).toEqual([['v2'], ['v0', 'v0'], ['v0', 'v1', 'v2'], []]);
  });

  it('alltoall: item i goes to destinations[i]; repeated edges match in order', async () => {
    const results = await runOnAll(world(4), (ep) =>
      neighborAlltoall(ep, destinations[ep.rank]!.map((d, i) => `${ep.rank}->${d}#${i}`), sources[ep.rank]!, destinations[ep.rank]!, 0),
    );
    expect(results).toEqual([['2->0#0'], ['0->1#0', '0->1#1'], ['0->2#2', '1->2#0', '2->2#1'], []]);
  });

  it('PROC_NULL entries send nothing and receive undefined', async () => {
    const w = world(2);
    const results = await runOnAll(w, (ep) =>
      neighborAlltoall(ep, ['a', 'b'], [PROC_NULL, 1 - ep.rank], [1 - ep.rank, PROC_NULL], 0),
    );
    expect(results).toEqual([[undefined, 'a'], [undefined, 'a']]);
    expect(w.totalMessages()).toBe(2);
  });

  it('alltoall needs one item per destination (ERR_COUNT)', async () => {
    await expect(runOnAll(world(2), (ep) => neighborAlltoall(ep, ['a'], [], [0, 1], 0))).rejects.toMatchObject({
      errorClass: 'ERR_COUNT',
    });
  });
});

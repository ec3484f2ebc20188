import { describe, expect, it } from 'vitest';
import { bruckAlltoall, pairwiseAlltoall } from '../../src/coll/alltoall.js';
import { SIZES, ceilLog2, floatsOf, range, run } from './cases.js';

const algorithms = [
  ['pairwise', pairwiseAlltoall, (p: number) => p - 1],
  ['Bruck', bruckAlltoall, ceilLog2],
] as const;

/** What rank `from` sends to rank `to`: unique per pair. */
const item = (from: number, to: number) => ({ from, to, payload: [from * 100 + to] });

describe.each(algorithms)('%s alltoall', (_, alltoall, messagesPerRank) => {
  it.each(SIZES)('delivers item i of each rank to rank i, in source order (p = %i)', async (p) => {
    const { results, world } = await run(p, (ep) => alltoall(ep, range(p).map((to) => item(ep.rank, to)), 0));
    results.forEach((received, rank) => expect(received).toEqual(range(p).map((from) => item(from, rank))));
    expect(world.messages).toEqual(new Array(p).fill(messagesPerRank(p)));
  });

  it.each(SIZES)('carries typed arrays and undefined items (p = %i)', async (p) => {
    const make = (from: number, to: number) => ((from + to) % 4 === 0 ? undefined : floatsOf(from, to));
    const { results } = await run(p, (ep) => alltoall(ep, range(p).map((to) => make(ep.rank, to)), 0));
    results.forEach((received, rank) => expect(received).toEqual(range(p).map((from) => make(from, rank))));
  });
});

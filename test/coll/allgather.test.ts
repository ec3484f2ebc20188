import { describe, expect, it } from 'vitest';
import { bruckAllgather, recursiveDoublingAllgather } from '../../src/coll/allgather.js';
import { SIZES, ceilLog2, floatsOf, objectOf, range, run } from './cases.js';

const POWERS_OF_TWO = SIZES.filter((p) => (p & (p - 1)) === 0);

describe('recursive-doubling allgather', () => {
  it.each(POWERS_OF_TWO)('gives every rank all values in rank order, log2 p messages each (p = %i)', async (p) => {
    const { results, world } = await run(p, (ep) => recursiveDoublingAllgather(ep, objectOf(ep.rank), 0));
    for (const result of results) expect(result).toEqual(range(p).map(objectOf));
    expect(world.messages).toEqual(new Array(p).fill(Math.log2(p)));
    expect(world.rounds()).toBe(Math.log2(p));
  });

  it('refuses a size that is not a power of two', async () => {
    await expect(run(3, (ep) => recursiveDoublingAllgather(ep, 1, 0))).rejects.toMatchObject({ errorClass: 'ERR_ARG' });
  });
});

describe('Bruck allgather', () => {
  it.each(SIZES)('gives every rank all values in rank order, ⌈log2 p⌉ messages each (p = %i)', async (p) => {
    const { results, world } = await run(p, (ep) => bruckAllgather(ep, objectOf(ep.rank), 0));
    for (const result of results) expect(result).toEqual(range(p).map(objectOf));
    expect(world.messages).toEqual(new Array(p).fill(ceilLog2(p)));
    expect(world.rounds()).toBe(ceilLog2(p));
  });

  it.each(SIZES)('carries typed arrays of different lengths (p = %i)', async (p) => {
    const { results } = await run(p, (ep) => bruckAllgather(ep, floatsOf(ep.rank, ep.rank * 3), 0));
    for (const result of results) expect(result).toEqual(range(p).map((r) => floatsOf(r, r * 3)));
  });
});

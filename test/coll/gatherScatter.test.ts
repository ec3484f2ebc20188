import { describe, expect, it } from 'vitest';
import { binomialGather } from '../../src/coll/gather.js';
import { binomialScatter } from '../../src/coll/scatter.js';
import { SIZES, bigintsOf, ceilLog2, floatsOf, objectOf, range, run } from './cases.js';

describe('binomial gather', () => {
  it.each(SIZES)('collects every rank’s value in rank order on every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      const { results, world } = await run(p, (ep) => binomialGather(ep, objectOf(ep.rank), root, 3));
      results.forEach((value, rank) => expect(value).toEqual(rank === root ? range(p).map(objectOf) : null));
      expect(world.totalMessages()).toBe(p - 1);
      expect(world.rounds()).toBeLessThanOrEqual(ceilLog2(p));
    }
  });

  it.each(SIZES)('typed arrays of different lengths keep their types (p = %i)', async (p) => {
    const root = p - 1;
    const { results } = await run(p, (ep) =>
      binomialGather(ep, ep.rank % 2 ? floatsOf(ep.rank, ep.rank) : bigintsOf(ep.rank, 2), root, 0),
    );
    expect(results[root]).toEqual(range(p).map((r) => (r % 2 ? floatsOf(r, r) : bigintsOf(r, 2))));
  });

  it('the root’s own entry is its value itself', async () => {
    const data = { mine: true };
    const { results } = await run(4, (ep) => binomialGather(ep, ep.rank === 2 ? data : {}, 2, 0));
    expect(results[2]![2]).toBe(data);
  });
});

describe('binomial scatter', () => {
  it.each(SIZES)('hands item r to rank r from every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      const items = range(p).map(objectOf);
      const { results, world } = await run(p, (ep) => binomialScatter(ep, ep.rank === root ? items : null, root, 3));
      expect(results).toEqual(items);
      expect(results[root]).toBe(items[root]);
      expect(world.totalMessages()).toBe(p - 1);
      expect(world.rounds()).toBe(ceilLog2(p));
    }
  });

  it.each(SIZES)('carries typed arrays and undefined items (p = %i)', async (p) => {
    const items = range(p).map((r) => (r % 3 === 0 ? undefined : floatsOf(r, r + 1)));
    const { results } = await run(p, (ep) => binomialScatter(ep, ep.rank === 0 ? items : null, 0, 0));
    expect(results).toEqual(items);
  });
});

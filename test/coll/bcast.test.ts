import { describe, expect, it } from 'vitest';
import { binomialBcast } from '../../src/coll/bcast.js';
import { SIZES, bigintsOf, ceilLog2, floatsOf, objectOf, range, run } from './cases.js';

describe('binomial bcast', () => {
  it.each(SIZES)('delivers the root value to every rank, every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      const { results } = await run(p, (ep) => binomialBcast(ep, ep.rank === root ? objectOf(root) : null, root, 5));
      expect(results).toEqual(new Array(p).fill(objectOf(root)));
    }
  });

  it.each(SIZES)('typed arrays arrive with their type (p = %i)', async (p) => {
    const root = p - 1;
    const { results } = await run(p, (ep) =>
      binomialBcast(ep, ep.rank === root ? { f: floatsOf(1, 33), b: bigintsOf(2, 3) } : undefined, root, 0),
    );
    for (const value of results) {
      expect(value!.f).toBeInstanceOf(Float64Array);
      expect(value).toEqual({ f: floatsOf(1, 33), b: bigintsOf(2, 3) });
    }
    const raw = await run(p, (ep) => binomialBcast(ep, ep.rank === 0 ? floatsOf(3, 1000) : null, 0, 0));
    for (const value of raw.results) expect(value).toEqual(floatsOf(3, 1000));
  });

  it('the root gets its own value back', async () => {
    const data = { x: 1 };
    const { results } = await run(3, (ep) => binomialBcast(ep, ep.rank === 1 ? data : null, 1, 0));
    expect(results[1]).toBe(data);
  });

  it.each(SIZES)('sends p − 1 messages in ⌈log2 p⌉ rounds from every root (p = %i)', async (p) => {
    for (const root of range(p)) {
      const { world } = await run(p, (ep) => binomialBcast(ep, 7, root, 0));
      expect(world.totalMessages()).toBe(p - 1);
      expect(world.rounds()).toBe(ceilLog2(p));
    }
  });
});

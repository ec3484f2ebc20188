import { describe, expect, it } from 'vitest';
import { disseminationBarrier, pairwiseBarrier } from '../../src/coll/barrier.js';
import type { CollEndpoint } from '../../src/coll/endpoint.js';
import { SIZES, ceilLog2, run } from './cases.js';

const POWERS_OF_TWO = SIZES.filter((p) => (p & (p - 1)) === 0);

describe.each([
  ['dissemination barrier', disseminationBarrier, SIZES],
  ['pairwise barrier', pairwiseBarrier, POWERS_OF_TWO],
] as Array<[string, (ep: CollEndpoint, tag: number) => Promise<void>, number[]]>)('%s', (_name, barrier, sizes) => {
  it.each(sizes)('no rank leaves before every rank has entered (p = %i)', async (p) => {
    let entered = 0;
    const seenOnExit: number[] = [];
    await run(p, async (ep) => {
      // Enter at different times.
      for (let turn = 0; turn < (ep.rank * 5) % 7; turn++) await new Promise((resolve) => setImmediate(resolve));
      entered++;
      await barrier(ep, 0);
      seenOnExit.push(entered);
    });
    expect(seenOnExit).toEqual(new Array(p).fill(p));
  });

  it.each(sizes)('each rank sends ⌈log2 p⌉ empty messages, in ⌈log2 p⌉ rounds (p = %i)', async (p) => {
    const { world } = await run(p, (ep) => barrier(ep, 0));
    expect(world.messages).toEqual(new Array(p).fill(ceilLog2(p)));
    expect(world.bytes).toEqual(new Array(p).fill(0));
    expect(world.totalMessages()).toBe(p * ceilLog2(p));
    expect(world.rounds()).toBe(ceilLog2(p));
  });
});

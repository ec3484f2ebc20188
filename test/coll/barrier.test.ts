import { describe, expect, it } from 'vitest';
import { disseminationBarrier } from '../../src/coll/barrier.js';
import { SIZES, ceilLog2, run } from './cases.js';

describe('dissemination barrier', () => {
  it.each(SIZES)('no rank leaves before every rank has entered (p = %i)', async (p) => {
    let entered = 0;
    const seenOnExit: number[] = [];
    await run(p, async (ep) => {
      // Enter at different times.
      for (let turn = 0; turn < (ep.rank * 5) % 7; turn++) await new Promise((resolve) => setImmediate(resolve));
      entered++;
      await disseminationBarrier(ep, 0);
      seenOnExit.push(entered);
    });
    expect(seenOnExit).toEqual(new Array(p).fill(p));
  });

  it.each(SIZES)('each rank sends ⌈log2 p⌉ messages, in ⌈log2 p⌉ rounds (p = %i)', async (p) => {
    const { world } = await run(p, (ep) => disseminationBarrier(ep, 0));
    expect(world.messages).toEqual(new Array(p).fill(ceilLog2(p)));
    expect(world.totalMessages()).toBe(p * ceilLog2(p));
    expect(world.rounds()).toBe(ceilLog2(p));
  });
});

/**
 * A mistake only the root of scatter/scatterv can see fails every rank with the root's
 * error class, instead of leaving the others waiting for data that never comes.
 */
import { describe, expect, it } from 'vitest';
import * as coll from '../../src/coll/select.js';
import { mpiError, MpiError } from '../../src/errors.js';
import { makeWorld } from '../helpers/fakeEndpoint.js';
import { SIZES, floatsOf, range } from './cases.js';

/** Every rank's outcome: its result, or its error's class and message. */
async function outcomes<R>(p: number, body: (ep: import('../../src/coll/endpoint.js').CollEndpoint) => Promise<R>) {
  const world = makeWorld(p, { seed: p, delays: true });
  const settled = await Promise.race([
    Promise.allSettled(world.endpoints.map((ep) => body(ep))),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`ranks still waiting:\n${world.pending()}`)), 3000)),
  ]);
  return {
    world,
    errors: settled.map((s) => (s.status === 'rejected' ? (s.reason as MpiError) : null)),
  };
}

describe('a mistake only the root can see', () => {
  it.each(SIZES.filter((p) => p > 1))('scatter with the wrong number of items fails every rank (p = %i)', async (p) => {
    for (const root of [0, p - 1]) {
      const { errors, world } = await outcomes(p, (ep) => coll.scatter(ep, ep.rank === root ? range(p + 1) : null, root, 5));
      errors.forEach((err, rank) => {
        expect(err, `rank ${rank}`).toBeInstanceOf(MpiError);
        expect(err!.errorClass).toBe('ERR_COUNT');
        expect(err!.message).toContain(`one item per rank (${p}), got ${p + 1}`);
        if (rank !== root) expect(err!.message).toContain(`root (rank ${root})`);
      });
      // One notice per non-root rank, down the same tree the items would take.
      expect(world.totalMessages()).toBe(p - 1);
    }
  });

  it('scatter fails every rank with the error class of a failed root-only check', async () => {
    const { errors } = await outcomes(4, (ep) =>
      coll.scatter(ep, ep.rank === 1 ? range(4) : null, 1, 0, () => {
        throw mpiError('ERR_ARG', 'cannot send item 2');
      }),
    );
    expect(errors.map((e) => e?.errorClass)).toEqual(['ERR_ARG', 'ERR_ARG', 'ERR_ARG', 'ERR_ARG']);
    expect(errors[0]!.message).toMatch(/root \(rank 1\) could not run it: cannot send item 2/);
  });

  it.each(SIZES.filter((p) => p > 1))('scatterv whose counts do not add up to the root array fails every rank (p = %i)', async (p) => {
    const counts = new Array(p).fill(1);
    const { errors, world } = await outcomes(p, (ep) => coll.scatterv(ep, ep.rank === 0 ? floatsOf(0, p + 3) : null, counts, 0, 1));
    errors.forEach((err, rank) => {
      expect(err, `rank ${rank}`).toBeInstanceOf(MpiError);
      expect(err!.errorClass).toBe('ERR_COUNT');
    });
    expect(world.totalMessages()).toBe(p - 1);
  });

  it('scatterv with no array at the root fails every rank with ERR_ARG', async () => {
    const { errors } = await outcomes(3, (ep) => coll.scatterv(ep, null, [1, 1, 1], 2, 0));
    expect(errors.map((e) => e?.errorClass)).toEqual(['ERR_ARG', 'ERR_ARG', 'ERR_ARG']);
  });

  it('items and blocks that merely look like a notice are data', async () => {
    const items = range(3).map((i) => ({ rootError: { errorClass: 'ERR_ARG', message: `item ${i}` } }));
    const world = makeWorld(3);
    const got = await Promise.all(world.endpoints.map((ep) => coll.scatter(ep, ep.rank === 0 ? items : null, 0, 0)));
    expect(got).toEqual(items);
  });
});

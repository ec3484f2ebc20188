/**
 * Allgather of a Uint8Array from every rank, the slowest rank's figure. `bytes` is each
 * rank's contribution (OSU's convention).
 *   tsmpiexec -n 4 bench/allgather.ts [--sizes 8,1M] [--iters N]
 */
import { run } from 'tsmpi';
import { collectiveIters, collectiveWarmup, emit, options, schedule, timeCollective } from './common.js';

await run(async (world) => {
  const opts = options();
  for (const bytes of opts.sizes) {
    const data = new Uint8Array(bytes).fill(world.rank);
    // Scheduled by the bytes each rank ends up with, like the anchor's counts for a reduction.
    const total = bytes * world.size;
    const { iters, warmup } = schedule(opts, collectiveIters(total), collectiveWarmup(total));
    const usec = await timeCollective(world, iters, warmup, () => world.allgather(data));
    emit(world, { bench: 'allgather', mode: 'buffer', bytes, usec, iters });
  }
});

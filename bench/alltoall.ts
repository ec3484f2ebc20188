/**
 * Alltoall of one Uint8Array per destination, the slowest rank's figure. `bytes` is
 * what each rank sends to each other rank (OSU's convention).
 *   tsmpiexec -n 4 bench/alltoall.ts [--sizes 8,1M] [--iters N]
 */
import { run } from 'tsmpi';
import { collectiveIters, collectiveWarmup, emit, options, schedule, timeCollective } from './common.js';

await run(async (world) => {
  const opts = options();
  for (const bytes of opts.sizes) {
    const data = Array.from({ length: world.size }, (_, dest) => new Uint8Array(bytes).fill(dest));
    // Scheduled by the bytes each rank ends up with, like the anchor's counts for a reduction.
    const total = bytes * world.size;
    const { iters, warmup } = schedule(opts, collectiveIters(total), collectiveWarmup(total));
    const usec = await timeCollective(world, iters, warmup, () => world.alltoall(data));
    emit(world, { bench: 'alltoall', mode: 'buffer', bytes, usec, iters });
  }
});

/**
 * Barrier time, the slowest rank's figure (bytes 0, as the anchor prints it).
 *   tsmpiexec -n 4 bench/barrier.ts [--iters N]
 */
import { run } from 'tsmpi';
import { collectiveIters, collectiveWarmup, emit, options, schedule, timeCollective } from './common.js';

await run(async (world) => {
  const opts = options();
  const { iters, warmup } = schedule(opts, collectiveIters(0), collectiveWarmup(0));
  const usec = await timeCollective(world, iters, warmup, () => world.barrier());
  emit(world, { bench: 'barrier', mode: 'buffer', bytes: 0, usec, iters });
});

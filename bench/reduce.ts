/**
 * Reduce (SUM) of a Float64Array to rank 0, the slowest rank's figure. Sizes are bytes
 * of float64 (at least one element, so 1…8 B all mean 8 B).
 *   tsmpiexec -n 4 bench/reduce.ts [--sizes 8,8M] [--iters N]
 */
import { run, SUM } from 'tsmpi';
import { collectiveIters, collectiveWarmup, emit, float64Count, float64Sizes, options, schedule, timeCollective } from './common.js';

await run(async (world) => {
  const opts = options({ minBytes: 8 });
  for (const bytes of float64Sizes(opts.sizes)) {
    const data = new Float64Array(float64Count(bytes)).fill(world.rank);
    const { iters, warmup } = schedule(opts, collectiveIters(bytes), collectiveWarmup(bytes));
    const usec = await timeCollective(world, iters, warmup, () => world.reduce(data, SUM, 0));
    emit(world, { bench: 'reduce', mode: 'buffer', bytes, usec, iters });
  }
});

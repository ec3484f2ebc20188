/**
 * Allreduce (SUM), the slowest rank's figure.
 *   mode buffer — a Float64Array (sizes in bytes of float64; 8 MiB is the anchor's 1 M doubles)
 *   mode object — a number, the rank (the anchor's pickled allreduce), bytes 8
 *   tsmpiexec -n 4 bench/allreduce.ts [--sizes 8,8M] [--mode buffer,object] [--iters N]
 */
import { run, SUM, type Comm } from 'tsmpi';
import {
  checkedModes,
  collectiveIters,
  collectiveWarmup,
  emit,
  float64Count,
  float64Sizes,
  options,
  schedule,
  timeCollective,
  type BenchOptions,
} from './common.js';

async function buffers(world: Comm, opts: BenchOptions): Promise<void> {
  for (const bytes of float64Sizes(opts.sizes)) {
    const data = new Float64Array(float64Count(bytes)).fill(world.rank);
    const { iters, warmup } = schedule(opts, collectiveIters(bytes), collectiveWarmup(bytes));
    const usec = await timeCollective(world, iters, warmup, () => world.allreduce(data, SUM));
    emit(world, { bench: 'allreduce', mode: 'buffer', bytes, usec, iters });
  }
}

async function objects(world: Comm, opts: BenchOptions): Promise<void> {
  const { iters, warmup } = schedule(opts, collectiveIters(8), collectiveWarmup(8));
  const usec = await timeCollective(world, iters, warmup, () => world.allreduce(world.rank, SUM));
  emit(world, { bench: 'allreduce', mode: 'object', bytes: 8, usec, iters });
}

await run(async (world) => {
  const opts = options({ minBytes: 8, modes: ['buffer', 'object'] });
  for (const mode of checkedModes(opts, ['buffer', 'object'] as const)) {
    await (mode === 'buffer' ? buffers(world, opts) : objects(world, opts));
  }
});

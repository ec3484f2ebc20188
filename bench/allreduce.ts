/**
 * Allreduce (SUM), the slowest rank's figure.
 *   mode buffer — a Float64Array into one result array (`allreduceInto`), as the anchor's
 *                 `Allreduce(send, recv)` (sizes in bytes of float64; 8 MiB is its 1 M doubles)
 *   mode alloc  — the same, each call's result a new array (`allreduce`)
 *   mode object — a number, the rank (the anchor's pickled allreduce), bytes 8
 *   tsmpiexec -n 4 bench/allreduce.ts [--sizes 8,8M] [--mode buffer,alloc,object] [--iters N]
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

async function buffers(world: Comm, opts: BenchOptions, mode: 'buffer' | 'alloc'): Promise<void> {
  for (const bytes of float64Sizes(opts.sizes)) {
    const data = new Float64Array(float64Count(bytes)).fill(world.rank);
    const out = new Float64Array(data.length);
    const { iters, warmup } = schedule(opts, collectiveIters(bytes), collectiveWarmup(bytes));
    const call = mode === 'buffer' ? () => world.allreduceInto(data, out, SUM) : () => world.allreduce(data, SUM);
    const usec = await timeCollective(world, iters, warmup, call);
    emit(world, { bench: 'allreduce', mode, bytes, usec, iters });
  }
}

async function objects(world: Comm, opts: BenchOptions): Promise<void> {
  const { iters, warmup } = schedule(opts, collectiveIters(8), collectiveWarmup(8));
  const usec = await timeCollective(world, iters, warmup, () => world.allreduce(world.rank, SUM));
  emit(world, { bench: 'allreduce', mode: 'object', bytes: 8, usec, iters });
}

await run(async (world) => {
  const opts = options({ minBytes: 8, modes: ['buffer', 'object'] });
  for (const mode of checkedModes(opts, ['buffer', 'alloc', 'object'] as const)) {
    await (mode === 'object' ? objects(world, opts) : buffers(world, opts, mode));
  }
});

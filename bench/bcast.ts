/**
 * Broadcast from rank 0, the slowest rank's figure.
 *   mode buffer — a Uint8Array of each size
 *   mode object — a small object { k: rank } (the anchor's pickled bcast), bytes 8
 *   tsmpiexec -n 4 bench/bcast.ts [--sizes 8,1M] [--mode buffer,object] [--iters N]
 */
import { run, type Comm } from 'tsmpi';
import { checkedModes, collectiveIters, collectiveWarmup, emit, options, schedule, timeCollective, type BenchOptions } from './common.js';

async function buffers(world: Comm, opts: BenchOptions): Promise<void> {
  for (const bytes of opts.sizes) {
    const data = new Uint8Array(bytes).fill(world.rank);
    const { iters, warmup } = schedule(opts, collectiveIters(bytes), collectiveWarmup(bytes));
    const usec = await timeCollective(world, iters, warmup, () => world.bcast(data, 0));
    emit(world, { bench: 'bcast', mode: 'buffer', bytes, usec, iters });
  }
}

async function objects(world: Comm, opts: BenchOptions): Promise<void> {
  const { iters, warmup } = schedule(opts, collectiveIters(8), collectiveWarmup(8));
  const usec = await timeCollective(world, iters, warmup, () => world.bcast({ k: world.rank }, 0));
  emit(world, { bench: 'bcast', mode: 'object', bytes: 8, usec, iters });
}

await run(async (world) => {
  const opts = options({ modes: ['buffer', 'object'] });
  for (const mode of checkedModes(opts, ['buffer', 'object'] as const)) {
    await (mode === 'buffer' ? buffers(world, opts) : objects(world, opts));
  }
});

/**
 * Ping-pong latency between ranks 0 and 1: half the round trip, per size.
 *   mode buffer — a Uint8Array as the whole message (raw bytes, no serialization)
 *   mode object — a small object { payload: Uint8Array } (structured clone), the
 *                 analogue of mpi4py's pickled send/recv in the anchor
 *   tsmpiexec -n 2 bench/latency.ts [--sizes 8,1K] [--mode buffer,object] [--iters N]
 */
import { run, wtime, type Comm } from 'tsmpi';
import { checkedModes, emit, latencyIters, latencyWarmup, options, schedule } from './common.js';

type Mode = 'buffer' | 'object';

function message(mode: Mode, bytes: number): unknown {
  const payload = new Uint8Array(bytes).fill(1);
  return mode === 'buffer' ? payload : { payload };
}

/** `rounds` round trips; rank 1 echoes what it got, as the anchor does. */
async function pingpong(world: Comm, msg: unknown, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (world.rank === 0) {
      await world.send(msg, 1, 1);
      await world.recv(1, 1);
    } else if (world.rank === 1) {
      const got = await world.recv(0, 1);
      await world.send(got, 0, 1);
    }
  }
}

async function measure(world: Comm, mode: Mode, bytes: number, iters: number, warmup: number): Promise<void> {
  const msg = message(mode, bytes);
  await world.barrier();
  await pingpong(world, msg, warmup);
  const start = wtime();
  await pingpong(world, msg, iters);
  const usec = ((wtime() - start) / iters / 2) * 1e6;
  emit(world, { bench: 'latency', mode, bytes, usec, iters });
}

await run(async (world) => {
  if (world.size < 2) throw new Error('latency needs at least 2 ranks');
  const opts = options({ modes: ['buffer', 'object'] });
  for (const mode of checkedModes<Mode>(opts, ['buffer', 'object'])) {
    for (const bytes of opts.sizes) {
      const { iters, warmup } = schedule(opts, latencyIters(bytes), latencyWarmup(bytes));
      await measure(world, mode, bytes, iters, warmup);
    }
  }
});

/**
 * Unidirectional bandwidth, OSU style: rank 0 starts a window of non-blocking sends,
 * rank 1 a window of non-blocking receives; when all have completed rank 1 sends a
 * one-byte ack, and the next window starts. Prints bench "bandwidth" (the anchor's name).
 * Mode "buffer" receives every message of a window into one buffer (`irecvInto`), as
 * OSU's osu_bw and the mpi4py anchor do; mode "alloc" receives each as a new typed
 * array (`irecv`), which the program holds until the window completes.
 *   tsmpiexec -n 2 bench/bw.ts [--sizes 1M,4M] [--window 64] [--iters N] [--mode buffer,alloc]
 */
import { Request, run, wtime, type Comm } from 'tsmpi';
import { bandwidthIters, bandwidthWarmup, checkedModes, emit, options, schedule } from './common.js';

type Mode = 'buffer' | 'alloc';

const DATA = 2;
const ACK = 3;

async function windows(world: Comm, buf: Uint8Array, mode: Mode, window: number, count: number): Promise<void> {
  const ack = new Uint8Array(1);
  const receive = mode === 'buffer' ? () => world.irecvInto(buf, 0, DATA) : () => world.irecv(0, DATA);
  for (let i = 0; i < count; i++) {
    if (world.rank === 0) {
      await Request.waitall(Array.from({ length: window }, () => world.isend(buf, 1, DATA)));
      await world.recv(1, ACK);
    } else if (world.rank === 1) {
      await Request.waitall(Array.from({ length: window }, () => receive()));
      await world.send(ack, 0, ACK);
    }
  }
}

async function measure(world: Comm, mode: Mode, bytes: number, window: number, iters: number, warmup: number): Promise<void> {
  const buf = new Uint8Array(bytes).fill(0x42);
  await world.barrier();
  await windows(world, buf, mode, window, warmup);
  const start = wtime();
  await windows(world, buf, mode, window, iters);
  const seconds = wtime() - start;
  emit(world, { bench: 'bandwidth', mode, bytes, MBps: (bytes * window * iters) / seconds / 1e6, iters, window });
}

await run(async (world) => {
  if (world.size < 2) throw new Error('bw needs at least 2 ranks');
  const opts = options();
  for (const mode of checkedModes<Mode>(opts, ['buffer', 'alloc'])) {
    for (const bytes of opts.sizes) {
      const { iters, warmup } = schedule(opts, bandwidthIters(bytes, opts.window), bandwidthWarmup());
      await measure(world, mode, bytes, opts.window, iters, warmup);
    }
  }
});

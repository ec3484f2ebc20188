/**
 * Bidirectional bandwidth, OSU style: ranks 0 and 1 each post a window of non-blocking
 * receives and a window of non-blocking sends to the other, then wait for all of them.
 * MBps counts the bytes of both directions. Modes as in bw.ts: "buffer" receives a
 * window into one buffer (`irecvInto`, as OSU does), "alloc" each message as a new array.
 *   tsmpiexec -n 2 bench/bibw.ts [--sizes 1M,4M] [--window 64] [--iters N] [--mode buffer,alloc]
 */
import { Request, run, wtime, type Comm } from 'tsmpi';
import { bandwidthIters, bandwidthWarmup, checkedModes, emit, options, schedule } from './common.js';

type Mode = 'buffer' | 'alloc';

const DATA = 4;

async function windows(world: Comm, buf: Uint8Array, mode: Mode, window: number, count: number): Promise<void> {
  if (world.rank > 1) return;
  const peer = 1 - world.rank;
  // The receive buffer is not the send buffer: the sends read theirs while the receives write.
  const into = new Uint8Array(buf.byteLength);
  const receive = mode === 'buffer' ? () => world.irecvInto(into, peer, DATA) : () => world.irecv(peer, DATA);
  for (let i = 0; i < count; i++) {
    const recvs = Array.from({ length: window }, () => receive());
    const sends = Array.from({ length: window }, () => world.isend(buf, peer, DATA));
    await Request.waitall([...recvs, ...sends]);
  }
}

async function measure(world: Comm, mode: Mode, bytes: number, window: number, iters: number, warmup: number): Promise<void> {
  const buf = new Uint8Array(bytes).fill(0x42);
  await world.barrier();
  await windows(world, buf, mode, window, warmup);
  const start = wtime();
  await windows(world, buf, mode, window, iters);
  const seconds = wtime() - start;
  emit(world, { bench: 'bibw', mode, bytes, MBps: (2 * bytes * window * iters) / seconds / 1e6, iters, window });
}

await run(async (world) => {
  if (world.size < 2) throw new Error('bibw needs at least 2 ranks');
  const opts = options();
  for (const mode of checkedModes<Mode>(opts, ['buffer', 'alloc'])) {
    for (const bytes of opts.sizes) {
      // Twice the bytes of bw move per window, so half as many windows take the same time.
      const { iters, warmup } = schedule(opts, Math.max(3, Math.round(bandwidthIters(bytes, opts.window) / 2)), bandwidthWarmup());
      await measure(world, mode, bytes, opts.window, iters, warmup);
    }
  }
});

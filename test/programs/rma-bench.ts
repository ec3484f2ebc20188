// fetchAndOp round-trip time: rank 1 (or rank 0 alone) increments a counter on rank 0.
// Also: get/put of 8 B and 1 MiB, and a p2p ping-pong of the same size for reference.
//   node bin/tsmpiexec.js -n 2 test/programs/rma-bench.ts
import { init, finalize, wtime, SUM } from 'tsmpi';

const world = await init();
const win = await world.createWindow(new Float64Array(128 * 1024));
const origin = world.size > 1 ? 1 : 0;
const iterations = 5000;

async function timeIt(what: string, body: () => Promise<unknown>, n = iterations): Promise<void> {
  await world.barrier();
  if (world.rank === origin) {
    for (let i = 0; i < Math.min(n, 2000); i++) await body(); // warm-up (JIT)
    const start = wtime();
    for (let i = 0; i < n; i++) await body();
    const us = ((wtime() - start) / n) * 1e6;
    console.log(`${what.padEnd(34)} ${us.toFixed(1).padStart(8)} µs`);
  }
  await world.barrier();
}

await timeIt('fetchAndOp (SUM) round trip', () => win.fetchAndOp(1, 0, 0, SUM));
await timeIt('compareAndSwap round trip', () => win.compareAndSwap(1, 0, 0, 1));
await timeIt('get 8 B', () => win.get(0, 0, 1));
const one = new Float64Array(1);
await timeIt('put 8 B + flush', async () => {
  await win.put(one, 0, 0);
  await win.flush(0);
});
const big = new Float64Array(128 * 1024);
await timeIt('get 1 MiB', () => win.get(0, 0, big.length), 200);
await timeIt('put 1 MiB + flush', async () => {
  await win.put(big, 0, 0);
  await win.flush(0);
}, 200);
if (world.size > 1) {
  await world.barrier();
  const start = wtime();
  for (let i = 0; i < iterations; i++) {
    if (world.rank === 1) {
      await world.send(one, 0);
      await world.recv(0);
    } else if (world.rank === 0) {
      await world.send(await world.recv(1), 1);
    }
  }
  if (world.rank === 1) console.log(`${'p2p ping-pong 8 B round trip'.padEnd(34)} ${(((wtime() - start) / iterations) * 1e6).toFixed(1).padStart(8)} µs`);
}
await win.free();
await finalize();

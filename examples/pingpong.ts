// Ping-pong between ranks 0 and 1: half the round-trip time for messages of growing
// size, as typed arrays (raw bytes) — the classic MPI latency/bandwidth test.
//   npx tsmpiexec -n 2 examples/pingpong.ts
import { run, wtime } from 'tsmpi';

await run(async (world) => {
  if (world.size < 2) throw new Error('pingpong needs at least 2 ranks');
  for (const bytes of [8, 1024, 64 * 1024, 1024 * 1024]) {
    const buf = new Uint8Array(bytes).fill(world.rank);
    const iterations = bytes <= 1024 ? 1000 : 100;
    await world.barrier();
    const start = wtime();
    for (let i = 0; i < iterations; i++) {
      if (world.rank === 0) {
        await world.send(buf, 1);
        await world.recv(1);
      } else if (world.rank === 1) {
        const got = await world.recv<Uint8Array>(0);
        await world.send(got, 0);
      }
    }
    const half = ((wtime() - start) / iterations / 2) * 1e6;
    if (world.rank === 0) {
      const mbps = bytes / half;
      console.log(`${String(bytes).padStart(8)} B  ${half.toFixed(1).padStart(8)} µs  ${mbps.toFixed(1).padStart(8)} MB/s`);
    }
  }
});

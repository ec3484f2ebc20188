// A shared counter in a one-sided window: every rank takes tickets with fetchAndOp on
// rank 0's counter — an atomic read-and-increment, no receive posted by rank 0. Every
// ticket is handed out exactly once, and the counter ends at tickets × ranks.
//   npx tsmpiexec -n 4 examples/rma-counter.ts [tickets per rank]
import { run, SUM, wtime } from 'tsmpi';

const perRank = Number(process.argv[2] ?? 2000);

await run(async (world) => {
  // Rank 0 exposes the counter; the others expose nothing (a window may be empty).
  const counter = new Int32Array(world.rank === 0 ? 1 : 0);
  const win = await world.createWindow(counter);

  await world.barrier();
  const start = wtime();
  const tickets: number[] = [];
  for (let i = 0; i < perRank; i++) tickets.push(Number(await win.fetchAndOp(1, 0, 0, SUM)));
  const perCall = ((wtime() - start) / perRank) * 1e6;

  // The fence completes every rank's increments before rank 0 looks at its memory.
  await win.fence();
  const all = await world.gather(tickets, 0);
  const times = await world.gather(perCall, 0);
  if (world.rank === 0) {
    const expected = perRank * world.size;
    const handedOut = new Set(all!.flat());
    console.log(`counter = ${counter[0]} (expected ${expected}); ${handedOut.size} distinct tickets`);
    // Early calls run before V8 has optimized the code: the average is well above a warm round trip.
    console.log(`average fetchAndOp time: ${times!.map((t, r) => `rank ${r} ${t.toFixed(0)} µs`).join(', ')}`);
    if (counter[0] !== expected || handedOut.size !== expected) throw new Error('the counter lost or repeated an increment');
  }
  await win.free();
});

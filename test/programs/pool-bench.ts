// Pool throughput for an empty task: tasks per second through map (default chunks and
// chunksize 1) and through submit.
//   node bin/tsmpiexec.js -n 4 test/programs/pool-bench.ts
import { init, finalize, Pool, wtime } from 'tsmpi';

const world = await init();
const pool = await Pool.start(world, { empty: () => undefined });
if (pool) {
  const rate = async (what: string, count: number, body: (items: number[]) => Promise<unknown>) => {
    const items = Array.from({ length: count }, (_, i) => i);
    await body(items.slice(0, 5000)); // warm-up (JIT)
    const start = wtime();
    await body(items);
    const seconds = wtime() - start;
    console.log(`${what.padEnd(40)} ${Math.round(count / seconds).toString().padStart(9)} tasks/s`);
  };
  await rate('map, default chunksize (100 000 tasks)', 100_000, (items) => pool.map('empty', items));
  await rate('map, chunksize 1 (10 000 tasks)', 10_000, (items) => pool.map('empty', items, { chunksize: 1 }));
  await rate('submit, all at once (10 000 tasks)', 10_000, (items) => Promise.all(items.map(() => pool.submit('empty', undefined))));
  await rate('submit, one at a time (2 000 tasks)', 2_000, async (items) => {
    for (const _ of items) await pool.submit('empty', undefined);
  });
  await pool.close();
}
await finalize();

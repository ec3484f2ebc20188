// A worker dies in the middle of a chunk: run with -n 4. Rank 0 prints what it saw at
// once — tsmpiexec ends the job ~300 ms after a rank dies, with the dead rank's exit
// code (7 here).
import { init, MpiError, Pool } from 'tsmpi';

const world = await init();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const tasks = {
  // Item 4 ends its worker's process in the middle of a chunk.
  maybeDie: async (x: number) => {
    if (x === 4) process.exit(7);
    await sleep(5);
    return x;
  },
  slow: async (x: number) => {
    await sleep(50);
    return x;
  },
  square: (x: number) => x * x,
};

const pool = await Pool.start(world, tasks);
if (pool) {
  // The slow task goes to worker 1, chunk [0, 1, 2] to worker 2 and [3, 4, 5] to worker 3.
  const other = pool.submit('slow', 9);
  const started = Date.now();
  let seen: unknown = null;
  try {
    await pool.map('maybeDie', [0, 1, 2, 3, 4, 5], { chunksize: 3 });
  } catch (err) {
    seen = err;
  }
  const err = seen as MpiError;
  if (err instanceof MpiError && err.errorClass === 'ERR_PROC_FAILED') {
    console.log(`ok map rejected with ERR_PROC_FAILED: ${/worker rank 3 failed while running 'maybeDie' \(items 3…5\)/.test(err.message)}`);
    process.stderr.write(`${err.message}\n`);
  } else {
    console.log(`not ok: map gave ${String(seen)}`);
  }
  // The pool goes on with the workers that are left.
  console.log(`ok the other worker's task: ${await other}`);
  console.log(`ok after the death: ${(await pool.map('square', [1, 2, 3, 4], { chunksize: 1 })).join(',')}`);
  console.log(`ok workers left: ${pool.workers}`);
  process.stderr.write(`observed ${Date.now() - started} ms after the map started\n`);
  await sleep(5000);
}

// End-to-end checks of the task pool, run under tsmpiexec at several sizes. Rank 0
// prints "ok <check>" as each check passes (the uneven-schedule check only with two
// or more workers); any failure throws, which ends the job with a non-zero status.
// With TSMPI_POOL_SCHEDULE=1 rank 0 also prints the measured schedule to stderr.
import { init, finalize, MpiError, Pool, TaskError, wtime } from 'tsmpi';
import { check } from './harness.js';

const world = await init();
const { rank, size } = world;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a timed task reports about itself: the measured schedule. */
interface Record {
  task: number;
  worker: number;
  ms: number;
}

const tasks = {
  square: (x: number) => x * x,
  // Long tasks first: a static split would give them all to the first worker.
  nap: async ({ task, ms }: { task: number; ms: number }): Promise<Record> => {
    const start = wtime();
    await sleep(ms);
    return { task, worker: rank, ms: (wtime() - start) * 1000 };
  },
  boom: function boomTask(x: number): number {
    if (x === 2) throw new TypeError(`bad item ${x}`);
    return x;
  },
  asyncBoom: async function asyncBoomTask(x: number): Promise<number> {
    await sleep(1);
    throw new RangeError(`async failure on ${x}`);
  },
  whoami: () => rank,
  // A function cannot be sent back to rank 0.
  unsendable: (x: number): unknown => (x === 1 ? () => x : x),
  // Item 1's result cannot be sent, item 2 throws: the earlier item decides the error.
  unsendableThenThrow: (x: number): unknown => {
    if (x === 2) throw new Error('item 2 threw');
    return x === 1 ? () => x : x;
  },
  scribble: (a: Float64Array): number => (a[0] = 99),
  countRun: (x: number): number => (tasksRunHere += x),
};
let tasksRunHere = 0;

async function errorOf(f: () => Promise<unknown>): Promise<Error | null> {
  try {
    await f();
    return null;
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
}

async function tinyTasksInOrder(pool: Pool<typeof tasks>): Promise<void> {
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  const ys = await pool.map('square', xs);
  check(ys.length === xs.length && ys.every((y, i) => y === i * i), '10 000 results in order');
  const small = await pool.map('square', xs.slice(0, 500), { chunksize: 1 });
  check(small.every((y, i) => y === i * i), 'chunksize 1 results in order');
  check((await pool.map('square', [])).length === 0, 'empty map');
  console.log('ok 10 000 tiny tasks, results in order');
}

/**
 * Three long naps among many short ones, chunksize 1. From the per-task records
 * (which worker ran what, for how long), the dynamic schedule's busiest worker must
 * be less busy than the busiest worker of a static split of the same tasks.
 */
async function unevenSchedule(pool: Pool<typeof tasks>): Promise<void> {
  const workers = size - 1;
  const count = 8 * workers;
  const plan = Array.from({ length: count }, (_, task) => ({ task, ms: task < workers ? 150 : 10 }));
  const records = await pool.map('nap', plan, { chunksize: 1 });
  check(records.every((r, i) => r.task === i), 'nap results in order');
  const busy = new Map<number, number>();
  for (const r of records) busy.set(r.worker, (busy.get(r.worker) ?? 0) + r.ms);
  const dynamicMakespan = Math.max(...busy.values());
  const block = Math.ceil(count / workers);
  let staticMakespan = 0;
  for (let w = 0; w < workers; w++) {
    const share = records.slice(w * block, (w + 1) * block).reduce((sum, r) => sum + r.ms, 0);
    staticMakespan = Math.max(staticMakespan, share);
  }
  const longByWorker = new Map<number, number>();
  for (const r of records.slice(0, workers)) longByWorker.set(r.worker, (longByWorker.get(r.worker) ?? 0) + 1);
  if (process.env.TSMPI_POOL_SCHEDULE) {
    const lines = [...busy.keys()].sort().map((w) => {
      const mine = records.filter((r) => r.worker === w).map((r) => r.task);
      return `  worker ${w}: ${mine.length} tasks, busy ${busy.get(w)!.toFixed(0)} ms: ${mine.join(' ')}`;
    });
    process.stderr.write(`schedule (dynamic ${dynamicMakespan.toFixed(0)} ms, static ${staticMakespan.toFixed(0)} ms)\n${lines.join('\n')}\n`);
  }
  check(busy.size === workers, `only ${busy.size} of ${workers} workers ran tasks`);
  check([...longByWorker.values()].every((n) => n === 1), 'a worker ran two long tasks while another was free');
  check(dynamicMakespan < staticMakespan * 0.8, `dynamic busiest ${dynamicMakespan} ms vs static ${staticMakespan} ms`);
  console.log('ok uneven task times: the measured schedule beats a static split');
}

async function submitAndConcurrentMaps(pool: Pool<typeof tasks>): Promise<void> {
  const submitted = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.submit('square', i)));
  check(submitted.every((y, i) => y === i * i), 'submit results');
  const [a, b] = await Promise.all([pool.map('square', [1, 2, 3], { chunksize: 1 }), pool.map('square', [4, 5], { chunksize: 2 })]);
  check(a.join() === '1,4,9' && b.join() === '16,25', 'concurrent maps');
  const ranks = new Set(await pool.map('whoami', Array.from({ length: 40 }), { chunksize: 1 }));
  check(!ranks.has(size > 1 ? 0 : -1), 'rank 0 ran a task although there are workers');
  console.log('ok submit and concurrent maps');
}

async function exceptions(pool: Pool<typeof tasks>): Promise<void> {
  const err = await errorOf(() => pool.map('boom', [1, 2, 3], { chunksize: 1 }));
  check(err instanceof TaskError, `expected a TaskError, got ${err}`);
  check(err.name === 'TypeError', `error name ${err.name}`);
  check(/^rank \d+: bad item 2$/.test(err.message), `message: ${err.message}`);
  check(size === 1 ? err.rank === 0 : err.rank >= 1, `ran on rank ${err.rank}`);
  check(err.stack!.includes('boomTask'), `the worker's stack is missing: ${err.stack}`);
  check(err.workerStack!.includes('bad item 2'), 'workerStack');
  const asyncErr = await errorOf(() => pool.submit('asyncBoom', 7));
  check(asyncErr instanceof TaskError && asyncErr.name === 'RangeError', `async task: ${asyncErr}`);
  check(asyncErr.message.endsWith('async failure on 7') && asyncErr.stack!.includes('asyncBoomTask'), `async: ${asyncErr.stack}`);
  // The pool keeps going.
  check((await pool.submit('square', 12)) === 144, 'submit after a failure');
  check((await pool.map('boom', [3, 4, 5])).join() === '3,4,5', 'the same task without failures');
  console.log("ok a task that throws rejects with the worker's message and stack; the pool keeps going");
}

async function unknownTask(pool: Pool<typeof tasks>): Promise<void> {
  const untyped = pool as unknown as Pool;
  const err = await errorOf(() => untyped.map('nope', [1]));
  check(err instanceof MpiError && err.errorClass === 'ERR_ARG' && err.message.includes('nope'), `map: ${err}`);
  const err2 = await errorOf(() => untyped.submit('toString', 1));
  check(err2 instanceof MpiError && err2.errorClass === 'ERR_ARG', `submit of an inherited name: ${err2}`);
  const err3 = await errorOf(() => pool.map('square', [1], { chunksize: 0 }));
  check(err3 instanceof MpiError && err3.errorClass === 'ERR_ARG', `chunksize 0: ${err3}`);
  // Items that are not iterable, and options that are not an object, are ERR_ARG too.
  for (const items of [5, { a: 1 }, null]) {
    const notItems = await errorOf(() => untyped.map('square', items as unknown as number[]));
    check(notItems instanceof MpiError && notItems.errorClass === 'ERR_ARG', `items ${JSON.stringify(items)}: ${notItems}`);
  }
  const nullOptions = await errorOf(() => pool.map('square', [1], null as unknown as {}));
  check(nullOptions instanceof MpiError && nullOptions.errorClass === 'ERR_ARG', `null options: ${nullOptions}`);
  console.log('ok unknown task name rejects with ERR_ARG');
}

async function unsendable(pool: Pool<typeof tasks>): Promise<void> {
  // Alone (no workers) rank 0 runs the tasks itself, on copies as a worker would get them,
  // so the same values fail the same way at every size.
  // An item that cannot be sent fails its call before anything reaches a worker.
  const err = await errorOf(() => pool.submit('square', (() => 3) as unknown as number));
  check(err instanceof MpiError && err.errorClass === 'ERR_ARG', `unsendable item: ${err}`);
  // A result that cannot be sent is ERR_ARG (not a TaskError: the task itself ran fine),
  // naming the task; its chunk-mates' results still arrive.
  const bad = await errorOf(() => pool.map('unsendable', [0, 1, 2], { chunksize: 3 }));
  check(
    bad instanceof MpiError && bad.errorClass === 'ERR_ARG' && /the result of task 'unsendable' on rank \d+ cannot be sent/.test(bad.message),
    `unsendable result: ${bad}`,
  );
  const first = await errorOf(() => pool.map('unsendableThenThrow', [0, 1, 2], { chunksize: 3 }));
  check(first instanceof MpiError && first.errorClass === 'ERR_ARG', `the earlier item's unsendable result, at every size: ${first}`);
  if (size === 1) {
    // Alone, as a worker with a chunk: an item that cannot be sent stops the call before any task runs.
    const refused = await errorOf(() => pool.map('countRun', [1, (() => 2) as unknown as number], { chunksize: 2 }));
    check(refused instanceof MpiError && refused.errorClass === 'ERR_ARG' && tasksRunHere === 0, `tasks ran before a refused item: ${tasksRunHere}`);
  }
  // A task gets its own copy of an item: what it changes stays with it.
  const item = Float64Array.of(1, 2);
  check((await pool.submit('scribble', item)) === 99 && item[0] === 1, `a task changed the caller's item: ${item[0]}`);
  check((await pool.map('unsendable', [0, 2, 3])).join() === '0,2,3', 'sendable results of the same task');
  check((await pool.submit('square', 5)) === 25, 'the pool after unsendable values');
  console.log('ok unsendable items and results fail only their own call');
}

const pool = await Pool.start(world, tasks);
if (pool) {
  check(rank === 0, 'a pool on a worker');
  check(pool.workers === size - 1, `pool.workers = ${pool.workers}`);
  await tinyTasksInOrder(pool);
  if (size > 2) await unevenSchedule(pool);
  await submitAndConcurrentMaps(pool);
  await exceptions(pool);
  await unknownTask(pool);
  await unsendable(pool);
  await pool.close();
  const closed = await errorOf(() => pool.submit('square', 1));
  check(closed instanceof MpiError && closed.errorClass === 'ERR_ARG', 'submit after close');
} else {
  check(rank !== 0, 'rank 0 got no pool');
}
// Every worker came back from Pool.start with null, and the world still works.
const all = await world.allgather(pool === null);
if (rank === 0) {
  check(all.every((isNull, r) => isNull === (r !== 0)), `Pool.start results: ${all}`);
  console.log('ok close() lets every worker return null');
}
await finalize();

// π by Monte Carlo on a task pool: tasks of very uneven sizes, handed out one at a time
// to whichever worker is free. Prints the schedule — which worker ran which tasks, and
// how busy each was — next to what a static split of the same tasks would have cost.
//   npx tsmpiexec -n 4 examples/montecarlo-pool.ts
import { run, Pool, wtime } from 'tsmpi';

/** A small seeded generator (mulberry32): every task's samples are reproducible. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Batch {
  id: number;
  samples: number;
}

interface Tally {
  id: number;
  inside: number;
  samples: number;
  worker: number;
  ms: number;
}

await run(async (world) => {
  const tasks = {
    /** Throws `samples` darts at the unit square and counts those inside the quarter circle. */
    darts: ({ id, samples }: Batch): Tally => {
      const start = wtime();
      const random = generator(id + 1);
      let inside = 0;
      for (let i = 0; i < samples; i++) {
        const x = random();
        const y = random();
        if (x * x + y * y <= 1) inside++;
      }
      return { id, inside, samples, worker: world.rank, ms: (wtime() - start) * 1000 };
    },
  };
  const pool = await Pool.start(world, tasks);
  if (!pool) return; // a worker: it served tasks until rank 0 closed the pool

  // The first six batches are ten times bigger: a static split would give them all to one worker.
  const batches: Batch[] = Array.from({ length: 42 }, (_, id) => ({ id, samples: id < 6 ? 2_000_000 : 200_000 }));
  const start = wtime();
  const tallies = await pool.map('darts', batches, { chunksize: 1 });
  const seconds = wtime() - start;
  await pool.close();

  const inside = tallies.reduce((sum, t) => sum + t.inside, 0);
  const samples = tallies.reduce((sum, t) => sum + t.samples, 0);
  const pi = (4 * inside) / samples;
  printSchedule(tallies, Math.max(1, world.size - 1));
  console.log(`π ≈ ${pi.toFixed(6)} from ${samples.toLocaleString('en')} samples in ${seconds.toFixed(2)} s (error ${Math.abs(pi - Math.PI).toExponential(1)})`);
  // The standard error is about 1.6 / √samples ≈ 4e-4: 0.01 is far outside it.
  if (Math.abs(pi - Math.PI) > 0.01) throw new Error(`the estimate ${pi} is too far from π`);
});

/** Per worker: the tasks it ran and its busy time; then the busiest worker of a static split. */
function printSchedule(tallies: Tally[], workers: number): void {
  const byWorker = new Map<number, Tally[]>();
  for (const t of tallies) byWorker.set(t.worker, [...(byWorker.get(t.worker) ?? []), t]);
  console.log('worker  tasks  busy ms  task ids (* = big)');
  for (const [worker, mine] of [...byWorker].sort((a, b) => a[0] - b[0])) {
    const busy = mine.reduce((sum, t) => sum + t.ms, 0);
    const ids = mine.map((t) => (t.samples > 1_000_000 ? `${t.id}*` : String(t.id))).join(' ');
    console.log(`${String(worker).padStart(6)}  ${String(mine.length).padStart(5)}  ${busy.toFixed(0).padStart(7)}  ${ids}`);
  }
  const dynamic = Math.max(...[...byWorker.values()].map((mine) => mine.reduce((sum, t) => sum + t.ms, 0)));
  const block = Math.ceil(tallies.length / workers);
  let staticBusiest = 0;
  for (let w = 0; w < workers; w++) {
    staticBusiest = Math.max(staticBusiest, tallies.slice(w * block, (w + 1) * block).reduce((sum, t) => sum + t.ms, 0));
  }
  console.log(`busiest worker: ${dynamic.toFixed(0)} ms handing out tasks one at a time, ${staticBusiest.toFixed(0)} ms with a static split`);
}

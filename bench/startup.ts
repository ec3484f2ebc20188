/**
 * Hello + allreduce: what a job costs to start and end (wall time is measured outside,
 * by compare.mjs), and each rank's resident memory right after init().
 * Rank 0 prints one line {"bench":"startup", …, "rssMB": largest rank RSS after init}.
 *   tsmpiexec -n 8 bench/startup.ts
 * bench/startup_mpi4py.py is the same program on mpi4py, for the side-by-side wall time.
 */
import { finalize, init, MAX, SUM } from 'tsmpi';
import { emit } from './common.js';

const world = await init();
// Read before anything else allocates: the figure the issue bounds is the cost of init() itself.
const rss = process.memoryUsage().rss;
console.log(`hello from rank ${world.rank} of ${world.size}`);
const sum = await world.allreduce(world.rank, SUM);
if (sum !== (world.size * (world.size - 1)) / 2) throw new Error(`allreduce gave ${sum}`);
const rssMax = await world.allreduce(rss, MAX);
emit(world, { bench: 'startup', mode: 'object', bytes: 8, rssMB: rssMax / 1e6 });
await finalize();

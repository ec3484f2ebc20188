/**
 * What every tsmpi bench program shares: its options, the transport it runs on, timing
 * a collective the way the anchor does (max over ranks), and printing result lines
 * from rank 0 only.
 */
import { MAX, wtime, type Comm } from 'tsmpi';
import { benchOptions, formatRecord, type BenchDefaults, type BenchOptions, type Measurement } from './options.mjs';

export { bandwidthIters, bandwidthWarmup, collectiveIters, collectiveWarmup, latencyIters, latencyWarmup, schedule, type BenchOptions } from './options.mjs';

/** This program's options (`--sizes`, `--max-bytes`, `--iters`, `--warmup`, `--mode`, `--window`). */
export function options(defaults?: BenchDefaults): BenchOptions {
  return benchOptions(process.argv.slice(2), defaults);
}

/** The modes asked for, checked against those the program knows (a typo must not run nothing). */
export function checkedModes<M extends string>(opts: BenchOptions, known: readonly M[]): M[] {
  for (const mode of opts.modes) {
    if (!(known as readonly string[]).includes(mode)) throw new Error(`unknown --mode ${mode} (known: ${known.join(', ')})`);
  }
  return opts.modes as M[];
}

/** The rank↔rank transport of this job on one host: what tsmpiexec was told to use. */
export function transportName(): string {
  return process.env.TSMPI_TRANSPORT === 'tcp' ? 'tcp' : 'unix';
}

/** Prints one result line from rank 0, with the job size and transport filled in. */
export function emit(world: Comm, fields: Measurement): void {
  if (world.rank !== 0) return;
  process.stdout.write(formatRecord({ ...fields, n: world.size, transport: transportName() }) + '\n');
}

/** The largest of every rank's `value` (the anchor's Allreduce MAX of the elapsed time). */
export async function maxOverRanks(world: Comm, value: number): Promise<number> {
  return world.allreduce(value, MAX);
}

/**
 * Microseconds per call of `body`, the slowest rank's figure. Warm-up calls run first
 * and are not timed; a barrier before the clock starts so that no rank is timed
 * waiting for a late one to arrive.
 *
 * A barrier also splits the warm-up in two. V8 optimizes the runtime's hot functions
 * for the types the warm-up showed them; the first barrier after that brings new ones
 * (empty messages, another call target) and deoptimizes dozens of functions at once,
 * which then take thousands of calls to be optimized again — measured at n=4: 8 B
 * allreduce 200-300 µs per call for the first 2000 calls after the barrier, against
 * 75-100 µs when the barrier had already been seen mid-warm-up.
 */
export async function timeCollective(world: Comm, iters: number, warmup: number, body: () => Promise<unknown>): Promise<number> {
  const half = Math.ceil(warmup / 2);
  for (let i = 0; i < half; i++) await body();
  await world.barrier();
  for (let i = half; i < warmup; i++) await body();
  await world.barrier();
  const start = wtime();
  for (let i = 0; i < iters; i++) await body();
  const usec = ((wtime() - start) / iters) * 1e6;
  return maxOverRanks(world, usec);
}

/** Float64 elements for a reduction of `bytes` (at least one), as the anchor counts them. */
export function float64Count(bytes: number): number {
  return Math.max(1, Math.floor(bytes / 8));
}

/** Distinct float64 sizes in bytes, in order: `--sizes 1,4,8` all mean one element. */
export function float64Sizes(sizes: readonly number[]): number[] {
  return [...new Set(sizes.map((b) => float64Count(b) * 8))];
}

// Command-line options and iteration schedules shared by every bench program: the
// tsmpi programs (through common.ts) and the raw-ws floor (floor.mjs). One schedule for
// all of them, so the floor and tsmpi always run the same number of iterations per size.
// Plain JavaScript, because floor.mjs and run.mjs run on Node without a TypeScript step.

export const KiB = 1024;
export const MiB = 1024 * 1024;
/** The largest size the suite runs by default (the issue asks for 1 B … 16 MiB). */
export const MAX_BYTES = 16 * MiB;
/** OSU's window of non-blocking sends in the bandwidth tests. */
export const WINDOW = 64;

const FLAGS = new Set(['sizes', 'bw-sizes', 'min-bytes', 'max-bytes', 'iters', 'warmup', 'mode', 'window', 'transport']);

/** `8`, `1K`, `1KiB`, `4M`, `16MiB` → bytes. Throws on anything else, so a typo never runs the full suite. */
export function parseSize(text) {
  const m = /^(\d+)\s*(k|kib|kb|m|mib|mb)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bench: not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase();
  const scale = unit.startsWith('k') ? KiB : unit.startsWith('m') ? MiB : 1;
  return Number(m[1]) * scale;
}

/** Comma-separated sizes, as given. */
export function parseSizes(text) {
  return String(text)
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(parseSize);
}

/** Powers of two from `min` to `max` inclusive (min rounded up to a power of two). */
export function powersOfTwo(min, max) {
  const out = [];
  for (let b = 1; b <= max; b *= 2) if (b >= min) out.push(b);
  return out;
}

/** `--name value` and `--name=value` pairs; unknown names throw (a typo must not silently change a run). */
export function parseFlags(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`bench: unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!FLAGS.has(name)) throw new Error(`bench: unknown option --${name} (known: ${[...FLAGS].join(', ')})`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`bench: --${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

/**
 * The options of one bench program from its arguments. `defaults.minBytes` is where the
 * default size list starts (8 for float64 reductions), `defaults.modes` the modes run
 * when --mode is absent.
 */
export function benchOptions(argv, defaults = {}) {
  const flags = parseFlags(argv);
  const minBytes = Math.max(defaults.minBytes ?? 1, flags['min-bytes'] ? parseSize(flags['min-bytes']) : 0);
  const maxBytes = flags['max-bytes'] ? parseSize(flags['max-bytes']) : MAX_BYTES;
  const given = flags.sizes !== undefined ? parseSizes(flags.sizes) : powersOfTwo(minBytes, maxBytes);
  return {
    sizes: given.filter((b) => b <= maxBytes),
    bwSizes: flags['bw-sizes'] !== undefined ? parseSizes(flags['bw-sizes']).filter((b) => b <= maxBytes) : undefined,
    iters: flags.iters ? positiveInt(flags.iters, 'iters') : undefined,
    warmup: flags.warmup !== undefined ? nonNegativeInt(flags.warmup, 'warmup') : undefined,
    modes: flags.mode ? flags.mode.split(',') : (defaults.modes ?? ['buffer']),
    window: flags.window ? positiveInt(flags.window, 'window') : WINDOW,
    transports: flags.transport ? flags.transport.split(',') : undefined,
  };
}

function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --${name} must be a positive integer, got ${text}`);
  return n;
}

function nonNegativeInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench: --${name} must be an integer ≥ 0, got ${text}`);
  return n;
}

// ---- iteration schedules (the anchor's counts, so figures are comparable) ----------

/** Ping-pong round trips: mpi4py_osu.py's 2000 / 500 / 50. */
export function latencyIters(bytes) {
  return bytes <= 8 * KiB ? 2000 : bytes <= MiB ? 500 : 50;
}

/**
 * Windows per bandwidth measurement: about 1 GiB in total, between 3 and 100 windows.
 * (The anchor's fixed 20 windows of 64 × 4 MiB is 5 GiB, which takes most of a
 * minute at socket speeds, and would be 20 GiB at 16 MiB.)
 */
export function bandwidthIters(bytes, window = WINDOW) {
  return Math.min(100, Math.max(3, Math.round((1024 * MiB) / (bytes * window))));
}

/**
 * Warm-up windows before a bandwidth measurement: 10, OSU's skip for large messages. A
 * receiver that keeps its messages grows its heap during the first windows: tsmpi at
 * 1 MiB measured 2213-2463 MB/s after 2 warm-up windows, 2833-3057 MB/s after 10.
 */
export function bandwidthWarmup() {
  return 10;
}

/** Collective calls: mpi4py_osu.py's 1000 / 100 / 10 by float64 count (8 KiB, 1 MiB). */
export function collectiveIters(bytes) {
  return bytes <= 8 * KiB ? 1000 : bytes <= MiB ? 100 : 10;
}

/** Warm-up iterations, never timed: a tenth of the timed ones, at least `min`, at most 50. */
export function warmupFor(iters, min = 1) {
  return Math.min(50, Math.max(min, Math.ceil(iters / 10)));
}

/**
 * Warm-up round trips before a ping-pong: 10 000 up to 1 KiB, 2000 up to 64 KiB, a tenth
 * of the timed ones above. Unlike the anchor's Python, Node compiles hot code as it runs,
 * and this VM's scheduling settles only after a few hundred milliseconds of ping-pong:
 * measured here per 1000 raw-ws 8 B round trips from a process's start, half round trips
 * of 27, 25, 20, 9, 32, 28, 20, 29, 27, 27, 27, 27 µs; after 12 000 they stay at 27-29 µs
 * (and tsmpi's ratio to the floor stops jumping between 0.5 and 2.5). The floor gets the
 * same schedule, so both are measured in the same steady state.
 */
export function latencyWarmup(bytes) {
  if (bytes <= KiB) return 10_000;
  return bytes <= 64 * KiB ? 2000 : warmupFor(latencyIters(bytes));
}

/** Small-collective calls a process makes before it times its first one. */
const PROCESS_WARMUP_CALLS = 20_000;
let smallCallsSoFar = 0;

/**
 * Warm-up calls before a collective: 25 for large ones (see below); for
 * small ones 5000, and more before the first small one a process times, until it has
 * made PROCESS_WARMUP_CALLS calls. Four ranks on two cores leave V8's background
 * compiler little time, so a fresh rank needs many calls to reach its optimized code:
 * measured here for an n=4 barrier, 96-98 µs per call after 5000 warm-up calls, 76 µs
 * after 20 000. Stateful on purpose: call it once per measurement, in order (every rank
 * does, so all ranks agree on the counts).
 */
export function collectiveWarmup(bytes) {
  // A rank's heap and V8's external-memory limits settle during the first large calls:
  // an 8 MiB allreduce at n=2 took 8-22 ms per call for about 20 calls, then 5-6 ms.
  if (bytes > 8 * KiB) return Math.max(25, warmupFor(collectiveIters(bytes)));
  const calls = Math.max(5000, PROCESS_WARMUP_CALLS - smallCallsSoFar);
  smallCallsSoFar += calls + collectiveIters(bytes);
  return calls;
}

/** Timed and warm-up iterations, honouring --iters / --warmup (with --iters alone, a tenth warms up). */
export function schedule(opts, iters, warmup = warmupFor(iters)) {
  if (opts.iters !== undefined) return { iters: opts.iters, warmup: opts.warmup ?? warmupFor(opts.iters) };
  return { iters, warmup: opts.warmup ?? warmup };
}

/**
 * A result line: the anchor's fields, rounded to 5 significant digits so lines stay
 * readable (significant digits, not decimals: 1 B bandwidth is a small positive number, not 0).
 */
export function formatRecord(fields) {
  const out = { ...fields };
  for (const key of ['usec', 'MBps', 'rssMB']) {
    if (typeof out[key] === 'number' && out[key] !== 0) out[key] = Number(out[key].toPrecision(5));
  }
  return JSON.stringify(out);
}

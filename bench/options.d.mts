// Types for options.mjs (plain JavaScript so that floor.mjs and run.mjs need no build step).

export declare const KiB: number;
export declare const MiB: number;
export declare const MAX_BYTES: number;
export declare const WINDOW: number;

export interface BenchDefaults {
  /** Where the default size list starts (8 for float64 reductions). */
  minBytes?: number;
  /** Modes run when --mode is absent. */
  modes?: string[];
}

export interface BenchOptions {
  sizes: number[];
  bwSizes: number[] | undefined;
  iters: number | undefined;
  warmup: number | undefined;
  modes: string[];
  window: number;
  transports: string[] | undefined;
}

export interface Schedule {
  iters: number;
  warmup: number;
}

/** What a program measured; `usec` for times, `MBps` for bandwidths. */
export interface Measurement {
  bench: string;
  mode: string;
  bytes: number;
  usec?: number;
  MBps?: number;
  /** Timed iterations (windows for bandwidths). */
  iters?: number;
  window?: number;
  /** Resident set size in MB (10^6 bytes), for the start-up program. */
  rssMB?: number;
}

/** One result line: a measurement with the job size and, when known, the transport. */
export interface BenchRecord extends Measurement {
  n: number;
  transport?: string;
}

export declare function parseSize(text: string): number;
export declare function parseSizes(text: string): number[];
export declare function powersOfTwo(min: number, max: number): number[];
export declare function parseFlags(argv: readonly string[]): Record<string, string>;
export declare function benchOptions(argv: readonly string[], defaults?: BenchDefaults): BenchOptions;
export declare function latencyIters(bytes: number): number;
export declare function bandwidthIters(bytes: number, window?: number): number;
export declare function bandwidthWarmup(): number;
export declare function collectiveIters(bytes: number): number;
export declare function warmupFor(iters: number, min?: number): number;
export declare function latencyWarmup(bytes: number): number;
export declare function collectiveWarmup(bytes: number): number;
export declare function schedule(opts: Pick<BenchOptions, 'iters' | 'warmup'>, iters: number, warmup?: number): Schedule;
export declare function formatRecord(fields: BenchRecord): string;

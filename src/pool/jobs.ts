/**
 * The bookkeeping of rank 0: a job is one `map` or `submit` call; its items are cut
 * into chunks, which wait in a first-in first-out queue for an idle worker.
 */

/** One `map` or `submit` call: collects its results in item order. */
export class Job {
  private readonly results: unknown[];
  private remaining: number;
  private done = false;
  readonly promise: Promise<unknown[]>;
  private resolve!: (values: unknown[]) => void;
  private reject!: (err: Error) => void;

  constructor(
    /** The task's name. */
    readonly task: string,
    count: number,
  ) {
    this.results = new Array(count);
    this.remaining = count;
    this.promise = new Promise<unknown[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (count === 0) this.finish();
  }

  /** Whether the job has resolved or rejected (its other chunks need not run). */
  get settled(): boolean {
    return this.done;
  }

  /** Results of `values.length` items starting at item `start`. */
  deliver(start: number, values: readonly unknown[]): void {
    if (this.done) return;
    for (let i = 0; i < values.length; i++) this.results[start + i] = values[i];
    this.remaining -= values.length;
    if (this.remaining === 0) this.finish();
  }

  /** The job fails with `error` (the first failure wins; later results are dropped). */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.reject(error);
  }

  private finish(): void {
    this.done = true;
    this.resolve(this.results);
  }
}

/** Consecutive items of a job, sent to one worker as one message. */
export interface Chunk {
  job: Job;
  /** Index of the chunk's first item in the job. */
  start: number;
  items: unknown[];
}

/** Cuts `items` into chunks of `size` (the last may be shorter). */
export function chunksOf(job: Job, items: readonly unknown[], size: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push({ job, start, items: items.slice(start, start + size) });
  }
  return chunks;
}

/**
 * The chunk size `map` uses when none is given: about four chunks per worker, like
 * multiprocessing.Pool — few messages for many tiny tasks, yet room to balance load.
 */
export function defaultChunksize(items: number, workers: number): number {
  return Math.max(1, Math.ceil(items / (Math.max(1, workers) * 4)));
}

/** Chunks waiting for a worker, first in first out; chunks of settled jobs are skipped. */
export class ChunkQueue {
  private items: Chunk[] = [];
  private head = 0;

  push(chunks: readonly Chunk[]): void {
    for (const c of chunks) this.items.push(c);
  }

  /** Puts a chunk back at the front (it could not be handed to a worker). */
  unshift(chunk: Chunk): void {
    if (this.head > 0) this.items[--this.head] = chunk;
    else this.items.unshift(chunk);
  }

  /** The next chunk whose job still wants results, or undefined. */
  take(): Chunk | undefined {
    while (this.head < this.items.length) {
      const chunk = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
      if (!chunk.job.settled) return chunk;
    }
    return undefined;
  }

  /** Removes every chunk and returns those whose jobs still want results. */
  drain(): Chunk[] {
    const rest = this.items.slice(this.head).filter((c) => !c.job.settled);
    this.items = [];
    this.head = 0;
    return rest;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}

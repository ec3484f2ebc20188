/**
 * A task pool over a communicator — the mpi4py.futures / multiprocessing.Pool use
 * case. Rank 0 hands out work and runs none itself; the other ranks run tasks.
 *
 * Scheduling is dynamic: each worker has at most one chunk at a time and gets the
 * next one when it returns results, so fast workers take more chunks and uneven task
 * times balance out.
 */
import type { Comm } from '../comm/comm.js';
import { mpiError, MpiError } from '../errors.js';
import { decode, encode } from '../codec/value.js';
import { Job, ChunkQueue, chunksOf, defaultChunksize, type Chunk } from './jobs.js';
import { TAG_RESULTS, TAG_WORK, type ResultMessage, type WorkMessage } from './protocol.js';
import { TaskError, taskFailureError, unsendableResult } from './task-error.js';
import { checkTaskTable, findTask, runTask, type TaskArg, type TaskResult, type TaskTable } from './tasks.js';
import { serve } from './worker.js';

export { TaskError } from './task-error.js';
export type { Task, TaskArg, TaskResult, TaskTable } from './tasks.js';

/** Options of `Pool.map`. */
export interface MapOptions {
  /**
   * Items per message to a worker. Default: about four chunks per worker. Use 1 when
   * task times vary a lot, larger values for many tiny tasks.
   */
  chunksize?: number;
}

/** A worker rank as rank 0 sees it. */
interface WorkerSlot {
  readonly rank: number;
  alive: boolean;
  /** The chunk it is running, if any (it never has more than one). */
  busy: Chunk | null;
}

/**
 * A pool of worker ranks, held by rank 0.
 *
 * ```ts
 * const pool = await Pool.start(world, { square: (x: number) => x * x });
 * if (pool) {
 *   const ys = await pool.map('square', [1, 2, 3]);   // [1, 4, 9]
 *   await pool.close();
 * }
 * ```
 *
 * A task that throws rejects its promise (for `map`, the whole call) with a
 * {@link TaskError} carrying the worker's message and stack; the pool keeps going.
 * A worker that dies fails its in-flight tasks with ERR_PROC_FAILED; the others go
 * on. With a communicator of one rank there are no workers, and rank 0 runs the
 * tasks itself, one at a time, in submission order, passing items and results
 * directly (nothing is copied or sent).
 *
 * Rank 0 must call `close()`: until then the workers wait for tasks, and the job
 * cannot end.
 */
export class Pool<T extends TaskTable = TaskTable> {
  private readonly workerSlots: WorkerSlot[];
  private readonly queue = new ChunkQueue();
  private readonly jobs = new Set<Job>();
  private nextChunkId = 1;
  private closing: Promise<void> | null = null;
  /** With no workers: the tail of the tasks rank 0 runs itself, in order. */
  private localTail: Promise<unknown> = Promise.resolve();
  /** Called when the last chunk in flight comes back (close waits for it). */
  private onIdle: (() => void) | null = null;

  private constructor(
    private readonly comm: Comm,
    private readonly tasks: T,
  ) {
    this.workerSlots = [];
    for (let rank = 1; rank < comm.size; rank++) this.workerSlots.push({ rank, alive: true, busy: null });
  }

  /**
   * Starts a pool on every rank of `comm` (collective; every rank passes the same
   * tasks). Rank 0 resolves the Pool; every other rank serves tasks until rank 0
   * calls `close()`, then resolves null.
   */
  static async start<T extends TaskTable>(comm: Comm, tasks: T): Promise<Pool<T> | null> {
    checkTaskTable(tasks);
    // A private communicator: pool traffic never matches the user's.
    const channel = await comm.dup();
    if (channel.rank !== 0) return serve(channel, tasks);
    return new Pool(channel, tasks);
  }

  /** The number of worker ranks still alive (0 with a one-rank communicator: rank 0 runs tasks itself). */
  get workers(): number {
    return this.workerSlots.filter((w) => w.alive).length;
  }

  /**
   * Runs task `name` on every item; resolves the results in item order. Items go out
   * in chunks of `chunksize`, each to the next worker that is free.
   */
  async map<K extends keyof T & string>(
    name: K,
    items: Iterable<TaskArg<T[K]>>,
    options: MapOptions = {},
  ): Promise<Array<TaskResult<T[K]>>> {
    this.checkOpen();
    const task = findTask(this.tasks, name);
    const list = itemsOf(items);
    if (options === null || typeof options !== 'object') throw mpiError('ERR_ARG', `map options must be an object, got ${String(options)}`);
    const chunksize = options.chunksize ?? defaultChunksize(list.length, this.workerSlots.length);
    if (!Number.isInteger(chunksize) || chunksize < 1) {
      throw mpiError('ERR_ARG', `chunksize must be a positive integer, got ${typeof chunksize === 'string' ? JSON.stringify(chunksize) : String(chunksize)}`);
    }
    if (this.workerSlots.length === 0) return this.runLocally(name, task, list) as Promise<Array<TaskResult<T[K]>>>;
    return this.schedule(name, list, chunksize) as Promise<Array<TaskResult<T[K]>>>;
  }

  /** Runs task `name` on `arg` on the next free worker; resolves its result. */
  async submit<K extends keyof T & string>(name: K, arg: TaskArg<T[K]>): Promise<TaskResult<T[K]>> {
    const [value] = await this.map(name, [arg], { chunksize: 1 });
    return value as TaskResult<T[K]>;
  }

  /**
   * Waits for the work already given, then lets the workers go (their `Pool.start`
   * resolves null) and frees the pool's communicator. Later map/submit fail with ERR_ARG.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ---- rank 0's scheduling ------------------------------------------------------------

  private checkOpen(): void {
    if (this.closing) throw mpiError('ERR_ARG', 'the pool is closed');
  }

  private schedule(name: string, items: unknown[], chunksize: number): Promise<unknown[]> {
    const job = new Job(name, items.length);
    this.jobs.add(job);
    const forget = (): void => void this.jobs.delete(job);
    job.promise.then(forget, forget);
    this.queue.push(chunksOf(job, items, chunksize));
    this.dispatch();
    if (this.workers === 0) this.failQueued();
    return job.promise;
  }

  /** Gives a chunk to every idle worker while there are chunks. */
  private dispatch(): void {
    for (const worker of this.workerSlots) {
      if (!worker.alive || worker.busy) continue;
      const chunk = this.queue.take();
      if (!chunk) return;
      this.hand(worker, chunk);
    }
  }

  /** Sends `chunk` to `worker` and waits (keeping the process alive) for its results. */
  private hand(worker: WorkerSlot, chunk: Chunk): void {
    // Posted first: a worker already known dead fails it at once, and the chunk goes to another.
    const results = this.comm.irecv<ResultMessage>(worker.rank, TAG_RESULTS);
    try {
      results.test();
    } catch {
      worker.alive = false;
      this.queue.unshift(chunk);
      if (this.workers === 0) this.failQueued();
      return;
    }
    const id = this.nextChunkId++;
    try {
      this.comm.isend({ t: 'run', id, task: chunk.job.task, items: chunk.items } satisfies WorkMessage, worker.rank, TAG_WORK);
    } catch (err) {
      // An item that cannot be sent fails its job; the worker stays free.
      results.cancel();
      chunk.job.fail(err instanceof Error ? err : new Error(String(err)));
      queueMicrotask(() => this.dispatch());
      return;
    }
    worker.busy = chunk;
    results.wait().then(
      (message) => this.finished(worker, chunk, id, message),
      (err) => this.receiveFailed(worker, chunk, err),
    );
  }

  private finished(worker: WorkerSlot, chunk: Chunk, id: number, message: ResultMessage): void {
    worker.busy = null;
    const [firstFailure] = message.failures;
    if (message.id !== id) chunk.job.fail(mpiError('ERR_OTHER', `worker rank ${worker.rank} answered chunk ${message.id} for chunk ${id}`));
    else if (firstFailure) chunk.job.fail(taskFailureError(worker.rank, chunk.job.task, firstFailure[1]));
    else chunk.job.deliver(chunk.start, message.values);
    this.dispatch();
    this.checkIdle();
  }

  private receiveFailed(worker: WorkerSlot, chunk: Chunk, err: unknown): void {
    if (err instanceof MpiError && err.errorClass === 'ERR_PROC_FAILED') {
      this.workerFailed(worker, chunk, err);
      return;
    }
    // The results arrived but could not be decoded: the worker itself is fine.
    worker.busy = null;
    chunk.job.fail(err instanceof Error ? err : new Error(String(err)));
    this.dispatch();
    this.checkIdle();
  }

  /** The worker died with `chunk` in flight: its tasks fail with ERR_PROC_FAILED; the other workers go on. */
  private workerFailed(worker: WorkerSlot, chunk: Chunk, err: MpiError): void {
    worker.alive = false;
    worker.busy = null;
    const first = chunk.start;
    const last = chunk.start + chunk.items.length - 1;
    const which = first === last ? `item ${first}` : `items ${first}…${last}`;
    const reason = err.message.replace(/^ERR_PROC_FAILED: /, '');
    chunk.job.fail(mpiError('ERR_PROC_FAILED', `worker rank ${worker.rank} failed while running '${chunk.job.task}' (${which}): ${reason}`));
    if (this.workers === 0) this.failQueued();
    else this.dispatch();
    this.checkIdle();
  }

  /** No worker is left: everything waiting fails. */
  private failQueued(): void {
    const error = mpiError('ERR_PROC_FAILED', 'every worker of the pool has failed');
    for (const chunk of this.queue.drain()) chunk.job.fail(error);
  }

  private checkIdle(): void {
    if (this.onIdle && this.workerSlots.every((w) => !w.busy)) {
      const wake = this.onIdle;
      this.onIdle = null;
      wake();
    }
  }

  private async shutDown(): Promise<void> {
    await Promise.allSettled([...this.jobs].map((job) => job.promise));
    await this.localTail;
    // A failed map may still have chunks on workers: their results must come back first.
    if (this.workerSlots.some((w) => w.busy)) await new Promise<void>((resolve) => (this.onIdle = resolve));
    const farewells = this.workerSlots
      .filter((w) => w.alive)
      .map((w) => this.comm.send({ t: 'close' } satisfies WorkMessage, w.rank, TAG_WORK).catch(ignoreProcFailed));
    await Promise.all(farewells);
    this.comm.free();
  }

  // ---- no workers: rank 0 runs tasks itself --------------------------------------------

  /** Runs the items on this rank, after every earlier local job, as one worker would. */
  private runLocally(name: string, task: (arg: unknown) => unknown, items: unknown[]): Promise<unknown[]> {
    const run = this.localTail.then(async () => {
      // All items first, as a worker gets its chunk whole: one that cannot be sent runs nothing.
      const copies = items.map(asSent);
      const values: unknown[] = [];
      for (const copy of copies) {
        const outcome = await runTask(task, copy);
        if (!outcome.ok) throw new TaskError(this.comm.rank, name, outcome.failure);
        values.push(resultAsSent(outcome.value, this.comm.rank, name));
      }
      return values;
    });
    this.localTail = run.catch(() => undefined);
    return run;
  }
}

/**
 * `value` as a worker would get it (or give it back): a copy, made through the codec, so
 * that a pool without workers fails on what cannot be sent and never shares memory
 * with the task, as a pool with workers does.
 */
function asSent(value: unknown): unknown {
  const { ptype, bytes } = encode(value);
  return decode(ptype, bytes.slice());
}

/** The items of `map` as an array; anything not iterable is ERR_ARG. */
function itemsOf(items: unknown): unknown[] {
  const iterable = items !== null && items !== undefined && typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
  if (!iterable) throw mpiError('ERR_ARG', `map needs an iterable of items (an array, say), got ${items === null ? 'null' : typeof items}`);
  return Array.from(items as Iterable<unknown>);
}

/** A task's result as a worker would send it back; ERR_ARG as on a worker when it cannot be. */
function resultAsSent(value: unknown, rank: number, task: string): unknown {
  try {
    return asSent(value);
  } catch (err) {
    if (err instanceof MpiError && err.errorClass === 'ERR_ARG') throw unsendableResult(rank, task, err.message);
    throw err;
  }
}

/** A worker that already died needs no farewell. */
function ignoreProcFailed(err: unknown): void {
  if (!(err instanceof MpiError && err.errorClass === 'ERR_PROC_FAILED')) throw err;
}

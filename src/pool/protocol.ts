/**
 * What rank 0 and the workers of a pool say to each other, on the pool's private
 * communicator: chunks of tasks one way, their results the other.
 */

/** Rank 0 → worker: a chunk to run, or the end of the pool. */
export const TAG_WORK = 0;
/** Worker → rank 0: the results of a chunk. */
export const TAG_RESULTS = 1;

/** Run task `task` on each of `items`, in order. */
export interface ChunkMessage {
  t: 'run';
  id: number;
  task: string;
  items: unknown[];
}

/** The pool is closed: the worker stops serving. */
export interface CloseMessage {
  t: 'close';
}

export type WorkMessage = ChunkMessage | CloseMessage;

/** What a worker reports about a task that threw. */
export interface TaskFailure {
  name: string;
  message: string;
  stack: string | undefined;
  /** The task ran, but what it returned cannot be sent (rank 0 raises ERR_ARG, not a TaskError). */
  unsendable?: true;
}

/**
 * The results of chunk `id`: `values[i]` for item i, except the items listed in
 * `failures` (their `values` entry is undefined).
 */
export interface ResultMessage {
  id: number;
  values: unknown[];
  failures: Array<[index: number, failure: TaskFailure]>;
}

/** What travels of a thrown value: name, message and stack of an Error, the text of anything else. */
export function describeFailure(thrown: unknown): TaskFailure {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  return { name: 'Error', message: `a non-Error value was thrown: ${String(thrown)}`, stack: undefined };
}

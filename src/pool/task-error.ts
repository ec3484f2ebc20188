/**
 * The error a task's promise rejects with on rank 0 when the task threw on a worker.
 */
import { mpiError, MpiError } from '../errors.js';
import type { TaskFailure } from './protocol.js';

/**
 * A task threw on worker `rank`. The message is the worker's, prefixed with
 * `rank N: `; `name` is the thrown error's name; `stack` is the worker's stack trace
 * under this error's first line, so it points at the task's code.
 */
export class TaskError extends Error {
  /** The rank of the worker the task ran on. */
  readonly rank: number;
  /** The task's name. */
  readonly task: string;
  /** The stack trace as the worker printed it (undefined when a non-Error was thrown). */
  readonly workerStack: string | undefined;

  constructor(rank: number, task: string, failure: TaskFailure) {
    super(`rank ${rank}: ${failure.message}`);
    this.name = failure.name;
    this.rank = rank;
    this.task = task;
    this.workerStack = failure.stack;
    this.stack = `${this.name}: ${this.message}\n${framesOf(failure.stack) || `    at task '${task}' on rank ${rank}`}`;
  }
}

/** The "    at …" lines of a stack trace (after its message, which may span lines). */
function framesOf(stack: string | undefined): string {
  if (!stack) return '';
  const lines = stack.split('\n');
  const first = lines.findIndex((line) => /^\s+at /.test(line));
  return first < 0 ? '' : lines.slice(first).join('\n');
}

/**
 * The error rank 0 raises for a task that failed on `rank`: a TaskError for what the task
 * threw, ERR_ARG for a result that cannot be sent (like any other unsendable value).
 */
export function taskFailureError(rank: number, task: string, failure: TaskFailure): Error {
  if (failure.unsendable) return unsendableResult(rank, task, failure.message);
  return new TaskError(rank, task, failure);
}

/** ERR_ARG: what task `task` returned on `rank` cannot be sent; `reason` is the codec's message. */
export function unsendableResult(rank: number, task: string, reason: string): MpiError {
  return mpiError('ERR_ARG', `the result of task '${task}' on rank ${rank} cannot be sent: ${reason.replace(/^ERR_ARG: /, '')}`);
}

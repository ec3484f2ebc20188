/**
 * The task table a pool runs from, its types, and running one task.
 */
import { mpiError } from '../errors.js';
import { describeFailure, type TaskFailure } from './protocol.js';

/** A task: a function of one argument (or none), sync or async. */
export type Task = (arg: never) => unknown;

/** Tasks by name; every rank passes the same table to `Pool.start`. */
export type TaskTable = Record<string, Task>;

/** The argument type of a task (unknown for a table typed only as TaskTable). */
export type TaskArg<F> = F extends (arg: infer X) => unknown ? ([X] extends [never] ? unknown : X) : never;

/** The result type of a task (a Promise's value for an async task). */
export type TaskResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Throws ERR_ARG unless `tasks` is an object of functions. */
export function checkTaskTable(tasks: unknown): asserts tasks is TaskTable {
  if (typeof tasks !== 'object' || tasks === null) {
    throw mpiError('ERR_ARG', 'Pool.start needs an object of task functions, e.g. { square: (x) => x * x }');
  }
  for (const [name, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') throw mpiError('ERR_ARG', `task '${name}' is not a function`);
  }
}

/** The task named `name`; ERR_ARG for a name the table does not have. */
export function findTask(tasks: TaskTable, name: string): (arg: unknown) => unknown {
  const task = Object.hasOwn(tasks, name) ? tasks[name] : undefined;
  if (typeof task !== 'function') {
    const known = Object.keys(tasks).join(', ') || 'none';
    throw mpiError('ERR_ARG', `unknown task '${String(name)}' (tasks: ${known})`);
  }
  return task as (arg: unknown) => unknown;
}

/** The outcome of one task: its value, or what it threw. */
export type Outcome = { ok: true; value: unknown } | { ok: false; failure: TaskFailure };

/** Runs one task and catches what it throws. */
export async function runTask(task: (arg: unknown) => unknown, arg: unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await task(arg) };
  } catch (err) {
    return { ok: false, failure: describeFailure(err) };
  }
}

/**
 * tsmpi — MPI-style message passing for TypeScript and Node.js.
 *
 * Start a job with `tsmpiexec -n 4 app.ts`; in the program, `await init()` gives the
 * world communicator.
 */
import type { Comm } from './comm/comm.js';
import { mpiError } from './errors.js';
import { runtime } from './runtime/runtime.js';

export { ANY_SOURCE, ANY_TAG, PROC_NULL, UNDEFINED, TAG_UB } from './constants.js';
export { MpiError, type ErrorClass } from './errors.js';
export { Comm, CartComm, GraphComm } from './comm/comm.js';
export { computeDims } from './comm/topology/dims.js';
export { Op, SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC, REPLACE, NO_OP, type ValueIndexPair } from './ops.js';
export type { TypedArray } from './codec/dtype.js';
export { Request, type ValuesOf } from './p2p/request.js';
export { Status } from './p2p/status.js';
export { Win, type LockKind, type ElementOf, type SameElements } from './rma/window.js';
export { Pool, TaskError, type MapOptions, type TaskTable, type TaskArg, type TaskResult } from './pool/pool.js';

/**
 * Initializes tsmpi and resolves the world communicator. Without tsmpiexec the world
 * has one rank (a singleton, like MPI). Calling it again returns the same world.
 */
export function init(): Promise<Comm> {
  return runtime.init();
}

/**
 * Finalizes tsmpi: collective over the world. Every pending send of this rank is
 * delivered first. Idempotent.
 */
export function finalize(): Promise<void> {
  return runtime.finalize();
}

/**
 * Runs `body` between init() and finalize(). An exception in the body is printed
 * with the rank (with the program's stack frames, not tsmpi's) and ends the whole job
 * with exit code 1. One that only says another rank failed (ERR_PROC_FAILED) is left
 * to tsmpiexec, which names the rank that failed first.
 */
export async function run(body: (world: Comm) => unknown | Promise<unknown>): Promise<void> {
  const world = await init();
  runtime.runBodyStarted();
  try {
    await body(world);
  } catch (err) {
    await runtime.failWith(err);
  } finally {
    runtime.runBodyEnded();
  }
  await finalize();
}

/** The world communicator (after init). */
export function commWorld(): Comm {
  runtime.checkUsable();
  return runtime.world;
}

/** A communicator holding only this process (after init). */
export function commSelf(): Comm {
  runtime.checkUsable();
  return runtime.self;
}

/** Ends the whole job: tsmpiexec exits with `code` after naming this rank and `reason`. */
export function abort(code = 1, reason?: string): never {
  if (!Number.isInteger(code) || code < 0 || code > 255) throw mpiError('ERR_ARG', `abort code must be an integer 0…255, got ${code}`);
  return runtime.abort(code, reason ?? `abort(${code})`);
}

const clockStart = process.hrtime.bigint();
const clockOffset = Date.now() / 1000;

/** Wall-clock time in seconds, high resolution (differences are what matter). */
export function wtime(): number {
  return clockOffset + Number(process.hrtime.bigint() - clockStart) / 1e9;
}

/** The resolution of wtime() in seconds. */
export function wtick(): number {
  return 1e-9;
}

/**
 * Messages and payload bytes this rank has sent since init (every send, including
 * those made by collectives). For tests and tuning.
 */
export function messageStats(): { messagesSent: number; bytesSent: number } {
  runtime.checkUsable();
  return { ...runtime.engine.stats };
}

/** The name of the host this rank runs on. */
export function processorName(): string {
  return runtime.host;
}

/** Whether init() has completed. */
export function isInitialized(): boolean {
  return runtime.phase !== 'none' && runtime.phase !== 'starting';
}

/** Whether finalize() has completed. */
export function isFinalized(): boolean {
  return runtime.phase === 'finalized';
}

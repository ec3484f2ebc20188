/** The error classes of the MPI standard that tsmpi reports. */
export type ErrorClass =
  | 'ERR_RANK'
  | 'ERR_TAG'
  | 'ERR_ROOT'
  | 'ERR_COUNT'
  | 'ERR_ARG'
  | 'ERR_COMM'
  | 'ERR_OP'
  | 'ERR_TRUNCATE'
  | 'ERR_PROC_FAILED'
  | 'ERR_NOT_INITIALIZED'
  | 'ERR_OTHER';

/**
 * The error every tsmpi operation fails with. `errorClass` tells what kind of
 * mistake or failure it was, like the error classes of MPI.
 */
export class MpiError extends Error {
  /** Which MPI error class this error belongs to. */
  readonly errorClass: ErrorClass;

  /** @param options.cause the error this one reports (as for `Error`). */
  constructor(errorClass: ErrorClass, message: string, options?: { cause?: unknown }) {
    // Deep enough to reach the program's own frames under tsmpi's argument checks.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(limit, 30);
    super(`${errorClass}: ${message}`, options);
    Error.stackTraceLimit = limit;
    this.name = 'MpiError';
    this.errorClass = errorClass;
  }
}

/** Shorthand used across the runtime: `throw mpiError('ERR_RANK', '...')`. */
export function mpiError(errorClass: ErrorClass, message: string, options?: { cause?: unknown }): MpiError {
  return new MpiError(errorClass, message, options);
}

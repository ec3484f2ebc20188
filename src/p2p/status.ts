import { ANY_SOURCE, ANY_TAG } from '../constants.js';
import { mpiError } from '../errors.js';

/**
 * What a receive or probe learned about the message: who sent it, with which tag and
 * how big it is. Pass one in as an out-parameter (`new Status()`) to have it filled.
 */
export class Status {
  /** The sender's rank in the communicator (PROC_NULL for a receive from PROC_NULL). */
  source: number = ANY_SOURCE;
  /** The message's tag. */
  tag: number = ANY_TAG;
  /** Payload bytes as they travelled (raw bytes for typed arrays, encoded size otherwise). */
  bytes = 0;
  /** Elements for a typed array, 1 for any other value, 0 for nothing. */
  count = 0;
  /** True when the operation was cancelled before it matched. */
  cancelled = false;

  /** Copies every field of `other` into this status. */
  assign(other: Status): this {
    this.source = other.source;
    this.tag = other.tag;
    this.bytes = other.bytes;
    this.count = other.count;
    this.cancelled = other.cancelled;
    return this;
  }
}

/**
 * Throws ERR_ARG unless `status` is a Status or absent (undefined or null). Checked when
 * the operation is called: the status is filled in when the message comes, deep in the
 * progress engine, where a wrong object could not report to the caller.
 */
export function checkStatusArgument(status: unknown): asserts status is Status | null | undefined {
  if (status === undefined || status === null || status instanceof Status) return;
  const what = typeof status === 'object' ? `an object of class ${(status as object).constructor?.name ?? 'none'}` : `${typeof status} ${String(status)}`;
  throw mpiError('ERR_ARG', `status must be a Status (new Status()) or left out, got ${what}`);
}

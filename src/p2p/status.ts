import { ANY_SOURCE, ANY_TAG } from '../constants.js';

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

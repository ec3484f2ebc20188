/**
 * The error of a receive on a context whose tags name calls (collectives: the call's
 * number and a digest of what was called) when a message of the same call number but
 * another tag comes from its source: the two ranks made that call differently.
 */
import { MpiError } from '../errors.js';

export class CallMismatchError extends MpiError {
  /** @param peer the sender, as a rank of the receiver's communicator */
  constructor(readonly peer: number) {
    super('ERR_OTHER', `rank ${peer} sent a message of the same call, made another way`);
    this.name = 'MpiError';
  }
}

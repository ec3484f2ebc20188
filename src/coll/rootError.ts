/**
 * Mistakes only the root of a rooted collective can see (scatter's items, scatterv's
 * array) must not leave the other ranks waiting for data that never comes. The root
 * sends them this notice in place of their data, and each rank fails with the root's
 * error class. A notice is a plain object, where the collective's data is always an
 * array (scatter) or a typed array (scatterv), so it cannot be mistaken for data.
 */
import { MpiError, mpiError, type ErrorClass } from '../errors.js';

/** What travels in place of the data when the root's input is wrong. */
export interface RootErrorNotice {
  rootError: { errorClass: ErrorClass; message: string };
}

/** The notice for `err` (an MpiError, or anything else as ERR_ARG). */
export function rootErrorNotice(err: unknown): RootErrorNotice {
  if (err instanceof MpiError) {
    return { rootError: { errorClass: err.errorClass, message: err.message.slice(err.errorClass.length + 2) } };
  }
  return { rootError: { errorClass: 'ERR_ARG', message: String((err as Error)?.message ?? err) } };
}

/** Whether a received value is a notice rather than data. */
export function isRootErrorNotice(value: unknown): value is RootErrorNotice {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && 'rootError' in value;
}

/** The error a non-root rank fails with on receiving `notice` from `root`. */
export function errorFromRoot(notice: RootErrorNotice, root: number): MpiError {
  return mpiError(notice.rootError.errorClass, `the root (rank ${root}) could not run it: ${notice.rootError.message}`);
}

// What every end-to-end test program needs: checks that name the rank, a deep
// type-strict comparison, error-class probes, and "ok <check>" lines printed by rank 0
// once every rank passed the check.
import { inspect, isDeepStrictEqual } from 'node:util';
import { MpiError, type Comm } from 'tsmpi';

const rank = process.env.TSMPI_RANK ?? '0';

/** Throws, naming this rank, unless `cond` holds. */
export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`rank ${rank}: ${what}`);
}

/** Readable text of a value for failure messages. */
export function show(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 12, breakLength: Infinity });
}

/** Deep, type-strict equality (a Float64Array is not an Int32Array, -0 is not 0). */
export function same(got: unknown, want: unknown, what: string): void {
  check(isDeepStrictEqual(got, want), `${what}: got ${show(got)}, expected ${show(want)}`);
}

/** The MpiError class `fn` fails with, or a description of what happened instead. */
export async function errorClassOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return err instanceof MpiError ? err.errorClass : `not an MpiError: ${String(err)}`;
  }
  return 'no error';
}

/** Checks that `fn` fails with `errorClass`. */
export async function expectError(fn: () => unknown, errorClass: string, what: string): Promise<void> {
  const got = await errorClassOf(fn);
  check(got === errorClass, `${what}: expected ${errorClass}, got ${got}`);
}

/**
 * Every rank reports the check's name to rank 0 over `control` (a communicator of its
 * own, so the bookkeeping never matches the traffic under test); rank 0 prints
 * "ok <name>" once all passed.
 */
export async function done(control: Comm, name: string): Promise<void> {
  const passed = await control.gather(name, 0);
  if (control.rank === 0) {
    check(passed!.every((n) => n === name), `ranks disagree on the check: ${passed}`);
    console.log(`ok ${name}`);
  }
  await control.barrier();
}

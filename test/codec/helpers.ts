import { expect } from 'vitest';
import { MpiError, type ErrorClass } from '../../src/errors.js';
import { decode, encode } from '../../src/codec/value.js';

/**
 * Copies `bytes` into a larger Buffer at an odd offset, as a frame payload in a
 * batched WebSocket message would sit, so decoding never sees the sender's memory
 * and typed arrays must cope with misalignment.
 */
export function asReceived(bytes: Uint8Array, offset = 33): Buffer {
  const frame = Buffer.alloc(offset + bytes.byteLength + 5, 0xee);
  frame.set(bytes, offset);
  return frame.subarray(offset, offset + bytes.byteLength);
}

/** Encodes, "sends" (copies to an odd offset) and decodes. */
export function roundTrip<T>(value: T): unknown {
  const { ptype, bytes } = encode(value);
  return decode(ptype, asReceived(bytes));
}

/**
 * Asserts `actual` equals `expected` deeply (vitest's toStrictEqual) and also
 * what toStrictEqual does not fully check: every number is Object.is-equal
 * (-0 stays -0), every object has exactly the expected prototype at every depth
 * (a nested Buffer is a Buffer, not a Uint8Array), and sharing is kept: an object
 * that appears twice in `expected` appears as one object in `actual`.
 */
export function expectSame(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  sameShape(actual, expected, 'value', new Map());
}

function sameShape(actual: unknown, expected: unknown, path: string, seen: Map<object, unknown>): void {
  if (typeof expected !== 'object' || expected === null) {
    expect(Object.is(actual, expected), `${path}: got ${String(actual)}, want ${String(expected)}`).toBe(true);
    return;
  }
  expect(typeof actual, path).toBe('object');
  if (seen.has(expected)) {
    expect(seen.get(expected) === actual, `${path} should be the same object as before`).toBe(true);
    return;
  }
  seen.set(expected, actual);
  expect(Object.getPrototypeOf(actual), `${path} prototype`).toBe(Object.getPrototypeOf(expected));
  for (const [step, a, e] of childPairs(actual as object, expected)) sameShape(a, e, path + step, seen);
}

function childPairs(actual: object, expected: object): [string, unknown, unknown][] {
  if (expected instanceof Map) {
    const a = [...(actual as Map<unknown, unknown>)];
    return [...expected].flatMap(([k, v], i): [string, unknown, unknown][] => [
      [`<key ${i}>`, a[i]?.[0], k],
      [`.get(${i})`, a[i]?.[1], v],
    ]);
  }
  if (expected instanceof Set) {
    const a = [...(actual as Set<unknown>)];
    return [...expected].map((v, i): [string, unknown, unknown] => [`<entry ${i}>`, a[i], v]);
  }
  if (ArrayBuffer.isView(expected) || expected instanceof ArrayBuffer || expected instanceof Date) return [];
  const pairs = Object.keys(expected).map((k): [string, unknown, unknown] => [
    `.${k}`,
    (actual as Record<string, unknown>)[k],
    (expected as Record<string, unknown>)[k],
  ]);
  if (expected instanceof Error) {
    const a = actual as Error;
    pairs.push(['.name', a.name, expected.name], ['.message', a.message, expected.message]);
    if (Object.hasOwn(expected, 'cause')) pairs.push(['.cause', a.cause, expected.cause]);
  }
  return pairs;
}

/** Runs `f`, asserts it throws an MpiError of `errorClass`, and returns the error's message. */
export function mpiFailure(f: () => unknown, errorClass: ErrorClass): string {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an MpiError to be thrown').toBeInstanceOf(MpiError);
  expect((thrown as MpiError).errorClass).toBe(errorClass);
  return (thrown as MpiError).message;
}

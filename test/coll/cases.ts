import { expect } from 'vitest';
/** Shared fixtures for the collective-algorithm tests. */
import { Op } from '../../src/ops.js';
import type { CollEndpoint } from '../../src/coll/endpoint.js';
import { makeWorld, runOnAll, type FakeWorldOptions } from '../helpers/fakeEndpoint.js';

/** Communicator sizes every algorithm is run at: all up to 9 (odd, even, non-powers of two) and 16. */
export const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16];

/** The strictest fake: rendezvous sends and random delivery delays. */
export const STRICT: FakeWorldOptions = { rendezvous: true, delays: true };

/** Runs `body` on `size` fake ranks (strict mode unless told) and returns the results and the world. */
export async function run<R>(
  size: number,
  body: (ep: CollEndpoint, rank: number) => Promise<R>,
  options: FakeWorldOptions = STRICT,
) {
  const world = makeWorld(size, { seed: size * 7919 + 1, ...options });
  const results = await runOnAll(world, body);
  return { results, world };
}

export function ceilLog2(p: number): number {
  let rounds = 0;
  while (2 ** rounds < p) rounds++;
  return rounds;
}

export function largestPowerOfTwo(p: number): number {
  let pof2 = 1;
  while (pof2 * 2 <= p) pof2 *= 2;
  return pof2;
}

/** A structured value unique to `rank`, to check values arrive whole and from the right rank. */
export function objectOf(rank: number): { rank: number; name: string; nested: [number, { deep: number[] }] } {
  return { rank, name: `rank-${rank}`, nested: [rank, { deep: [rank, rank * 2] }] };
}

/** A Float64Array of `n` exactly representable values unique to `rank`. */
export function floatsOf(rank: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => rank * 1000 + i * 0.5);
}

export function intsOf(rank: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (rank + 1) * (i % 7 === 0 ? -1 : 1) * (i + 3));
}

export function bigintsOf(rank: number, n: number): BigInt64Array {
  return BigInt64Array.from({ length: n }, (_, i) => BigInt(rank + 1) * 10n ** 12n + BigInt(i));
}

/** String concatenation: associative, not commutative. */
export const CONCAT = Op.create((a: string, b: string) => a + b, false);

/**
 * Sums one-element arrays the way MPI user functions work, overwriting an operand
 * (`inoutvec`) and returning it: `b` here, `a` for the other.
 */
export const ADD_INTO_B = Op.create((a: number[], b: number[]) => {
  b[0]! += a[0]!;
  return b;
});
export const ADD_INTO_A = Op.create((a: number[], b: number[]) => {
  a[0]! += b[0]!;
  return a;
});

/** A one-letter string per rank, so a fold's result spells the rank order. */
export function letterOf(rank: number): string {
  return String.fromCharCode(97 + rank);
}

/** 2×2 integer matrix product on Float64Array [a, b, c, d] (row-major): associative, not commutative. */
export const MATMUL = Op.create((x: Float64Array, y: Float64Array) => {
  return Float64Array.of(
    x[0]! * y[0]! + x[1]! * y[2]!,
    x[0]! * y[1]! + x[1]! * y[3]!,
    x[2]! * y[0]! + x[3]! * y[2]!,
    x[2]! * y[1]! + x[3]! * y[3]!,
  );
}, false);

/** A small integer matrix per rank; products of up to 16 stay exact in doubles. */
export function matrixOf(rank: number): Float64Array {
  return Float64Array.of(1, rank % 3, (rank + 1) % 2, 1);
}

/** a0 ∘ a1 ∘ … ∘ a(n-1) computed sequentially. */
export function fold<T>(op: Op, values: T[]): T {
  return values.reduce((acc, value) => op.apply(acc, value));
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Fast exact comparison of typed arrays (same type, same bytes): toEqual is slow on large arrays. */
export function expectSameTyped(actual: unknown, expected: ArrayBufferView): void {
  expect(actual).toBeInstanceOf(expected.constructor);
  const a = actual as ArrayBufferView;
  const same = Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
  );
  if (!same) expect(a).toEqual(expected); // shows the difference
}

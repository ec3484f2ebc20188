// Sample values of every kind API.md says can be sent, and a deep comparison that
// also checks types (a Buffer must arrive as a Buffer, -0 as -0).
import { isDeepStrictEqual } from 'node:util';

export function sampleValues(): Array<[string, unknown]> {
  const cyclic: Record<string, unknown> = { name: 'cycle' };
  cyclic.self = cyclic;
  const shared = { s: 1 };
  const err = new RangeError('out of range');
  return [
    ['number', 42.5],
    ['NaN', NaN],
    ['-0', -0],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['big integer', 2 ** 53 - 1],
    ['bigint', -(2n ** 70n) + 5n],
    ['string', 'héllo, wörld ✓'],
    ['empty string', ''],
    ['true', true],
    ['false', false],
    ['null', null],
    ['undefined', undefined],
    ['array', [1, 'two', [3, { four: 4 }], null]],
    // eslint-disable-next-line no-sparse-arrays
    ['sparse array', [1, , { three: [, 3] }, , ]],
    ['object', { a: 1, b: { c: [1, 2, 3] }, d: undefined }],
    ['Map', new Map<unknown, unknown>([['k', 1], [2, { v: 2 }]])],
    ['Set', new Set([1, 'a', 3])],
    ['Date', new Date(Date.UTC(2024, 1, 29, 12, 0, 0))],
    ['RegExp', /a+b*/gi],
    ['Error', err],
    ['ArrayBuffer', new Uint8Array([1, 2, 3, 250]).buffer],
    ['Int8Array', new Int8Array([-1, 2, -3])],
    ['Uint8Array', new Uint8Array([1, 2, 255])],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 128, 255])],
    ['Int16Array', new Int16Array([-300, 300])],
    ['Uint16Array', new Uint16Array([65535, 1])],
    ['Int32Array', new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
    ['Uint32Array', new Uint32Array([2 ** 32 - 1])],
    ['Float32Array', new Float32Array([1.5, -2.25])],
    ['Float64Array', new Float64Array([Math.PI, -0, NaN])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 5n])],
    ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
    ['DataView', new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2)],
    ['Buffer', Buffer.from('raw bytes')],
    ['nested typed arrays', { f: new Float64Array([1, 2]), b: Buffer.from('x'), list: [new Int16Array([7])] }],
    ['cyclic', cyclic],
    ['shared refs', { x: shared, y: shared }],
  ];
}

/** Deep equality that also checks constructors, -0, errors and cycles. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Error || b instanceof Error) {
    return a instanceof Error && b instanceof Error && a.constructor === b.constructor && a.message === b.message && a.name === b.name;
  }
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a instanceof DataView && b instanceof DataView) {
    return isDeepStrictEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  return isDeepStrictEqual(a, b);
}

/** Checks shapes deep equality alone cannot see: cycles and shared references survive. */
export function sameIdentities(name: string, v: unknown): boolean {
  if (name === 'cyclic') return (v as { self: unknown }).self === v;
  if (name === 'shared refs') return (v as { x: unknown; y: unknown }).x === (v as { x: unknown; y: unknown }).y;
  return true;
}

import { describe, expect, it } from 'vitest';
import {
  DTYPE,
  MAX_DTYPE,
  bytesOf,
  bytesPerElement,
  createTypedArray,
  dtypeName,
  dtypeOf,
  elementCount,
  fromBytes,
  isTypedArrayDtype,
  typedArrayConstructor,
  type TypedArrayConstructor,
} from '../../src/codec/dtype.js';
import { mpiFailure } from './helpers.js';

const TYPED: [TypedArrayConstructor, number][] = [
  [Int8Array, DTYPE.Int8Array],
  [Uint8Array, DTYPE.Uint8Array],
  [Uint8ClampedArray, DTYPE.Uint8ClampedArray],
  [Int16Array, DTYPE.Int16Array],
  [Uint16Array, DTYPE.Uint16Array],
  [Int32Array, DTYPE.Int32Array],
  [Uint32Array, DTYPE.Uint32Array],
  [Float32Array, DTYPE.Float32Array],
  [Float64Array, DTYPE.Float64Array],
  [BigInt64Array, DTYPE.BigInt64Array],
  [BigUint64Array, DTYPE.BigUint64Array],
];

/** A typed array of `ctor` holding 1, 2, 3 (as bigints where needed). */
function sample(ctor: TypedArrayConstructor): ArrayBufferView {
  const big = ctor === BigInt64Array || ctor === BigUint64Array;
  return (ctor as { from(items: unknown[]): ArrayBufferView }).from(big ? [1n, 2n, 3n] : [1, 2, 3]);
}

/** `bytes` copied to `offset` of a fresh buffer. */
function at(offset: number, bytes: Uint8Array): Uint8Array {
  const host = new Uint8Array(offset + bytes.byteLength + 8);
  host.set(bytes, offset);
  return host.subarray(offset, offset + bytes.byteLength);
}

describe('dtype codes', () => {
  it('are the documented wire constants', () => {
    // Renumbering would break ranks running different builds: pin every code.
    expect(DTYPE).toStrictEqual({
      Int8Array: 1,
      Uint8Array: 2,
      Uint8ClampedArray: 3,
      Int16Array: 4,
      Uint16Array: 5,
      Int32Array: 6,
      Uint32Array: 7,
      Float32Array: 8,
      Float64Array: 9,
      BigInt64Array: 10,
      BigUint64Array: 11,
      Buffer: 12,
      DataView: 13,
      ArrayBuffer: 14,
    });
    expect(MAX_DTYPE).toBe(14);
  });

  it.each(TYPED)('dtypeOf(%o) is its own code', (ctor, code) => {
    expect(dtypeOf(sample(ctor))).toBe(code);
    expect(dtypeName(code)).toBe(ctor.name);
  });

  it('tells Buffer apart from Uint8Array', () => {
    expect(dtypeOf(Buffer.from('ab'))).toBe(DTYPE.Buffer);
    expect(dtypeOf(new Uint8Array(2))).toBe(DTYPE.Uint8Array);
  });

  it('codes DataView and ArrayBuffer', () => {
    expect(dtypeOf(new DataView(new ArrayBuffer(4)))).toBe(DTYPE.DataView);
    expect(dtypeOf(new ArrayBuffer(4))).toBe(DTYPE.ArrayBuffer);
  });

  it('maps subclasses to their built-in base', () => {
    class Samples extends Float32Array {}
    expect(dtypeOf(new Samples(2))).toBe(DTYPE.Float32Array);
  });

  it.each([
    ['a number', 1],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'abc'],
    ['a plain object', { length: 1 }],
    ['an array', [1, 2]],
    ['a SharedArrayBuffer', new SharedArrayBuffer(8)],
    ['an object faking a typed array', Object.create(Float64Array.prototype) as unknown],
    ['an object with a typed-array constructor property', { constructor: Float64Array }],
  ])('is 0 for %s', (_name, value) => {
    expect(dtypeOf(value)).toBe(0);
  });
});

describe('bytesOf', () => {
  it('is a zero-copy view over exactly the value bytes', () => {
    const whole = new Float64Array([1, 2, 3, 4]);
    const middle = whole.subarray(1, 3);
    const bytes = bytesOf(middle);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.buffer).toBe(whole.buffer);
    expect(bytes.byteOffset).toBe(8);
    expect(bytes.byteLength).toBe(16);
    bytes.fill(0);
    expect([...whole]).toStrictEqual([1, 0, 0, 4]);
  });

  it('views an ArrayBuffer and a DataView', () => {
    const buffer = new ArrayBuffer(6);
    expect(bytesOf(buffer).buffer).toBe(buffer);
    const view = new DataView(buffer, 2, 3);
    expect([bytesOf(view).byteOffset, bytesOf(view).byteLength]).toStrictEqual([2, 3]);
  });

  it('refuses a non-binary value with ERR_ARG', () => {
    mpiFailure(() => bytesOf({} as ArrayBuffer), 'ERR_ARG');
  });
});

describe('fromBytes', () => {
  it.each(TYPED)('rebuilds a %o', (ctor, code) => {
    const value = sample(ctor);
    const out = fromBytes(code, at(16, bytesOf(value))) as ArrayBufferView;
    expect(out.constructor).toBe(ctor);
    expect(out).toStrictEqual(value);
  });

  it.each(TYPED.filter(([ctor]) => ctor.BYTES_PER_ELEMENT > 1))(
    'copies a %o that starts at a misaligned offset, and decodes it right',
    (ctor, code) => {
      const value = sample(ctor);
      const bytes = at(3, bytesOf(value));
      const out = fromBytes(code, bytes) as ArrayBufferView;
      expect(out.constructor).toBe(ctor);
      expect(out).toStrictEqual(value);
      expect(out.byteOffset % ctor.BYTES_PER_ELEMENT).toBe(0);
      expect(out.buffer).not.toBe(bytes.buffer);
    },
  );

  it.each(TYPED.filter(([ctor]) => ctor.BYTES_PER_ELEMENT > 1))(
    'copies a %o of any length out of a larger buffer, aligned or not, each copy its own',
    (ctor, code) => {
      const size = ctor.BYTES_PER_ELEMENT;
      for (const count of [1, 64 / size - 1, 64 / size, 64 / size + 1, 100]) {
        for (const offset of [size, size + 1]) {
          const frame = new Uint8Array(64 * 1024);
          const first = new Uint8Array(count * size).map((_, i) => (i * 7 + 1) & 0xff);
          const second = first.map((b) => b ^ 0x5a);
          frame.set(first, offset);
          const a = fromBytes(code, frame.subarray(offset, offset + first.length)) as ArrayBufferView;
          frame.set(second, offset);
          const b = fromBytes(code, frame.subarray(offset, offset + second.length)) as ArrayBufferView;
          frame.fill(0);
          const bytesOfResult = (v: ArrayBufferView) => [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
          expect([a.constructor, b.constructor]).toStrictEqual([ctor, ctor]);
          expect(bytesOfResult(a)).toStrictEqual([...first]);
          expect(bytesOfResult(b)).toStrictEqual([...second]);
        }
      }
    },
  );

  it('is a zero-copy view when aligned and longer than 64 bytes', () => {
    const values = Float64Array.from({ length: 9 }, (_, i) => i - 2.5);
    const bytes = at(8, bytesOf(values));
    const out = fromBytes(DTYPE.Float64Array, bytes) as Float64Array;
    expect(out.buffer).toBe(bytes.buffer);
    expect(out.byteOffset).toBe(8);
    expect([...out]).toStrictEqual([...values]);
  });

  it('copies 64 bytes or fewer, without reading the buffer of what it copies', () => {
    const bytes = at(8, bytesOf(Float64Array.of(1.5, -2.5)));
    const watched = new Proxy(bytes, {
      get(target, key) {
        if (key === 'buffer') throw new Error('read bytes.buffer');
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const out = fromBytes(DTYPE.Float64Array, watched as Uint8Array) as Float64Array;
    expect(out.buffer).not.toBe(bytes.buffer);
    expect([...out]).toStrictEqual([1.5, -2.5]);
  });

  it('copies a payload that is a small part of its buffer, so it does not keep the rest alive', () => {
    const frame = new Uint8Array(64 * 1024);
    frame.set(bytesOf(new Float64Array([1.5, -2.5])), 8);
    const payload = frame.subarray(8, 24);
    const typed = fromBytes(DTYPE.Float64Array, payload) as Float64Array;
    expect([...typed]).toStrictEqual([1.5, -2.5]);
    expect(typed.buffer).not.toBe(frame.buffer);
    expect(typed.buffer.byteLength).toBeLessThan(1024);
    const buf = fromBytes(DTYPE.Buffer, payload) as Buffer;
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.buffer).not.toBe(frame.buffer);
    expect(buf.equals(Buffer.from(payload))).toBe(true);
    const dv = fromBytes(DTYPE.DataView, payload) as DataView;
    expect(dv.buffer).not.toBe(frame.buffer);
    expect([dv.byteOffset, dv.byteLength, dv.getFloat64(0, true)]).toStrictEqual([0, 16, 1.5]);
    const expected = Buffer.from(payload);
    frame.fill(0xff); // the results own their bytes
    expect([typed[1], dv.getFloat64(8, true), buf.equals(expected)]).toStrictEqual([-2.5, -2.5, true]);
  });

  it('rebuilds a Buffer as a Buffer, even from a plain Uint8Array', () => {
    const out = fromBytes(DTYPE.Buffer, at(5, new Uint8Array([104, 105])));
    expect(Buffer.isBuffer(out)).toBe(true);
    expect((out as Buffer).toString()).toBe('hi');
  });

  it('rebuilds a Uint8Array as exactly a Uint8Array, even from a Buffer', () => {
    const out = fromBytes(DTYPE.Uint8Array, Buffer.from([1, 2]));
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect([...(out as Uint8Array)]).toStrictEqual([1, 2]);
  });

  it('rebuilds a DataView over the bytes', () => {
    const out = fromBytes(DTYPE.DataView, at(3, new Uint8Array([0, 0, 0x80, 0x3f]))) as DataView;
    expect(out).toBeInstanceOf(DataView);
    expect(out.byteLength).toBe(4);
    expect(out.getFloat32(0, true)).toBe(1);
  });

  it('rebuilds an ArrayBuffer holding exactly the bytes', () => {
    const out = fromBytes(DTYPE.ArrayBuffer, at(3, new Uint8Array([7, 8, 9]))) as ArrayBuffer;
    expect(out).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(out)]).toStrictEqual([7, 8, 9]);
    const whole = new Uint8Array([1, 2]);
    expect(fromBytes(DTYPE.ArrayBuffer, whole)).toBe(whole.buffer);
  });

  it('handles empty payloads', () => {
    expect(fromBytes(DTYPE.Float64Array, at(3, new Uint8Array(0)))).toStrictEqual(new Float64Array(0));
    expect(fromBytes(DTYPE.ArrayBuffer, new Uint8Array(0))).toStrictEqual(new ArrayBuffer(0));
  });

  it('refuses a partial element with ERR_ARG rather than a RangeError', () => {
    const message = mpiFailure(() => fromBytes(DTYPE.Float64Array, new Uint8Array(12)), 'ERR_ARG');
    expect(message).toMatch(/12 bytes.*Float64Array/);
    mpiFailure(() => fromBytes(DTYPE.Int16Array, at(1, new Uint8Array(3))), 'ERR_ARG');
  });

  it.each([0, 15, 255, -1, 1.5, NaN])('refuses unknown dtype %d with ERR_ARG', (code) => {
    mpiFailure(() => fromBytes(code, new Uint8Array(8)), 'ERR_ARG');
  });
});

describe('element arithmetic', () => {
  it('counts elements of typed arrays and bytes of the rest', () => {
    expect(elementCount(DTYPE.Float64Array, 24)).toBe(3);
    expect(elementCount(DTYPE.Int16Array, 6)).toBe(3);
    expect(elementCount(DTYPE.BigUint64Array, 0)).toBe(0);
    expect(elementCount(DTYPE.Buffer, 7)).toBe(7);
    expect(elementCount(DTYPE.DataView, 7)).toBe(7);
    expect(elementCount(DTYPE.ArrayBuffer, 7)).toBe(7);
  });

  it('refuses a partial element or unknown dtype', () => {
    mpiFailure(() => elementCount(DTYPE.Uint32Array, 6), 'ERR_ARG');
    mpiFailure(() => elementCount(99, 6), 'ERR_ARG');
  });

  it.each(TYPED)('bytesPerElement of %o is BYTES_PER_ELEMENT', (ctor, code) => {
    expect(bytesPerElement(code)).toBe(ctor.BYTES_PER_ELEMENT);
  });

  it('has one byte per element for Buffer, DataView and ArrayBuffer', () => {
    expect([DTYPE.Buffer, DTYPE.DataView, DTYPE.ArrayBuffer].map(bytesPerElement)).toStrictEqual([1, 1, 1]);
  });
});

describe('allocation for collectives', () => {
  it.each(TYPED)('creates a zeroed %o', (ctor, code) => {
    const out = createTypedArray(code, 3);
    expect(out.constructor).toBe(ctor);
    expect(out.length).toBe(3);
    expect(out.every((x: number | bigint) => x == 0)).toBe(true);
    expect(typedArrayConstructor(code)).toBe(ctor);
    expect(isTypedArrayDtype(code)).toBe(true);
  });

  it('creates a real Buffer for DTYPE.Buffer', () => {
    const out = createTypedArray(DTYPE.Buffer, 4);
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.length).toBe(4);
    expect(isTypedArrayDtype(DTYPE.Buffer)).toBe(true);
  });

  it('refuses DataView, ArrayBuffer and unknown codes', () => {
    for (const code of [DTYPE.DataView, DTYPE.ArrayBuffer, 0, 42]) {
      expect(isTypedArrayDtype(code)).toBe(false);
      mpiFailure(() => createTypedArray(code, 1), 'ERR_ARG');
      mpiFailure(() => typedArrayConstructor(code), 'ERR_ARG');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { allocateUninitializedLike } from '../../src/coll/typedArray.js';

describe('allocateUninitializedLike', () => {
  it('gives an array of the same type and length with memory of its own', () => {
    for (const proto of [new Float64Array(3), new Int16Array(3), new BigInt64Array(3), new Uint8ClampedArray(3)]) {
      const out = allocateUninitializedLike(proto, 5);
      expect(out.constructor).toBe(proto.constructor);
      expect([out.length, out.byteOffset, out.buffer.byteLength]).toEqual([5, 0, 5 * proto.BYTES_PER_ELEMENT]);
    }
    const buf = allocateUninitializedLike(Buffer.from([1, 2]), 7);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect([buf.length, buf.byteOffset, buf.buffer.byteLength]).toEqual([7, 0, 7]);
  });

  it('lets a subclass with its own constructor allocate', () => {
    class Samples extends Float32Array {
      constructor(length: number) {
        super(length);
      }
    }
    const out = allocateUninitializedLike(new Samples(2), 4);
    expect(out).toBeInstanceOf(Samples);
    expect(out.length).toBe(4);
  });
});

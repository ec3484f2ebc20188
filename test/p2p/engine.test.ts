/**
 * The p2p engine driven by frames directly (no processes): what an arriving eager
 * message holds on to, depending on whether its receive was already posted.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/value.js';
import { P2PEngine } from '../../src/p2p/engine.js';
import { Kind, type Frame } from '../../src/transport/framing.js';

const CTX = 7;

function engine(): P2PEngine {
  return new P2PEngine(0, { write() {} });
}

/** An eager frame from rank 1 whose payload sits at `offset` inside `slab`, as small messages arrive. */
function eagerIn(slab: Uint8Array, offset: number, value: Float64Array, tag: number): Frame {
  const { bytes, ptype } = encode(value);
  slab.set(bytes, offset);
  return {
    kind: Kind.Eager, ptype, flags: 0, ctx: CTX, tag, src: 1, id: 0, len: bytes.byteLength, aux: 0,
    payload: slab.subarray(offset, offset + bytes.byteLength),
  };
}

describe('P2PEngine', () => {
  it('gives an unexpected small message bytes of its own, so waiting does not pin the buffer it arrived in', async () => {
    const e = engine();
    const slab = new Uint8Array(64 * 1024);
    e.onFrame(1, eagerIn(slab, 1024, Float64Array.of(1, 2, 3), 5));
    slab.fill(0xee); // shows whether the queued message still views the slab
    const got = await e.irecv<Float64Array>(CTX, 1, 5, (w) => w);
    expect([...got]).toEqual([1, 2, 3]);
  });

  it('keeps an unexpected message that fills most of its buffer as it is (large messages are not copied)', async () => {
    const e = engine();
    const value = Float64Array.of(6, 7, 8, 9);
    const slab = new Uint8Array(encode(value).bytes.byteLength);
    e.onFrame(1, eagerIn(slab, 0, value, 2));
    const got = await e.irecv<Float64Array>(CTX, 1, 2, (w) => w);
    expect([...got]).toEqual([6, 7, 8, 9]);
    expect(got.buffer).toBe(slab.buffer);
  });
});

/**
 * The p2p engine driven by frames directly (no processes): what an arriving eager
 * message holds on to, depending on whether its receive was already posted.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/value.js';
import { P2PEngine } from '../../src/p2p/engine.js';
import { EAGER_BYTES } from '../../src/p2p/limits.js';
import { bufferTargetOf, exactTargetOf } from '../../src/p2p/receiveTarget.js';
import { MpiError } from '../../src/errors.js';
import { Status } from '../../src/p2p/status.js';
import { Kind, type Frame, type FrameFields } from '../../src/transport/framing.js';

const CTX = 7;

function engine(written: FrameFields[] = []): P2PEngine {
  return new P2PEngine(0, { write: (_peer, fields) => written.push(fields) });
}

function frameOf(fields: Partial<Frame> & { kind: number }, payload = new Uint8Array(0)): Frame {
  return { ptype: 0, flags: 0, ctx: CTX, tag: 0, src: 1, id: 0, len: payload.byteLength, aux: 0, ...fields, payload };
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
  it('a synchronous send to this rank itself waits like any other: in pending operations and for finalize', async () => {
    const e = engine();
    const sent = e.isend(CTX, 'hi', 0, 3, true);
    expect(e.pendingOps()).toEqual([{ op: 'send', ctx: CTX, peer: 0, tag: 3, bytes: encode('hi').bytes.byteLength }]);
    let drained = false;
    const draining = e.drainSends().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([sent.isComplete, drained]).toEqual([false, false]);
    expect(await e.irecv(CTX, 0, 3, (w) => w)).toBe('hi');
    await draining;
    expect([sent.isComplete, e.pendingOps()]).toEqual([true, []]);
  });

  it('a waiting probe looks only at arrivals it matches, not at the whole unexpected queue each time', async () => {
    const e = engine();
    const matching = (e as unknown as { matching: { peek(envelope: unknown): unknown } }).matching;
    let peeks = 0;
    const peek = matching.peek.bind(matching);
    matching.peek = (envelope) => {
      peeks++;
      return peek(envelope);
    };
    const status = e.probe(CTX, 2, 7, (w) => w);
    const slab = new Uint8Array(64 * 1024);
    for (let i = 0; i < 2000; i++) e.onFrame(1, eagerIn(slab, (i % 100) * 64, Float64Array.of(i), 1));
    e.onFrame(2, { ...eagerIn(slab, 0, Float64Array.of(42), 7), src: 2 });
    const found = await status;
    expect([found.source, found.tag]).toEqual([2, 7]);
    // Once when the probe was made, once for the message it matches.
    expect(peeks).toBe(2);
  });

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
    const value = Float64Array.from({ length: 16 }, (_, i) => i + 6);
    const slab = new Uint8Array(encode(value).bytes.byteLength);
    e.onFrame(1, eagerIn(slab, 0, value, 2));
    const got = await e.irecv<Float64Array>(CTX, 1, 2, (w) => w);
    expect([...got]).toEqual([...value]);
    expect(got.buffer === slab.buffer, 'the same memory').toBe(true);
  });

  describe('a receive into memory the caller names', () => {
    it('places an eager message there, whether it came before or after the receive', async () => {
      for (const early of [true, false]) {
        const e = engine();
        const result = new Float64Array(6);
        const into = result.subarray(2, 5);
        const arrive = () => e.onFrame(1, eagerIn(new Uint8Array(64), 8, Float64Array.of(7, 8, 9), 3));
        if (early) arrive();
        const req = e.irecv<unknown>(CTX, 1, 3, (w) => w, exactTargetOf(into));
        if (!early) arrive();
        expect(await req).toBe(into);
        expect([...result]).toEqual([0, 0, 7, 8, 9, 0]);
      }
    });

    it('receives a message of another type or length as usual, leaving the memory alone', async () => {
      const e = engine();
      const into = new Float64Array(3);
      const req = e.irecv<Float64Array>(CTX, 1, 3, (w) => w, exactTargetOf(into));
      e.onFrame(1, eagerIn(new Uint8Array(64), 0, Float64Array.of(1, 2), 3));
      const got = await req;
      expect(got).not.toBe(into);
      expect([...got]).toEqual([1, 2]);
      expect([...into]).toEqual([0, 0, 0]);
    });

    it('names the memory for the data of a rendezvous (and no other), and completes the receive with it once the data is there', async () => {
      const written: FrameFields[] = [];
      const e = engine(written);
      const into = new Float64Array(4);
      const { ptype, bytes } = encode(Float64Array.of(1, 2, 3, 4));
      e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 42, ptype, aux: bytes.byteLength }));
      const req = e.irecv<unknown>(CTX, 1, 3, (w) => w, exactTargetOf(into));
      expect(written.map((f) => [f.kind, f.id])).toEqual([[Kind.ClearToSend, 42]]);
      const data = frameOf({ kind: Kind.Data, id: 42, ptype, len: bytes.byteLength });
      expect(e.destinationFor(1, { ...data, id: 41 })).toBeUndefined();
      expect(e.destinationFor(1, { ...data, len: 16 })).toBeUndefined();
      expect(e.destinationFor(1, { ...data, ptype: encode(Float32Array.of(1)).ptype })).toBeUndefined();
      expect(e.destinationFor(2, data)).toBeUndefined();
      const dest = e.destinationFor(1, data)!;
      expect(dest.buffer === into.buffer, 'the same memory').toBe(true);
      dest.set(bytes); // what the transport does when it reads the payload there
      e.onFrame(1, { ...data, payload: Buffer.from(dest.buffer, dest.byteOffset, dest.byteLength) });
      expect(await req).toBe(into);
      expect([...into]).toEqual([1, 2, 3, 4]);
    });

    it('copies rendezvous data that arrived elsewhere', async () => {
      const e = engine();
      const into = new Float64Array(2);
      const { ptype, bytes } = encode(Float64Array.of(5, 6));
      e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 7, ptype, aux: bytes.byteLength }));
      const req = e.irecv<unknown>(CTX, 1, 3, (w) => w, exactTargetOf(into));
      e.onFrame(1, frameOf({ kind: Kind.Data, id: 7, ptype }, new Uint8Array(bytes)));
      expect(await req).toBe(into);
      expect([...into]).toEqual([5, 6]);
    });
  });

  describe('a receive into a program\'s buffer (recvInto)', () => {
    it('places a shorter eager message at the start and resolves with the view it filled', async () => {
      const e = engine();
      const buf = new Float64Array(5).fill(-1);
      const req = e.irecv<Float64Array>(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
      e.onFrame(1, eagerIn(new Uint8Array(64), 16, Float64Array.of(7, 8), 3));
      const got = await req;
      expect(got.buffer === buf.buffer && got.byteOffset === 0 && got.length === 2, 'a view of the start of buf').toBe(true);
      expect([...buf]).toEqual([7, 8, -1, -1, -1]);
    });

    it('resolves with the buffer itself when the message fills it, whatever raw type was sent, counting its elements', async () => {
      const e = engine();
      const buf = new Uint8Array(16);
      const req = e.irecv<Uint8Array>(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
      e.onFrame(1, eagerIn(new Uint8Array(64), 0, Float64Array.of(1, 2), 3));
      const status = new Status();
      expect(await req.wait(status)).toBe(buf);
      expect([...new Float64Array(buf.buffer)]).toEqual([1, 2]);
      expect([status.bytes, status.count], 'count in the buffer\'s elements, as MPI_Get_count with the receive type').toEqual([16, 16]);
    });

    it('views a shorter message with the built-in class, whatever a subclass\'s constructor takes', async () => {
      class Samples extends Float64Array {
        constructor(n: number) {
          if (typeof n !== 'number') throw new Error('Samples takes a length only');
          super(n);
        }
      }
      const e = engine();
      const buf = new Samples(4);
      const req = e.irecv<Float64Array>(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
      e.onFrame(1, eagerIn(new Uint8Array(64), 8, Float64Array.of(5, 6), 3));
      const got = await req;
      expect(got).toBeInstanceOf(Float64Array);
      expect(got.buffer === buf.buffer && got.length === 2 && got[1] === 6, 'a view of buf').toBe(true);
    });

    it('names the start of the buffer for a shorter rendezvous', async () => {
      const e = engine();
      const buf = new Float64Array(8);
      const { ptype, bytes } = encode(Float64Array.of(1, 2, 3));
      e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 5, ptype, aux: bytes.byteLength }));
      const req = e.irecv<Float64Array>(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
      const data = frameOf({ kind: Kind.Data, id: 5, ptype, len: bytes.byteLength });
      const dest = e.destinationFor(1, data)!;
      expect(dest.buffer === buf.buffer && dest.byteOffset === 0 && dest.byteLength === 24, 'the first 24 bytes of buf').toBe(true);
      dest.set(bytes);
      e.onFrame(1, { ...data, payload: Buffer.from(dest.buffer, dest.byteOffset, dest.byteLength) });
      expect([...(await req)]).toEqual([1, 2, 3]);
    });

    it('fails a rendezvous too long with ERR_TRUNCATE as it matches, declines its data, and leaves the buffer alone', async () => {
      for (const order of ['announced first', 'posted first'] as const) {
        const written: FrameFields[] = [];
        const e = engine(written);
        const buf = new Float64Array(2);
        const { ptype, bytes } = encode(Float64Array.of(1, 2, 3));
        const announce = () => e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 9, ptype, aux: bytes.byteLength }));
        if (order === 'announced first') announce();
        const req = e.irecv<Float64Array>(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
        if (order === 'posted first') announce();
        expect(written, `${order}: the sender is told to keep its data`).toEqual([{ kind: Kind.Decline, src: 0, id: 9 }]);
        expect(e.destinationFor(1, frameOf({ kind: Kind.Data, id: 9, ptype, len: bytes.byteLength })), 'no data is expected').toBeUndefined();
        const status = new Status();
        const err = await req.wait(status).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(MpiError);
        expect((err as MpiError).errorClass).toBe('ERR_TRUNCATE');
        expect((err as MpiError).message).toMatch(/from rank 1 with tag 3 has 24 bytes.*Float64Array of 16 bytes/);
        expect([status.source, status.tag, status.bytes], 'the status names the message refused').toEqual([1, 3, 24]);
        expect([...buf]).toEqual([0, 0]);
        expect(e.pendingOps(), 'nothing left waiting').toEqual([]);
      }
    });

    it('declines a rendezvous of a structured value with ERR_ARG', async () => {
      const written: FrameFields[] = [];
      const e = engine(written);
      const req = e.irecv(CTX, 1, 3, (w) => w, bufferTargetOf(new Float64Array(2)));
      const { ptype, bytes } = encode({ big: 'x'.repeat(1000) });
      e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 4, ptype, aux: bytes.byteLength }));
      expect(written.map((f) => f.kind)).toEqual([Kind.Decline]);
      await expect(req.wait()).rejects.toMatchObject({ errorClass: 'ERR_ARG' });
    });

    it('clears a rendezvous that fits as before', () => {
      const written: FrameFields[] = [];
      const e = engine(written);
      const { ptype, bytes } = encode(Float64Array.of(1, 2));
      e.irecv(CTX, 1, 3, (w) => w, bufferTargetOf(new Float64Array(2)));
      e.onFrame(1, frameOf({ kind: Kind.ReadyToSend, tag: 3, id: 4, ptype, aux: bytes.byteLength }));
      expect(written.map((f) => f.kind)).toEqual([Kind.ClearToSend]);
    });

    it('fails a structured value or a partial element with ERR_ARG', async () => {
      for (const [value, pattern] of [[{ a: 1 }, /not a typed array/], [Uint8Array.of(1, 2, 3), /not a whole number of elements/]] as const) {
        const e = engine();
        const buf = new Float64Array(2);
        const req = e.irecv(CTX, 1, 3, (w) => w, bufferTargetOf(buf));
        const { ptype, bytes } = encode(value);
        e.onFrame(1, frameOf({ kind: Kind.Eager, tag: 3, ptype }, new Uint8Array(bytes)));
        const err = (await req.then(() => null, (e: unknown) => e)) as MpiError;
        expect(err.errorClass).toBe('ERR_ARG');
        expect(err.message).toMatch(pattern);
      }
    });
  });
});

describe('P2PEngine sends', () => {
  it('drainSends waits for an eager send whose write completes later, and not for one written at once', async () => {
    const later: Array<() => void> = [];
    let deferring = true;
    const e = new P2PEngine(0, {
      write: (_peer, _fields, _payload, done) => {
        if (deferring) later.push(() => done?.());
        else done?.();
      },
    });
    const pending = e.isend(CTX, Float64Array.of(1), 1, 3, false);
    let drained = false;
    const drain = e.drainSends().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([pending.isComplete, drained]).toEqual([false, false]);
    for (const finish of later) finish();
    await drain;
    expect(pending.isComplete).toBe(true);
    deferring = false;
    const atOnce = e.isend(CTX, Float64Array.of(2), 1, 3, false);
    expect(atOnce.isComplete).toBe(true);
    await e.drainSends();
  });

  it('a rendezvous its receive declined completes without its data, and only for the peer it went to', async () => {
    const written: Array<{ peer: number; fields: FrameFields; payload?: Uint8Array }> = [];
    const e = new P2PEngine(0, { write: (peer, fields, payload) => written.push({ peer, fields, payload }) });
    const big = new Uint8Array(EAGER_BYTES + 8);
    const req = e.isend(CTX, big, 1, 3, false);
    const id = written[0]!.fields.id!;
    expect(written[0]!.fields.kind).toBe(Kind.ReadyToSend);
    e.onFrame(2, frameOf({ kind: Kind.Decline, src: 2, id }));
    e.onFrame(1, frameOf({ kind: Kind.Decline, id: id + 1 }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(req.isComplete, 'a decline from another peer or for another send is ignored').toBe(false);
    e.onFrame(1, frameOf({ kind: Kind.Decline, id }));
    await req.wait();
    await e.drainSends();
    e.onFrame(1, frameOf({ kind: Kind.ClearToSend, id }));
    expect(written.map((w) => w.fields.kind), 'no data is sent, even if cleared afterwards').toEqual([Kind.ReadyToSend]);
    expect(e.pendingOps()).toEqual([]);
  });

  it('a send that fails as it is written fails its request and is not waited for', async () => {
    const e = new P2PEngine(0, { write: (_peer, _fields, _payload, done) => done?.(new Error('socket closed')) });
    const req = e.isend(CTX, Float64Array.of(1), 1, 3, false);
    await expect(req.wait()).rejects.toMatchObject({ errorClass: 'ERR_PROC_FAILED' });
    await e.drainSends();
  });
});

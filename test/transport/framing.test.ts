import { describe, expect, it } from 'vitest';
import { FLAG_DETACHED, FrameDecoder, FrameError, HEADER_BYTES, writeHeader, type Frame } from '../../src/transport/framing.js';

function frame(fields: Parameters<typeof writeHeader>[2], payload = Buffer.alloc(0)): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + payload.length);
  writeHeader(buf, 0, fields, payload.length);
  payload.copy(buf, HEADER_BYTES);
  return buf;
}

function decodeAll(messages: Buffer[], max = 1 << 20): Frame[] {
  const d = new FrameDecoder(max);
  const out: Frame[] = [];
  for (const m of messages) d.push(m, (f) => out.push(f));
  return out;
}

describe('frame decoding', () => {
  it('round-trips every header field', () => {
    const [f] = decodeAll([frame({ kind: 2, ptype: 9, flags: 0, ctx: 77, tag: 2 ** 31 - 1, src: 5, id: 4e9, aux: 123456789.5 }, Buffer.from('abc'))]);
    expect(f).toMatchObject({ kind: 2, ptype: 9, ctx: 77, tag: 2 ** 31 - 1, src: 5, id: 4e9, len: 3, aux: 123456789.5 });
    expect(Buffer.from(f.payload).toString()).toBe('abc');
  });

  it('splits a batch of frames in one message', () => {
    const batch = Buffer.concat([frame({ kind: 1 }, Buffer.from('one')), frame({ kind: 5, aux: 9 }), frame({ kind: 1 }, Buffer.from('three'))]);
    const frames = decodeAll([batch]);
    expect(frames.map((f) => f.kind)).toEqual([1, 5, 1]);
    expect(Buffer.from(frames[2].payload).toString()).toBe('three');
  });

  it('takes the payload of a detached header from the next message', () => {
    const header = Buffer.alloc(HEADER_BYTES);
    writeHeader(header, 0, { kind: 4, flags: FLAG_DETACHED, id: 3 }, 5);
    const frames = decodeAll([header, Buffer.from('12345'), frame({ kind: 3 })]);
    expect(frames).toHaveLength(2);
    expect(Buffer.from(frames[0].payload).toString()).toBe('12345');
    expect(frames[1].kind).toBe(3);
  });

  it.each([
    ['a truncated header', Buffer.alloc(HEADER_BYTES - 1, 1), /truncated header/],
    ['a truncated payload', frame({ kind: 1 }, Buffer.from('abcdef')).subarray(0, HEADER_BYTES + 2), /truncated payload/],
    ['an unknown kind', frame({ kind: 200 }), /unknown frame kind 200/],
    ['kind zero', Buffer.alloc(HEADER_BYTES), /unknown frame kind 0/],
    ['an oversized length', (() => { const b = frame({ kind: 1 }); b.writeUInt32LE(0xffffffff, 20); return b; })(), /exceeds/],
    ['a non-finite aux', (() => { const b = frame({ kind: 1 }); b.writeDoubleLE(NaN, 24); return b; })(), /non-finite/],
  ])('rejects %s with a FrameError', (_name, bytes, message) => {
    expect(() => decodeAll([bytes])).toThrowError(FrameError);
    expect(() => decodeAll([bytes])).toThrowError(message);
  });

  it('rejects a detached payload of the wrong size', () => {
    const header = Buffer.alloc(HEADER_BYTES);
    writeHeader(header, 0, { kind: 4, flags: FLAG_DETACHED }, 10);
    expect(() => decodeAll([header, Buffer.alloc(3)])).toThrowError(/detached payload of 3 bytes/);
  });

  it('never throws anything but FrameError on random garbage', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 100);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rand() * 256);
      if (rand() < 0.5 && len >= 1) buf[0] = 1 + Math.floor(rand() * 6);
      try {
        decodeAll([buf], 64);
      } catch (err) {
        expect(err).toBeInstanceOf(FrameError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});

/**
 * The reader that takes a rank connection's socket away from `ws`: WebSocket frames
 * in, messages out, whatever the socket's reads cut the stream into, and the same
 * messages on a real connection whether the socket reads into the reader's buffers
 * (plain sockets) or feeds it from 'data' events (TLS).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionPairs, PAIR_KINDS, type PairKind } from '../helpers/connectionPair.js';
import { mulberry32 } from '../helpers/fakeEndpoint.js';
import { MessageReader, OWN_BUFFER_BYTES, SLAB_BYTES, WireError } from '../../src/transport/messageReader.js';
import type { Connection } from '../../src/transport/messageSource.js';

const MAX = 64 << 20;

interface FrameOptions {
  opcode?: number;
  fin?: boolean;
  rsv?: number;
  mask?: number;
  /** Announce this length instead of the payload's. */
  length?: number;
}

/** One WebSocket frame as RFC 6455 lays it out, independent of the reader's code. */
function frame(payload: Uint8Array, o: FrameOptions = {}): Buffer {
  const length = o.length ?? payload.length;
  const masked = o.mask !== undefined;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  header[0] = (o.fin === false ? 0 : 0x80) | ((o.rsv ?? 0) << 4) | (o.opcode ?? 2);
  header[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  const body = Buffer.from(payload);
  if (masked) {
    header.writeUInt32BE(o.mask!, 2 + lengthBytes);
    for (let i = 0; i < body.length; i++) body[i] ^= (o.mask! >>> (8 * (3 - (i & 3)))) & 0xff;
  }
  return Buffer.concat([header, body]);
}

/** A payload whose bytes depend on (seed, index), so a misplaced byte shows. */
function payload(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7 + (i >>> 8)) & 0xff;
  return b;
}


const SIZES = [0, 1, 8, 125, 126, 127, 1000, 65535, 65536, OWN_BUFFER_BYTES - 1, OWN_BUFFER_BYTES, OWN_BUFFER_BYTES + 1, SLAB_BYTES - 20, SLAB_BYTES + 3, 1 << 20];

function collect(reader: MessageReader): { messages: Buffer[]; errors: Error[] } {
  const messages: Buffer[] = [];
  const errors: Error[] = [];
  reader.listen((m) => messages.push(m), (e) => errors.push(e));
  return { messages, errors };
}

/** Plays a socket that reads at most `limit()` bytes at a time into the reader's own buffers. */
function readLikeASocket(reader: MessageReader, stream: Buffer, limit: () => number): void {
  let offset = 0;
  while (offset < stream.length) {
    const into = reader.target();
    if (into.length === 0) throw new Error(`the reader offered no room at byte ${offset}`);
    const n = Math.min(into.length, limit(), stream.length - offset);
    stream.copy(into, 0, offset, offset + n);
    offset += n;
    reader.advance(n);
  }
}

describe('MessageReader', () => {
  it('delivers every message intact, whatever the reads cut the stream into', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const random = mulberry32(seed);
      const sent: Buffer[] = [];
      const frames: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        const size = random() < 0.4 ? SIZES[Math.floor(random() * SIZES.length)] : Math.floor(random() * 3000);
        const p = payload(size, seed * 1000 + i);
        sent.push(p);
        const mask = random() < 0.3 ? undefined : random() < 0.5 ? 0 : (random() * 2 ** 32) >>> 0;
        frames.push(frame(p, { mask }));
      }
      const stream = Buffer.concat(frames);
      const limits = [() => 1 + Math.floor(random() * 20), () => 1 + Math.floor(random() * 300), () => 1 + Math.floor(random() * 70_000), () => 65536, () => Infinity];
      for (const limit of limits) {
        const bySocket = new MessageReader(MAX, () => {});
        const a = collect(bySocket);
        readLikeASocket(bySocket, stream, limit);
        // Compared only at the end: a message handed out early must not have been overwritten.
        expect(a.errors).toEqual([]);
        expect(a.messages.length).toBe(sent.length);
        a.messages.forEach((m, i) => expect(m.equals(sent[i]), `seed ${seed}, message ${i} of ${sent[i].length} bytes`).toBe(true));

        const byFeed = new MessageReader(MAX, () => {});
        const b = collect(byFeed);
        for (let offset = 0; offset < stream.length; ) {
          const n = Math.min(stream.length - offset, Math.max(1, Math.floor(limit() === Infinity ? stream.length : limit())));
          byFeed.feed(stream.subarray(offset, offset + n));
          offset += n;
        }
        expect(b.messages.map((m) => m.length)).toEqual(sent.map((m) => m.length));
        b.messages.forEach((m, i) => expect(m.equals(sent[i])).toBe(true));
      }
    }
  });

  it('reads a large message into a buffer of its own, never past its end', () => {
    const reader = new MessageReader(MAX, () => {});
    const { messages } = collect(reader);
    const big = payload(3 << 20, 7);
    const stream = Buffer.concat([frame(big), frame(payload(10, 8))]);
    // The first read takes the header and some of the body into a slab.
    readLikeASocket(reader, stream.subarray(0, 1000), () => Infinity);
    const rest = big.length - (1000 - 10);
    expect(reader.target().length).toBe(rest);
    readLikeASocket(reader, stream.subarray(1000), () => Infinity);
    expect(messages.map((m) => m.length)).toEqual([big.length, 10]);
    expect(messages[0].equals(big)).toBe(true);
    expect(messages[0].buffer.byteLength).toBe(big.length);
  });

  it('reads the next data message into memory the caller names, if it is exactly that long', () => {
    const reader = new MessageReader(MAX, () => {});
    const { messages } = collect(reader);
    const big = payload(200_000, 3);
    const dest = new Uint8Array(300_000).subarray(50_000, 250_000);
    reader.readNextInto(dest);
    const ping = frame(Buffer.alloc(0), { opcode: 9 });
    // A control frame in between does not use up the request; the first data message does.
    readLikeASocket(reader, Buffer.concat([ping, frame(big), frame(big)]), () => 70_000);
    expect(messages).toHaveLength(2);
    expect(messages[0].buffer === dest.buffer, 'the same memory').toBe(true);
    expect(messages[0].byteOffset).toBe(dest.byteOffset);
    expect(Buffer.from(dest).equals(big)).toBe(true);
    expect(messages[1].buffer === dest.buffer, 'the same memory').toBe(false);
    expect(messages[1].equals(big)).toBe(true);
  });

  it('reads a small message that arrived whole into the named memory too, and ignores a request of the wrong length', () => {
    const reader = new MessageReader(MAX, () => {});
    const { messages } = collect(reader);
    const dest = new Uint8Array(16);
    reader.readNextInto(dest);
    reader.feed(frame(payload(16, 1)));
    reader.readNextInto(new Uint8Array(10));
    reader.feed(frame(payload(16, 2)));
    expect(messages[0].buffer === dest.buffer, 'the same memory').toBe(true);
    expect(Buffer.from(dest).equals(payload(16, 1))).toBe(true);
    expect(messages[1].buffer === dest.buffer, 'the same memory').toBe(false);
    expect(messages[1].equals(payload(16, 2))).toBe(true);
  });

  it('applies a request for the next message only when no message waits to be delivered', () => {
    const reader = new MessageReader(MAX, () => {});
    // Arrived before anyone listened: a header-like message, then its payload A.
    reader.feed(Buffer.concat([frame(Buffer.from('hdr')), frame(payload(40_000, 1))]));
    const dest = new Uint8Array(40_000);
    const got: Buffer[] = [];
    reader.listen((m) => {
      got.push(m);
      if (String(m) === 'hdr') reader.readNextInto(dest);
    }, () => {});
    // B, a later message of the same length, must not land in `dest`.
    reader.feed(frame(payload(40_000, 2)));
    expect(got).toHaveLength(3);
    expect(got[1].equals(payload(40_000, 1))).toBe(true);
    expect(got[2].equals(payload(40_000, 2))).toBe(true);
    expect(dest.every((b) => b === 0)).toBe(true);
  });

  it('keeps messages that arrive before anyone listens, and a handler may pass the rest on', () => {
    const reader = new MessageReader(MAX, () => {});
    reader.feed(Buffer.concat([1, 2, 3, 4].map((i) => frame(Buffer.from([i])))));
    const first: number[] = [];
    const second: number[] = [];
    reader.listen(
      (m) => {
        first.push(m[0]);
        if (m[0] === 2) reader.listen((n) => second.push(n[0]), () => {});
      },
      () => {},
    );
    reader.feed(frame(Buffer.from([5])));
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([3, 4, 5]);
  });

  it('hands close, ping and pong frames on unchanged, and reads nothing after a close', () => {
    const control: Buffer[] = [];
    const reader = new MessageReader(MAX, (f) => control.push(f));
    const { messages } = collect(reader);
    const ping = frame(Buffer.from('hi'), { opcode: 9, mask: 0x01020304 });
    const pong = frame(Buffer.alloc(0), { opcode: 10 });
    const close = frame(Buffer.from([0x0f, 0xa1, 0x62, 0x79, 0x65]), { opcode: 8 });
    reader.feed(Buffer.concat([frame(Buffer.from('a')), ping, frame(Buffer.from('b')), pong, close, frame(Buffer.from('after'))]));
    expect(control).toEqual([ping, pong, close]);
    expect(messages.map(String)).toEqual(['a', 'b']);
  });

  const malformed: Array<[string, Buffer, RegExp]> = [
    ['a text message', frame(Buffer.from('x'), { opcode: 1 }), /opcode 1/],
    ['a fragment', frame(Buffer.from('x'), { fin: false }), /fragmented/],
    ['a continuation frame', frame(Buffer.from('x'), { opcode: 0 }), /fragmented/],
    ['reserved bits (compression)', frame(Buffer.from('x'), { rsv: 4 }), /reserved bits/],
    ['an unknown control opcode', frame(Buffer.alloc(0), { opcode: 0xb }), /unknown control opcode 11/],
    ['a long control frame', frame(Buffer.alloc(200), { opcode: 9 }), /control frame/],
    ['a fragmented control frame', frame(Buffer.alloc(1), { opcode: 9, fin: false }), /control frame/],
    ['a message over the limit', frame(Buffer.alloc(0), { length: MAX + 1 }), /exceeds the limit/],
    ['a 64-bit length', frame(Buffer.alloc(0), { length: 2 ** 53 + 2 }), /exceeds the limit/],
  ];
  for (const [what, bad, reason] of malformed) {
    it(`reports ${what} once, after the messages before it, and delivers nothing after`, () => {
      const reader = new MessageReader(MAX, () => {});
      reader.feed(Buffer.concat([frame(Buffer.from('ok')), bad, frame(Buffer.from('later'))]));
      const { messages, errors } = collect(reader);
      reader.feed(frame(Buffer.from('more')));
      expect(messages.map(String)).toEqual(['ok']);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(WireError);
      expect(errors[0].message).toMatch(reason);
    });
  }
});

describe('readMessagesDirectly on a real connection', () => {
  const pairs = new ConnectionPairs();
  afterAll(() => pairs.close());
  const pair = (kind: PairKind, greeting?: Buffer) => pairs.open(kind, greeting);

  const nextMessage = (conn: Connection) =>
    new Promise<Buffer>((resolve, reject) => conn.messages.listen(resolve, reject));

  for (const kind of PAIR_KINDS) {
    it(`keeps a message that came with the upgrade response (${kind})`, async () => {
      const greeting = payload(3000, 9);
      const { client } = await pair(kind, greeting);
      expect((await nextMessage(client)).equals(greeting)).toBe(true);
    });

    it(`reports a peer that vanishes without a close frame as close code 1006 (${kind})`, async () => {
      const { client, server } = await pair(kind);
      const closed = new Promise<number>((resolve) => server.ws.once('close', (code) => resolve(code)));
      const got = nextMessage(server);
      client.ws.send(Buffer.from('last words'));
      expect(String(await got)).toBe('last words');
      client.ws.terminate();
      expect(await closed).toBe(1006);
    });
  }

  for (const kind of PAIR_KINDS) {
    it(`moves messages both ways and closes with the peer's code (${kind})`, async () => {
      const { client, server } = await pair(kind);
      const direct = kind !== 'tls';
      for (const c of [client, server]) expect((c.messages as MessageReader).readsIntoOwnBuffers).toBe(direct);
      const sizes = [0, 5, 40_000, 300_000, 4 << 20];
      const sent = sizes.map((n, i) => payload(n, i));
      const received = (conn: Connection) =>
        new Promise<Buffer[]>((resolve, reject) => {
          const got: Buffer[] = [];
          conn.messages.listen((m) => {
            got.push(m);
            if (got.length === sent.length) resolve(got);
          }, reject);
        });
      const atServer = received(server);
      const atClient = received(client);
      for (const p of sent) {
        client.ws.send(p);
        server.ws.send(p);
      }
      for (const got of await Promise.all([atServer, atClient])) {
        expect(got.map((m) => m.length)).toEqual(sizes);
        got.forEach((m, i) => expect(m.equals(sent[i])).toBe(true));
      }
      const closed = new Promise<[number, string]>((resolve) => server.ws.once('close', (code, reason) => resolve([code, reason.toString()]))) ;
      const clientClosed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
      client.ws.close(4001, 'superseded');
      expect(await closed).toEqual([4001, 'superseded']);
      expect(await clientClosed).toBe(4001);
    });
  }
});

/**
 * Channels over a real connection: frames in order across batches and detached
 * payloads, and a detached payload read straight into the memory the layer above
 * names for it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Channel } from '../../src/transport/channel.js';
import { Kind, type Frame } from '../../src/transport/framing.js';
import { ConnectionPairs, PAIR_KINDS, PAIR_MAX_PAYLOAD } from '../helpers/connectionPair.js';

const pairs = new ConnectionPairs();
afterAll(() => pairs.close());

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

describe('Channel', () => {
  for (const kind of PAIR_KINDS) {
    it(`delivers frames in order and reads a detached payload where it is wanted (${kind})`, async () => {
      const { client, server } = await pairs.open(kind);
      const frames: Frame[] = [];
      const broken: string[] = [];
      const dest = new Uint8Array(1 << 20);
      const wanted = dest.subarray(1000, 1000 + 300_000);
      let done: () => void = () => {};
      const all = new Promise<void>((resolve) => (done = resolve));
      const receiver = new Channel(
        1,
        server.ws,
        server.messages,
        PAIR_MAX_PAYLOAD,
        (frame) => {
          frames.push(frame);
          if (frames.length === 4) done();
        },
        (reason) => broken.push(reason),
        (frame) => (frame.id === 2 ? wanted : undefined),
      );
      receiver.start();
      const sender = new Channel(0, client.ws, client.messages, PAIR_MAX_PAYLOAD, () => {}, () => {});
      sender.start();
      const big = bytes(300_000, 1);
      sender.write({ kind: Kind.Eager, tag: 1 }, bytes(10, 2));
      sender.write({ kind: Kind.Data, id: 2 }, big);
      sender.write({ kind: Kind.Data, id: 3 }, big);
      sender.write({ kind: Kind.Eager, tag: 4 }, bytes(5, 3));
      await all;
      expect(frames.map((f) => [f.kind, f.tag, f.id, f.payload.byteLength])).toEqual([
        [Kind.Eager, 1, 0, 10],
        [Kind.Data, 0, 2, 300_000],
        [Kind.Data, 0, 3, 300_000],
        [Kind.Eager, 4, 0, 5],
      ]);
      expect(broken).toEqual([]);
      // Read into the named memory: by the socket itself, or (TLS) copied there from Node's reads.
      expect(frames[1].payload.buffer === dest.buffer, 'the same memory').toBe(true);
      expect(Buffer.from(frames[1].payload).equals(Buffer.from(big))).toBe(true);
      expect(Buffer.from(wanted).equals(Buffer.from(big))).toBe(true);
      expect(frames[2].payload.buffer === dest.buffer, 'the same memory').toBe(false);
      expect(Buffer.from(frames[2].payload).equals(Buffer.from(big))).toBe(true);
      sender.close();
    });
  }
});

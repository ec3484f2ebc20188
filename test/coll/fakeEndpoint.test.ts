import { describe, expect, it } from 'vitest';
import { PROC_NULL } from '../../src/constants.js';
import { makeWorld, runOnAll } from '../helpers/fakeEndpoint.js';

// The algorithm tests rely on these properties of the fake; check them first.
describe('fake endpoint', () => {
  it('keeps FIFO order per (source, dest, tag) under random delays', async () => {
    const world = makeWorld(2, { delays: true, rendezvous: false, seed: 3 });
    const [, received] = await runOnAll(world, async (ep) => {
      if (ep.rank === 0) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => ep.send(i, 1, 7)));
        return [];
      }
      const values: unknown[] = [];
      for (let i = 0; i < 50; i++) values.push(await ep.recv(0, 7));
      return values;
    });
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('keeps tags apart', async () => {
    const world = makeWorld(2);
    const [, received] = await runOnAll(world, async (ep) => {
      if (ep.rank === 0) {
        await Promise.all([ep.send('a', 1, 1), ep.send('b', 1, 2)]);
        return [];
      }
      return [await ep.recv(0, 2), await ep.recv(0, 1)];
    });
    expect(received).toEqual(['b', 'a']);
  });

  it('rendezvous: a send waits for its receive, so blocking exchanges deadlock (and are reported)', async () => {
    const world = makeWorld(2, { rendezvous: true });
    const blocking = runOnAll(
      world,
      async (ep) => {
        const peer = 1 - ep.rank;
        await ep.send(ep.rank, peer, 0);
        return ep.recv(peer, 0);
      },
      200,
    );
    await expect(blocking).rejects.toThrow(/did not finish.*\n.*not received/);
  });

  it('rendezvous reads the data when matched, eager when sent', async () => {
    for (const rendezvous of [false, true]) {
      const world = makeWorld(2, { rendezvous });
      const [, received] = await runOnAll(world, async (ep) => {
        if (ep.rank === 0) {
          const data = Float64Array.of(1);
          const sent = ep.send(data, 1, 0);
          data[0] = 2; // a bug in an algorithm: modifying a buffer whose send is pending
          await sent;
          return 0;
        }
        await new Promise((resolve) => setImmediate(resolve));
        return ((await ep.recv(0, 0)) as Float64Array)[0];
      });
      expect(received).toBe(rendezvous ? 2 : 1);
    }
  });

  it('copies typed-array views only, keeping their type; counts messages, bytes and rounds', async () => {
    const world = makeWorld(3);
    const [, received] = await runOnAll(world, async (ep) => {
      if (ep.rank === 0) {
        const big = new Float32Array(100);
        big[10] = 5;
        await ep.send(big.subarray(10, 12), 1, 0);
        await ep.send('x', PROC_NULL, 0);
        return undefined;
      }
      if (ep.rank === 1) return ep.recv<Float32Array>(0, 0);
      return ep.recv(PROC_NULL, 0);
    });
    expect(received).toBeInstanceOf(Float32Array);
    expect((received as Float32Array).buffer.byteLength).toBe(8);
    expect([...(received as Float32Array)]).toEqual([5, 0]);
    expect(world.messages).toEqual([1, 0, 0]);
    expect(world.bytes[0]).toBe(8);
    expect(world.rounds()).toBe(1);
  });
});

/**
 * Transport's connection attempts against peers that fail in different ways: one that
 * resets every connection before the handshake (what a rank sees after its own busy
 * spell) is tried again, and said so for hang reports; one where nobody listens is lost.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Kind } from '../../src/transport/framing.js';
import { Listener } from '../../src/transport/listener.js';
import { Transport } from '../../src/transport/transport.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function transportTo(peerPort: number, lost: string[]): Promise<Transport> {
  const listener = await Listener.start({ secret: 's', self: 'rank:0', tcpHost: '127.0.0.1', maxPayload: 1 << 20, onConnection: () => {} });
  const transport = new Transport({
    rank: 0, size: 2, secret: 's', host: 'a', useUnix: false, maxPayload: 1 << 20, listener,
    onFrame: () => {},
    onPeerLost: (_peer, reason) => lost.push(reason),
  });
  cleanups.push(() => {
    transport.close();
    listener.close();
  });
  transport.setTable([
    { host: 'a', ...listener.addresses },
    { host: 'b', tcp: { host: '127.0.0.1', port: peerPort } },
  ]);
  return transport;
}

describe('Transport connection attempts', () => {
  it('tries a peer that resets the connection again, and says so', async () => {
    const port = await listening(createServer((socket) => socket.destroy()));
    const lost: string[] = [];
    const transport = await transportTo(port, lost);
    transport.write(1, { kind: Kind.Eager, tag: 1 }, new Uint8Array(8));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lost).toEqual([]);
    const [retrying] = transport.connectionsRetrying();
    expect(retrying?.peer).toBe(1);
    expect(retrying?.attempts).toBeGreaterThanOrEqual(2);
    expect(retrying?.reason).toMatch(/socket hang up|ECONNRESET|EPIPE/);
  });

  it('loses a peer where nobody listens at once', async () => {
    const server = createServer();
    const port = await listening(server);
    server.close();
    const lost: string[] = [];
    const transport = await transportTo(port, lost);
    transport.write(1, { kind: Kind.Eager, tag: 1 }, new Uint8Array(8));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/cannot connect to rank 1 at ws:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    expect(transport.connectionsRetrying()).toEqual([]);
  });
});

describe('Listener handshake timer', () => {
  it('gives a client another period when its timer fires late because this process was busy', async () => {
    const refused: number[] = [];
    const listener = await Listener.start({
      secret: 's', self: 'rank:0', tcpHost: '127.0.0.1', maxPayload: 1 << 20, handshakeTimeoutMs: 200,
      onConnection: () => {},
      onRefused: () => refused.push(Date.now()),
    });
    cleanups.push(() => listener.close());
    const { connect } = await import('node:net');
    const client = connect(listener.addresses.tcp!.port, '127.0.0.1');
    cleanups.push(() => client.destroy());
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Busy past the deadline by more than a second, as a rank computing in its own code.
    const busyUntil = Date.now() + 1400;
    while (Date.now() < busyUntil) {
      /* busy */
    }
    const resumed = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(refused).toHaveLength(1);
    // Not at once on resuming: a full period later.
    expect(refused[0]! - resumed).toBeGreaterThanOrEqual(150);
  });
});

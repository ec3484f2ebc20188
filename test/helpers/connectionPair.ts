/**
 * Real authenticated rank connections in one process: a Listener and a client
 * connected to it, both reading their sockets directly as ranks do, over a Unix
 * socket, TCP, or TCP with TLS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobCertificate } from '../../launcher/tls.js';
import { connectAuthenticated } from '../../src/transport/connect.js';
import { Listener, urlOf, type TlsMaterial } from '../../src/transport/listener.js';
import type { Connection } from '../../src/transport/messageSource.js';

export const PAIR_MAX_PAYLOAD = 64 << 20;

export type PairKind = 'unix' | 'tcp' | 'tls';
export const PAIR_KINDS: readonly PairKind[] = ['unix', 'tcp', 'tls'];

export class ConnectionPairs {
  private readonly dir = mkdtempSync(join(tmpdir(), 'tsmpi-pair-'));
  private readonly listeners: Listener[] = [];
  private readonly connections: Connection[] = [];
  private tls: TlsMaterial | undefined;

  /**
   * Opens a connection: `client` is rank 1's end, `server` rank 0's. `greeting` is sent
   * by the server the moment the connection is accepted, so it may reach the client
   * together with the upgrade response.
   */
  async open(kind: PairKind, greeting?: Buffer): Promise<{ client: Connection; server: Connection }> {
    if (kind === 'tls') this.tls ??= createJobCertificate(this.dir);
    let resolveServer: (c: Connection) => void = () => {};
    const accepted = new Promise<Connection>((resolve) => (resolveServer = resolve));
    const listener = await Listener.start({
      secret: 's3cret',
      self: 'rank:0',
      ...(kind === 'unix'
        ? { unixPath: join(this.dir, `l${this.listeners.length}.sock`) }
        : { tcpHost: '127.0.0.1', tls: kind === 'tls' ? this.tls : undefined }),
      maxPayload: PAIR_MAX_PAYLOAD,
      readDirectly: true,
      onConnection: (conn) => {
        if (greeting) conn.ws.send(greeting);
        resolveServer(conn);
      },
    });
    this.listeners.push(listener);
    const client = await connectAuthenticated(urlOf(listener.addresses, kind === 'unix'), {
      secret: 's3cret',
      from: 'rank:1',
      to: 'rank:0',
      maxPayload: PAIR_MAX_PAYLOAD,
      readDirectly: true,
      tlsCert: kind === 'tls' ? this.tls?.cert : undefined,
    });
    const server = await accepted;
    this.connections.push(client, server);
    return { client, server };
  }

  /** Ends every connection and listener. */
  close(): void {
    for (const conn of this.connections) conn.ws.terminate();
    for (const listener of this.listeners) listener.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An authenticated WebSocket listener, used by ranks (for their peers) and by the
 * launcher's coordinator (for the ranks). It listens on a Unix socket, a TCP address
 * or both; a connection that does not prove it holds the job secret during the
 * HTTP upgrade is refused before any WebSocket message is read, and one that sends
 * nothing is dropped after a short handshake timeout.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { rmSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { Authenticator, HEADER_NONCE, HEADER_PROOF } from './auth.js';
import { messagesOf } from './directReads.js';
import type { Connection } from './messageSource.js';

/** A handshake timer that fires this much later than due means this process was busy, not the client slow. */
const LATE_TIMER_MS = 1000;

export interface ListenerOptions {
  secret: string;
  /** This endpoint's name in handshakes, e.g. `rank:3` or `coordinator`. */
  self: string;
  /** Listen on this Unix socket path. */
  unixPath?: string;
  /** Listen on this TCP address (port chosen by the system). */
  tcpHost?: string;
  /** Serve the TCP listener over TLS with the job's certificate (`--tls`). */
  tls?: TlsMaterial;
  maxPayload: number;
  handshakeTimeoutMs?: number;
  /** Read messages off the socket ourselves (see messageReader.ts) rather than through `ws`. */
  readDirectly?: boolean;
  /** An authenticated connection from the client that named itself `from`. */
  onConnection(conn: Connection, from: string): void;
  /** A refused connection, for the log. */
  onRefused?(reason: string, remote: string): void;
}

/** The job's TLS key and self-signed certificate (PEM); clients trust exactly this certificate. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

/** Where a listener can be reached. */
export interface ListenAddresses {
  unix?: string;
  tcp?: { host: string; port: number; tls?: boolean };
}

/** The URL a client uses to reach `addr`, preferring the Unix socket when allowed. */
export function urlOf(addr: ListenAddresses, useUnix: boolean): string {
  if (useUnix && addr.unix) return `ws+unix://${addr.unix}:/`;
  if (addr.tcp) {
    const host = addr.tcp.host.includes(':') ? `[${addr.tcp.host}]` : addr.tcp.host;
    return `${addr.tcp.tls ? 'wss' : 'ws'}://${host}:${addr.tcp.port}/`;
  }
  if (addr.unix) return `ws+unix://${addr.unix}:/`;
  throw new Error('endpoint has no address');
}

export class Listener {
  readonly addresses: ListenAddresses = {};
  private readonly servers: Server[] = [];
  private readonly wss: WebSocketServer;
  private readonly auth: Authenticator;
  private readonly pending = new Map<Duplex, NodeJS.Timeout>();

  private constructor(private readonly opts: ListenerOptions) {
    this.auth = new Authenticator(opts.secret, opts.self);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: opts.maxPayload,
      skipUTF8Validation: true,
    });
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      headers.push(`${HEADER_PROOF}: ${this.auth.proofFor(String(req.headers[HEADER_NONCE]))}`);
    });
  }

  /** Starts listening on the configured addresses. */
  static async start(opts: ListenerOptions): Promise<Listener> {
    const listener = new Listener(opts);
    if (opts.unixPath) {
      const path = opts.unixPath;
      rmSync(path, { force: true });
      await listener.listen(false, (server, ready) => server.listen(path, ready));
      listener.addresses.unix = path;
    }
    if (opts.tcpHost) {
      const host = opts.tcpHost;
      const server = await listener.listen(!!opts.tls, (s, ready) => s.listen(0, host, ready));
      const address = server.address();
      if (address && typeof address === 'object') listener.addresses.tcp = { host, port: address.port, ...(opts.tls ? { tls: true } : {}) };
    }
    return listener;
  }

  private listen(tls: boolean, bind: (server: Server, ready: () => void) => void): Promise<Server> {
    const notFound = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(404).end();
    };
    const timeout = this.opts.handshakeTimeoutMs ?? 5000;
    const server: Server = tls
      ? createTlsServer({ key: this.opts.tls!.key, cert: this.opts.tls!.cert, handshakeTimeout: timeout }, notFound)
      : createServer(notFound);
    // Over TLS the upgrade arrives on the TLS socket, so the timer starts once TLS is up
    // (the TLS handshake has its own timeout).
    server.on(tls ? 'secureConnection' : 'connection', (socket: Duplex) => this.armHandshakeTimer(socket));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        // Whatever a client sends, it must never take this process down.
        this.refuse(`bad handshake: ${(err as Error).message}`, socket);
      }
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.refuse(`malformed request (${err.code ?? err.message})`, socket);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      bind(server, () => {
        server.off('error', reject);
        server.unref();
        resolve(server);
      });
    });
  }

  private armHandshakeTimer(socket: Duplex): void {
    this.startHandshakeTimer(socket);
    socket.once('close', () => this.disarm(socket));
  }

  private startHandshakeTimer(socket: Duplex): void {
    const timeout = this.opts.handshakeTimeoutMs ?? 5000;
    const armedAt = Date.now();
    const timer = setTimeout(() => {
      // Timers run before I/O: if this process was busy past the deadline, the handshake
      // may be waiting unread. Give it another period from now; intruders gain nothing.
      if (Date.now() - armedAt > timeout + LATE_TIMER_MS && !socket.destroyed) {
        this.startHandshakeTimer(socket);
        return;
      }
      this.opts.onRefused?.('no handshake within the timeout', remoteOf(socket));
      socket.destroy();
    }, timeout);
    timer.unref();
    this.pending.set(socket, timer);
  }

  private disarm(socket: Duplex): void {
    const timer = this.pending.get(socket);
    if (timer) clearTimeout(timer);
    this.pending.delete(socket);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const verdict = this.auth.verify(req.headers);
    if (!verdict.ok) {
      this.refuse(verdict.reason, socket);
      return;
    }
    this.disarm(socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // In this tick, before `ws` reads anything from the socket.
      this.opts.onConnection({ ws, messages: messagesOf(ws, !!this.opts.readDirectly, this.opts.maxPayload) }, verdict.from);
    });
  }

  private refuse(reason: string, socket: Duplex): void {
    this.opts.onRefused?.(reason, remoteOf(socket));
    this.disarm(socket);
    if (socket.writable) socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
    socket.destroy();
  }

  /** Stops listening and removes the Unix socket file. */
  close(): void {
    for (const server of this.servers) {
      server.close();
      server.closeAllConnections?.();
    }
    this.wss.close();
    if (this.addresses.unix) rmSync(this.addresses.unix, { force: true });
  }
}

function remoteOf(socket: Duplex): string {
  const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
  return s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : 'unix socket';
}

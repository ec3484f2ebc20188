/**
 * The client side of an authenticated connection: opens a WebSocket with proof of the
 * job secret and checks the server's proof before the connection is used.
 */
import { WebSocket } from 'ws';
import { clientHeaders, HEADER_PROOF, verifyServerProof } from './auth.js';
import { messagesOf } from './directReads.js';
import type { Connection } from './messageSource.js';

/**
 * Both ends of every connection are ours, so masking client frames protects against
 * nothing; an all-zero mask lets `ws` skip the XOR pass over every payload.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

export interface ConnectOptions {
  secret: string;
  from: string;
  to: string;
  maxPayload: number;
  /** How long to wait for the server's upgrade response (default 10 s); 0 waits as long as it takes. */
  timeoutMs?: number;
  /** For wss:// URLs: the job's certificate, the only one trusted. */
  tlsCert?: string;
  /** Read messages off the socket ourselves (see messageReader.ts) rather than through `ws`. */
  readDirectly?: boolean;
}

/** Opens an authenticated connection to `url`; rejects if either side's proof fails. */
export function connectAuthenticated(url: string, opts: ConnectOptions): Promise<Connection> {
  const headers = clientHeaders(opts.secret, opts.from, opts.to);
  const ws = new WebSocket(url, {
    headers,
    perMessageDeflate: false,
    maxPayload: opts.maxPayload,
    skipUTF8Validation: true,
    generateMask: zeroMask,
    handshakeTimeout: opts.timeoutMs ?? 10_000,
    // The job's own certificate is the only CA; its name is not a host name, so only
    // the chain is checked — a server without the job's key cannot complete TLS.
    ...(opts.tlsCert ? { ca: opts.tlsCert, checkServerIdentity: () => undefined } : {}),
  });
  return new Promise((resolve, reject) => {
    let proven = false;
    ws.once('upgrade', (res) => {
      const proof = res.headers[HEADER_PROOF];
      proven = verifyServerProof(opts.secret, headers, typeof proof === 'string' ? proof : undefined);
      if (!proven) ws.terminate();
    });
    ws.once('open', () => {
      if (!proven) return;
      ws.off('error', reject);
      // In this tick: `ws` reads the socket from the next one, and a message may
      // already have come with the upgrade response.
      resolve({ ws, messages: messagesOf(ws, !!opts.readDirectly, opts.maxPayload) });
    });
    ws.once('error', reject);
    ws.once('close', () => {
      if (!proven) reject(new Error(`${opts.to} did not prove it holds the job secret`));
    });
  });
}

/**
 * Lets the process exit while this connection is open: a rank's sockets must not keep
 * a finished program alive (pending operations hold the process instead, see keepalive).
 */
export function unrefSocket(ws: WebSocket): void {
  (ws as WebSocket & { _socket?: { unref(): void } })._socket?.unref();
}

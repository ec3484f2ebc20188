/**
 * Connection authentication: every WebSocket upgrade carries proof that the client
 * holds the job secret, bound to the endpoint it wants and to a fresh nonce, and the
 * server proves the same back. Nothing is read from a connection that fails this,
 * because the check happens on the HTTP upgrade, before a WebSocket exists.
 *
 * A captured handshake cannot be replayed: a server accepts each nonce once, and a
 * proof names the endpoint it was made for, so it is useless anywhere else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const HEADER_FROM = 'x-tsmpi-from';
export const HEADER_TO = 'x-tsmpi-to';
export const HEADER_NONCE = 'x-tsmpi-nonce';
export const HEADER_PROOF = 'x-tsmpi-proof';

const NONCE_BYTES = 16;

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  // Compare bytes, not characters: header values may carry any latin1 byte, and a
  // string of the right length can still be a different number of UTF-8 bytes.
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates a new job secret: 256 random bits, hex encoded. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The headers a client sends to prove itself to endpoint `to`. */
export function clientHeaders(secret: string, from: string, to: string): Record<string, string> {
  const nonce = randomBytes(NONCE_BYTES).toString('hex');
  return {
    [HEADER_FROM]: from,
    [HEADER_TO]: to,
    [HEADER_NONCE]: nonce,
    [HEADER_PROOF]: hmac(secret, `tsmpi-client|${from}|${to}|${nonce}`),
  };
}

/** The server's proof for a client that sent `nonce`; the client checks it. */
export function serverProof(secret: string, to: string, nonce: string): string {
  return hmac(secret, `tsmpi-server|${to}|${nonce}`);
}

/** Checks the server's proof returned for a handshake made with `headers`. */
export function verifyServerProof(secret: string, headers: Record<string, string>, proof: string | undefined): boolean {
  if (typeof proof !== 'string') return false;
  return sameHex(proof, serverProof(secret, headers[HEADER_TO], headers[HEADER_NONCE]));
}

/** The outcome of checking a client's upgrade request. */
export type Verdict = { ok: true; from: string; nonce: string } | { ok: false; reason: string };

/**
 * Checks an upgrade request made to endpoint `self`. Remembers accepted nonces, so
 * the same request presented twice is refused the second time.
 */
export class Authenticator {
  private readonly seen = new Set<string>();

  constructor(
    private readonly secret: string,
    private readonly self: string,
  ) {}

  verify(headers: IncomingHttpHeaders): Verdict {
    const from = headers[HEADER_FROM];
    const to = headers[HEADER_TO];
    const nonce = headers[HEADER_NONCE];
    const proof = headers[HEADER_PROOF];
    if (typeof from !== 'string' || typeof to !== 'string' || typeof nonce !== 'string' || typeof proof !== 'string') {
      return { ok: false, reason: 'no credentials' };
    }
    if (to !== this.self) return { ok: false, reason: `credentials are for ${JSON.stringify(to).slice(0, 40)}` };
    if (!/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, reason: 'malformed nonce' };
    if (!sameHex(proof, hmac(this.secret, `tsmpi-client|${from}|${to}|${nonce}`))) {
      return { ok: false, reason: 'wrong secret' };
    }
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed handshake' };
    this.seen.add(nonce);
    return { ok: true, from, nonce };
  }

  /** The proof header value to send back to a client whose request carried `nonce`. */
  proofFor(nonce: string): string {
    return serverProof(this.secret, this.self, nonce);
  }
}

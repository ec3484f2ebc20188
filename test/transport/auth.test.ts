import { describe, expect, it } from 'vitest';
import { Authenticator, clientHeaders, HEADER_PROOF, newSecret, verifyServerProof } from '../../src/transport/auth.js';

describe('handshake authentication', () => {
  const secret = newSecret();

  it('accepts a client with the secret, and the client accepts the server proof', () => {
    const auth = new Authenticator(secret, 'rank:1');
    const headers = clientHeaders(secret, 'rank:0', 'rank:1');
    const verdict = auth.verify(headers);
    expect(verdict).toEqual({ ok: true, from: 'rank:0', nonce: headers['x-tsmpi-nonce'] });
    expect(verifyServerProof(secret, headers, auth.proofFor(headers['x-tsmpi-nonce']))).toBe(true);
    expect(verifyServerProof(newSecret(), headers, auth.proofFor(headers['x-tsmpi-nonce']))).toBe(false);
  });

  it('refuses no credentials, a wrong secret, another endpoint and a replay', () => {
    const auth = new Authenticator(secret, 'rank:1');
    expect(auth.verify({})).toMatchObject({ ok: false, reason: 'no credentials' });
    expect(auth.verify(clientHeaders(newSecret(), 'rank:0', 'rank:1'))).toMatchObject({ ok: false, reason: 'wrong secret' });
    expect(auth.verify(clientHeaders(secret, 'rank:0', 'rank:2'))).toMatchObject({ ok: false });
    const headers = clientHeaders(secret, 'rank:0', 'rank:1');
    expect(auth.verify(headers).ok).toBe(true);
    expect(auth.verify(headers)).toMatchObject({ ok: false, reason: 'replayed handshake' });
  });

  it('refuses a proof altered in one character', () => {
    const auth = new Authenticator(secret, 'coordinator');
    const headers = clientHeaders(secret, 'rank:3', 'coordinator');
    const proof = headers[HEADER_PROOF];
    headers[HEADER_PROOF] = (proof[0] === 'a' ? 'b' : 'a') + proof.slice(1);
    expect(auth.verify(headers)).toMatchObject({ ok: false, reason: 'wrong secret' });
  });

  it('refuses a client that lies about who it is', () => {
    const auth = new Authenticator(secret, 'rank:1');
    const headers = clientHeaders(secret, 'rank:0', 'rank:1');
    expect(auth.verify({ ...headers, 'x-tsmpi-from': 'rank:5' })).toMatchObject({ ok: false, reason: 'wrong secret' });
  });
});

import { describe, expect, it } from 'vitest';
import { SENT, type CollEndpoint } from '../../src/coll/endpoint.js';
import { sendrecv } from '../../src/coll/exchange.js';

/** An endpoint whose sends answer `sendResult` and whose receives resolve once `deliver` is called. */
function endpointWith(sendResult: () => Promise<void>) {
  let deliver: (value: unknown) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  const received = new Promise<unknown>((resolve, reject) => {
    deliver = resolve;
    fail = reject;
  });
  received.catch(() => undefined);
  const ep: CollEndpoint = { rank: 0, size: 2, send: sendResult, recv: <T>() => received as Promise<T> };
  return { ep, deliver: (v: unknown) => deliver(v), fail: (e: Error) => fail(e) };
}

describe('sendrecv', () => {
  it('resolves the received value when the send was complete at once (SENT)', async () => {
    const { ep, deliver } = endpointWith(() => SENT);
    const result = sendrecv(ep, 'out', 1, 1, 0);
    deliver('in');
    expect(await result).toBe('in');
  });

  it('waits for a send still in flight before resolving', async () => {
    let finishSend: () => void = () => undefined;
    const { ep, deliver } = endpointWith(() => new Promise<void>((resolve) => (finishSend = resolve)));
    let settled = false;
    const result = sendrecv(ep, 'out', 1, 1, 0).then((v) => ((settled = true), v));
    deliver('in');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    finishSend();
    expect(await result).toBe('in');
  });

  it('fails as soon as a pending send fails, without waiting for the receive', async () => {
    const { ep } = endpointWith(() => Promise.reject(new Error('peer gone')));
    await expect(sendrecv(ep, 'out', 1, 1, 0)).rejects.toThrow('peer gone');
  });

  it('fails when the receive fails after a send that was complete at once', async () => {
    const { ep, fail } = endpointWith(() => SENT);
    const result = sendrecv(ep, 'out', 1, 1, 0);
    fail(new Error('receive failed'));
    await expect(result).rejects.toThrow('receive failed');
  });
});

import { describe, expect, it } from 'vitest';
import { heldCount } from '../../src/runtime/keepalive.js';
import { UNDEFINED } from '../../src/constants.js';
import { doneOrAfterTurn, Request } from '../../src/p2p/request.js';
import { Status } from '../../src/p2p/status.js';

describe('Request', () => {
  it('is thenable and fills a status on wait', async () => {
    const req = new Request<number>();
    const status = new Status();
    const waited = req.wait(status);
    const s = new Status();
    s.source = 3;
    s.tag = 9;
    req.complete(42, s);
    expect(await waited).toBe(42);
    expect(status.source).toBe(3);
    expect(status.tag).toBe(9);
    expect(await req).toBe(42);
    expect(req.active).toBe(false);
  });

  it('test never blocks and collects once complete', () => {
    const req = new Request<string>();
    expect(req.test()).toEqual([false, undefined]);
    expect(req.active).toBe(true);
    req.complete('x');
    expect(req.test()).toEqual([true, 'x']);
    expect(req.active).toBe(false);
  });

  it('cancel completes with status.cancelled only when the hook cancels', async () => {
    const cancellable = new Request<number>(() => true);
    cancellable.cancel();
    const status = new Status();
    expect(await cancellable.wait(status)).toBeUndefined();
    expect(status.cancelled).toBe(true);
    const matched = new Request<number>(() => false);
    matched.cancel();
    expect(matched.test()[0]).toBe(false);
  });

  it('waitany, waitsome, testany, testsome and testall follow MPI', async () => {
    const a = new Request<number>();
    const b = new Request<number>();
    const c = new Request<number>();
    expect(Request.testany([a, b])).toEqual([UNDEFINED, false, undefined]);
    expect(Request.testall([a, b])).toEqual([false, undefined]);
    b.complete(2);
    expect(await Request.waitany([a, b, c])).toEqual([1, 2]);
    expect(b.active).toBe(false);
    const some = Request.waitsome([a, b, c]);
    a.complete(1);
    c.complete(3);
    expect((await some).sort()).toEqual([0, 2]);
    expect(Request.testsome([a, b, c])).toEqual([]);
    expect(Request.testany([a, b, c])).toEqual([UNDEFINED, true, undefined]);
    expect(await Request.waitany([a, b, c])).toEqual([UNDEFINED, undefined]);
    expect(await Request.waitall([Request.completed(7), Promise.resolve(8)])).toEqual([7, 8]);
  });

  it('testsome, waitsome and testall throw a failure without collecting the requests that completed with it', async () => {
    const ok = new Request<string>();
    const bad = new Request<string>();
    const pending = new Request<string>();
    ok.complete('a');
    bad.fail(new Error('truncated'));
    expect(() => Request.testsome([ok, bad, pending])).toThrow('truncated');
    expect([ok.active, bad.active]).toEqual([true, false]);
    expect(Request.testsome([ok, bad, pending])).toEqual([0]);
    expect(ok.active).toBe(false);
    const [ok2, bad2] = [new Request<string>(), new Request<string>()];
    ok2.complete('b');
    bad2.fail(new Error('lost'));
    await expect(Request.waitsome([ok2, bad2])).rejects.toThrow('lost');
    expect(await Request.waitsome([ok2, bad2])).toEqual([0]);
    const [ok3, bad3] = [new Request<string>(), new Request<string>()];
    ok3.complete('c');
    bad3.fail(new Error('gone'));
    expect(() => Request.testall([ok3, bad3])).toThrow('gone');
    expect(ok3.active).toBe(true);
    // Called again, the collected failure counts as an inactive request (MPI's null request).
    expect(Request.testall([ok3, bad3])).toEqual([true, ['c', undefined]]);
    expect(ok3.active).toBe(false);
  });

  it('a failed request rejects only when someone waits', async () => {
    const req = Request.failedWith<number>(new Error('boom'));
    await expect(req.wait()).rejects.toThrow('boom');
  });

  it('every waiter of a pending request settles, and each collects its own status', async () => {
    const req = new Request<number>();
    const [first, second] = [new Status(), new Status()];
    const waits = [req.wait(first), req.wait(second), req.wait()];
    expect(req.active).toBe(true);
    const status = new Status();
    status.source = 4;
    req.complete(5, status);
    expect(await Promise.all(waits)).toEqual([5, 5, 5]);
    expect([first.source, second.source, req.active]).toEqual([4, 4, false]);
  });

  it('a pending request that fails rejects its waiters and fills their status', async () => {
    const req = new Request<number>();
    const status = new Status();
    const waited = req.wait(status);
    const failure = new Status();
    failure.tag = 12;
    req.fail(new Error('truncated'), failure);
    await expect(waited).rejects.toThrow('truncated');
    expect([status.tag, req.active]).toEqual([12, false]);
    await expect(req.wait()).rejects.toThrow('truncated');
  });

  it('waiting on a completed request collects it at once', async () => {
    const req = Request.completed('done');
    const waited = req.wait();
    expect(req.active).toBe(false);
    expect(await waited).toBe('done');
  });

  it('doneOrAfterTurn answers its promise, but lets the event loop run in a loop of such awaits', async () => {
    const done = Promise.resolve();
    let ticked = false;
    setImmediate(() => (ticked = true));
    let same = 0;
    let spins = 0;
    while (!ticked && spins < 10_000) {
      const answer = doneOrAfterTurn(done);
      if (answer === done) same++;
      await answer;
      spins++;
    }
    expect(ticked).toBe(true);
    expect(spins).toBeLessThan(100);
    expect(same).toBeGreaterThan(0);
  });

  it('a loop of awaits on completed requests still lets the event loop run', async () => {
    let ticked = false;
    setImmediate(() => (ticked = true));
    let spins = 0;
    while (!ticked && spins < 10_000) {
      await Request.completed(spins);
      spins++;
    }
    expect(ticked).toBe(true);
    expect(spins).toBeLessThan(100);
  });

  it('waitany, waitsome and waitall leave nothing behind on requests that stay pending', async () => {
    const standing = new Request<string>();
    const before = heldCount();
    for (let i = 0; i < 500; i++) {
      const other = new Request<number>();
      queueMicrotask(() => other.complete(i));
      expect(await Request.waitany([standing, other])).toEqual([1, i]);
      const next = new Request<number>();
      queueMicrotask(() => next.complete(i));
      expect(await Request.waitsome([standing, next])).toEqual([1]);
    }
    const failing = new Request<number>();
    queueMicrotask(() => failing.fail(new Error('boom')));
    await expect(Request.waitall([standing, failing])).rejects.toThrow('boom');
    // Nothing keeps the process alive for the standing request, and no callback piled up on it.
    expect(heldCount()).toBe(before);
    expect((standing as unknown as { waiters: unknown[] | null }).waiters ?? []).toHaveLength(0);
    expect(standing.active).toBe(true);
  });

  it('waitany picks the request that completed first when it had to wait', async () => {
    const [a, b] = [new Request<string>(), new Request<string>()];
    setImmediate(() => {
      b.complete('b');
      a.complete('a');
    });
    expect(await Request.waitany([a, b])).toEqual([1, 'b']);
  });

  it('waitall after a failure leaves the requests that did not fail active', async () => {
    const [done, failing, pending] = [Request.completed(1), new Request<number>(), new Request<number>()];
    queueMicrotask(() => failing.fail(new Error('boom')));
    await expect(Request.waitall([done, failing, pending])).rejects.toThrow('boom');
    expect([done.active, failing.active, pending.active]).toEqual([true, false, true]);
    pending.complete(3);
    expect(await Request.waitall([done, pending])).toEqual([1, 3]);
  });
});

import { describe, expect, it } from 'vitest';
import { ANY_SOURCE, ANY_TAG } from '../../src/constants.js';
import { MatchingEngine, type Envelope } from '../../src/p2p/matching.js';

interface Msg extends Envelope {
  id: string;
}
interface Recv extends Envelope {
  id: string;
}

const msg = (id: string, source: number, tag: number, ctx = 0): Msg => ({ id, source, tag, ctx });
const recv = (id: string, source: number, tag: number, ctx = 0): Recv => ({ id, source, tag, ctx });

describe('MatchingEngine', () => {
  it('matches an arrival against a posted receive with the same source and tag', () => {
    const m = new MatchingEngine<Msg, Recv>();
    expect(m.post(recv('r', 1, 5))).toBeUndefined();
    expect(m.arrive(msg('a', 1, 4))).toBeUndefined();
    expect(m.arrive(msg('b', 2, 5))).toBeUndefined();
    expect(m.arrive(msg('c', 1, 5))?.id).toBe('r');
    expect(m.sizes()).toEqual({ posted: 0, unexpected: 2 });
  });

  it('matches a new receive against the earliest unexpected message', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.arrive(msg('first', 3, 1));
    m.arrive(msg('second', 3, 1));
    expect(m.post(recv('r1', 3, 1))?.id).toBe('first');
    expect(m.post(recv('r2', 3, 1))?.id).toBe('second');
    expect(m.post(recv('r3', 3, 1))).toBeUndefined();
  });

  it('honours ANY_SOURCE and ANY_TAG wildcards', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.arrive(msg('x', 4, 9));
    m.arrive(msg('y', 2, 8));
    expect(m.post(recv('any-tag', 2, ANY_TAG))?.id).toBe('y');
    expect(m.post(recv('any-source', ANY_SOURCE, 9))?.id).toBe('x');
    m.post(recv('anything', ANY_SOURCE, ANY_TAG));
    expect(m.arrive(msg('z', 7, 123))?.id).toBe('anything');
  });

  it('gives an arrival to the earliest posted receive that matches, in posting order', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.post(recv('specific-other', 5, 1));
    m.post(recv('wild', ANY_SOURCE, ANY_TAG));
    m.post(recv('specific', 1, 1));
    expect(m.arrive(msg('a', 1, 1))?.id).toBe('wild');
    expect(m.arrive(msg('b', 1, 1))?.id).toBe('specific');
    expect(m.arrive(msg('c', 5, 1))?.id).toBe('specific-other');
  });

  it('keeps contexts apart', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.arrive(msg('ctx1', 0, 0, 1));
    expect(m.post(recv('ctx0', ANY_SOURCE, ANY_TAG, 0))).toBeUndefined();
    expect(m.post(recv('ctx1', ANY_SOURCE, ANY_TAG, 1))?.id).toBe('ctx1');
    expect(m.arrive(msg('late', 0, 0, 0))?.id).toBe('ctx0');
  });

  it('forgets a freed context once nothing is queued there, and keeps one that still holds something', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.arrive(msg('done', 0, 0, 4));
    expect(m.post(recv('r', 0, 0, 4))?.id).toBe('done');
    m.arrive(msg('waiting', 0, 0, 6));
    expect(m.contextCount()).toBe(2);
    m.forget(4);
    m.forget(6);
    expect(m.contextCount()).toBe(1);
    expect(m.post(recv('late', 0, 0, 6))?.id).toBe('waiting');
  });

  it('on a context whose tags name calls, finds a message of the same call with another tag, from the same sender only', () => {
    const m = new MatchingEngine<Msg, Recv>();
    const callOf = (tag: number) => Math.floor(tag / 100);
    m.watchCalls(1, callOf);
    // Call 7 made two ways: rank 2 waits with tag 701, rank 3's message says 702.
    expect(m.post(recv('wait', 3, 701, 1))).toBeUndefined();
    expect(m.arrive(msg('other', 3, 702, 1))).toBeUndefined();
    expect(m.takeConflicting(msg('other', 3, 702, 1))?.id).toBe('wait');
    // Another sender, another call, or an unwatched context: no conflict.
    expect(m.post(recv('fine', 4, 701, 1))).toBeUndefined();
    expect(m.takeConflicting(msg('x', 5, 702, 1))).toBeUndefined();
    expect(m.takeConflicting(msg('x', 4, 801, 1))).toBeUndefined();
    m.post(recv('unwatched', 3, 701, 0));
    expect(m.takeConflicting(msg('x', 3, 702, 0))).toBeUndefined();
    // A receive posted after the message finds it too, and leaves it queued.
    expect(m.conflictFor(recv('late', 3, 703, 1))?.id).toBe('other');
    expect(m.conflictFor(recv('late', 4, 703, 1))).toBeUndefined();
    expect(m.sizes().unexpected).toBe(1);
  });

  it('preserves per-sender order with many messages', () => {
    const m = new MatchingEngine<Msg, Recv>();
    for (let i = 0; i < 1000; i++) m.arrive(msg(String(i), i % 3, 0));
    const got: string[] = [];
    for (let i = 0; i < 1000; i++) got.push(m.post(recv('r', ANY_SOURCE, 0))!.id);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it('cancels a posted receive only while unmatched', () => {
    const m = new MatchingEngine<Msg, Recv>();
    const r = recv('r', 1, 1);
    m.post(r);
    expect(m.cancel(r)).toBe(true);
    expect(m.arrive(msg('a', 1, 1))).toBeUndefined();
    const r2 = recv('r2', 1, 1);
    expect(m.post(r2)?.id).toBe('a');
    expect(m.cancel(r2)).toBe(false);
  });

  it('peeks without removing', () => {
    const m = new MatchingEngine<Msg, Recv>();
    m.arrive(msg('p', 2, 2));
    expect(m.peek({ ctx: 0, source: ANY_SOURCE, tag: 2 })?.id).toBe('p');
    expect(m.peek({ ctx: 0, source: 1, tag: 2 })).toBeUndefined();
    expect(m.sizes().unexpected).toBe(1);
  });
});

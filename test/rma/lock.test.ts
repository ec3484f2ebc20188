import { describe, expect, it } from 'vitest';
import { LockQueue } from '../../src/rma/lock.js';

/** A queue whose grants are logged as "origin:kind". */
function logged() {
  const queue = new LockQueue();
  const grants: string[] = [];
  const request = (origin: number, kind: 'exclusive' | 'shared') => queue.request(origin, kind, () => grants.push(`${origin}:${kind[0]}`));
  return { queue, grants, request };
}

describe('LockQueue', () => {
  it('grants a free lock at once', () => {
    const { grants, request } = logged();
    request(3, 'exclusive');
    expect(grants).toEqual(['3:e']);
  });

  it('an exclusive lock excludes everyone else until released', () => {
    const { queue, grants, request } = logged();
    request(1, 'exclusive');
    request(2, 'exclusive');
    request(3, 'shared');
    expect(grants).toEqual(['1:e']);
    expect(queue.release(1)).toBe(true);
    expect(grants).toEqual(['1:e', '2:e']);
    queue.release(2);
    expect(grants).toEqual(['1:e', '2:e', '3:s']);
  });

  it('shared locks are held together; an exclusive one waits for all of them', () => {
    const { queue, grants, request } = logged();
    request(1, 'shared');
    request(2, 'shared');
    request(3, 'exclusive');
    expect(grants).toEqual(['1:s', '2:s']);
    queue.release(2);
    expect(grants).toEqual(['1:s', '2:s']);
    queue.release(1);
    expect(grants).toEqual(['1:s', '2:s', '3:e']);
  });

  it('is first come, first served: later shared requests do not overtake a waiting exclusive one', () => {
    const { queue, grants, request } = logged();
    request(1, 'shared');
    request(2, 'exclusive');
    request(3, 'shared'); // compatible with the holder, but behind the exclusive request
    request(4, 'shared');
    expect(grants).toEqual(['1:s']);
    queue.release(1);
    expect(grants).toEqual(['1:s', '2:e']);
    queue.release(2);
    // The shared requests at the head are granted together.
    expect(grants).toEqual(['1:s', '2:e', '3:s', '4:s']);
    expect(queue.describe()).toEqual({ exclusive: null, shared: [3, 4], waiting: [] });
  });

  it('release by a non-holder changes nothing', () => {
    const { queue, grants, request } = logged();
    request(1, 'exclusive');
    request(2, 'exclusive');
    expect(queue.release(2)).toBe(false);
    expect(queue.holds(1)).toBe(true);
    expect(grants).toEqual(['1:e']);
  });
});

import { describe, expect, it } from 'vitest';
import { ChunkQueue, chunksOf, defaultChunksize, Job } from '../../src/pool/jobs.js';
import { describeFailure } from '../../src/pool/protocol.js';
import { TaskError } from '../../src/pool/task-error.js';
import { findTask, checkTaskTable, runTask } from '../../src/pool/tasks.js';
import { MpiError } from '../../src/errors.js';

describe('pool jobs', () => {
  it('collect results in item order whatever order chunks come back in', async () => {
    const job = new Job('t', 5);
    const chunks = chunksOf(job, [10, 11, 12, 13, 14], 2);
    expect(chunks.map((c) => [c.start, c.items])).toEqual([
      [0, [10, 11]],
      [2, [12, 13]],
      [4, [14]],
    ]);
    job.deliver(4, ['e']);
    job.deliver(0, ['a', 'b']);
    expect(job.settled).toBe(false);
    job.deliver(2, ['c', 'd']);
    await expect(job.promise).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('an empty job resolves at once; the first failure wins', async () => {
    await expect(new Job('t', 0).promise).resolves.toEqual([]);
    const job = new Job('t', 2);
    job.fail(new Error('first'));
    job.fail(new Error('second'));
    job.deliver(0, [1, 2]);
    await expect(job.promise).rejects.toThrow('first');
  });

  it('the queue is first in first out and skips chunks of settled jobs', () => {
    const done = new Job('a', 2);
    const live = new Job('b', 2);
    const queue = new ChunkQueue();
    queue.push(chunksOf(done, [1, 2], 1));
    queue.push(chunksOf(live, [3, 4], 1));
    done.fail(new Error('x'));
    done.promise.catch(() => {});
    expect(queue.take()?.items).toEqual([3]);
    const next = queue.take()!;
    queue.unshift(next);
    expect(queue.take()).toBe(next);
    expect(queue.take()).toBeUndefined();
  });

  it('the default chunk size gives about four chunks per worker', () => {
    expect(defaultChunksize(10_000, 3)).toBe(834);
    expect(defaultChunksize(5, 3)).toBe(1);
    expect(defaultChunksize(0, 0)).toBe(1);
  });
});

describe('pool tasks', () => {
  it('unknown names fail with ERR_ARG, inherited ones included', () => {
    const tasks = { square: (x: number) => x * x };
    expect(findTask(tasks, 'square')).toBe(tasks.square);
    for (const name of ['nope', 'toString', '__proto__']) {
      expect(() => findTask(tasks, name)).toThrow(MpiError);
    }
    expect(() => checkTaskTable({ a: 1 })).toThrow(/task 'a' is not a function/);
  });

  it('a thrown error becomes a TaskError with the worker rank, message and stack', async () => {
    const outcome = await runTask(function failing() {
      throw new TypeError('no good\nsecond line');
    }, 1);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const err = new TaskError(3, 'failing', outcome.failure);
    expect(err.name).toBe('TypeError');
    expect(err.message).toBe('rank 3: no good\nsecond line');
    expect(err.rank).toBe(3);
    expect(err.stack!.split('\n')[0]).toBe('TypeError: rank 3: no good');
    expect(err.stack).toMatch(/\n\s+at failing/);
    const odd = new TaskError(1, 't', describeFailure('a string'));
    expect(odd.message).toBe('rank 1: a non-Error value was thrown: a string');
    expect(odd.stack).toContain("at task 't' on rank 1");
  });
});

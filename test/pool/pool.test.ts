import { describe, expect, it } from 'vitest';
import { program, tsmpiexec } from '../helpers/tsmpiexec.js';

const CHECKS = [
  '10 000 tiny tasks, results in order',
  'uneven task times: the measured schedule beats a static split',
  'submit and concurrent maps',
  "a task that throws rejects with the worker's message and stack; the pool keeps going",
  'unknown task name rejects with ERR_ARG',
  'unsendable items and results fail only their own call',
  'close() lets every worker return null',
];

describe('task pool', () => {
  // -n 1: no workers, rank 0 runs the tasks itself; -n 2: one worker (no schedule to compare).
  it.each([1, 2, 4])('passes every check with -n %i', async (n) => {
    const r = await tsmpiexec(['-n', String(n), '--timeout', '50', program('pool-suite.ts')], { timeoutMs: 60_000 });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    const expected = n > 2 ? CHECKS : CHECKS.filter((c) => !c.startsWith('uneven'));
    expect(r.stdout.trim().split('\n')).toEqual(expected.map((c) => `ok ${c}`));
  });

  it('fails the tasks of a worker that dies with ERR_PROC_FAILED and goes on with the others', async () => {
    const r = await tsmpiexec(['-n', '4', program('pool-death.ts')], { timeoutMs: 30_000 });
    expect(r.stdout.trim().split('\n')).toEqual([
      'ok map rejected with ERR_PROC_FAILED: true',
      "ok the other worker's task: 9",
      'ok after the death: 1,4,9,16',
      'ok workers left: 2',
    ]);
    // The launcher ends the job with the dead rank's exit code, naming it.
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/rank 3 on \S+ exited with code 7/);
  });
});

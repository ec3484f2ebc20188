/**
 * Every public method rejects bad arguments with the right MpiError class: ranks,
 * tags, roots, counts, ops, values, freed communicators, calls before init and after
 * finalize. Promise-returning methods reject; isend/issend/irecv/iprobe and the other
 * synchronous methods throw. The checks themselves run in test/programs/bad-args.ts on
 * every rank; afterwards the communicators must still work and the job exit 0.
 */
import { describe, expect, it } from 'vitest';
import { program, tsmpiexec, type RunResult } from '../helpers/tsmpiexec.js';

interface RankReport {
  rank: number;
  size: number;
  checks: number;
  failures: Array<{ name: string; expected: string; got: string }>;
}

function reports(r: RunResult): RankReport[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('BADARGS '))
    .map((l) => JSON.parse(l.slice('BADARGS '.length)) as RankReport)
    .sort((a, b) => a.rank - b.rank);
}

describe.each([1, 3])('bad arguments at n=%i', (n) => {
  it('every method fails with the right class and form, and the job goes on', async () => {
    const r = await tsmpiexec(['-n', String(n), program('bad-args.ts')]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const all = reports(r);
    expect(all.map((x) => x.rank)).toEqual(Array.from({ length: n }, (_, i) => i));
    for (const report of all) {
      expect(report.size).toBe(n);
      // A failure reads: { name: 'send dest 3', expected: 'rejects ERR_RANK', got: 'threw synchronously ERR_RANK' }
      expect(report.failures, `rank ${report.rank}`).toEqual([]);
      expect(report.checks).toBeGreaterThan(390);
    }
  });
});

describe('unsendable values in collectives', () => {
  // API.md: a value that cannot be sent rejects with ERR_ARG and nothing is sent. Every
  // rank checks its own contribution before a collective communicates, so the same bad
  // value passed on every rank fails on every rank and no rank is left waiting.
  it.each([1, 3])('reject with ERR_ARG on every rank at n=%i (no rank hangs)', async (n) => {
    const r = await tsmpiexec(['-n', String(n), program('bad-args.ts'), 'collective-values']);
    expect(r.exitCode, r.stderr).toBe(0);
    const all = reports(r);
    expect(all).toHaveLength(n);
    for (const report of all) expect(report.failures, `rank ${report.rank}`).toEqual([]);
  });
});

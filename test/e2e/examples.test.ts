// The examples a user would copy run as documented and report a correct result. Each of
// pi, samplesort and jacobi2d checks itself against a serial computation on rank 0 and
// prints "result matches the serial computation", or fails the job.
import { describe, expect, it } from 'vitest';
import { ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';
import { join } from 'node:path';

const example = (name: string): string => join(ROOT, 'examples', name);

async function runExample(n: number, name: string, args: string[] = []) {
  const r = await tsmpiexec(['-n', String(n), '--timeout', '100', example(name), ...args], { timeoutMs: 120_000 });
  if (r.exitCode !== 0) console.error(r.stderr);
  expect(r.exitCode).toBe(0);
  return r.stdout.trim().split('\n');
}

describe.each([4, 7])('examples with -n %i', (n) => {
  it('pi.ts computes π with allreduce and matches the serial sum', async () => {
    const lines = await runExample(n, 'pi.ts');
    expect(lines[0]).toMatch(new RegExp(`^pi ≈ 3\\.14159265358\\d+ with 10000000 intervals on ${n} ranks`));
    expect(lines.at(-1)).toMatch(/^result matches the serial computation/);
  });

  it('samplesort.ts sorts with alltoallv and matches a serial sort', async () => {
    const lines = await runExample(n, 'samplesort.ts', ['50000']);
    const m = /^sorted (\d+) keys on (\d+) ranks; keys per rank after the exchange: ([\d ]+)$/.exec(lines[0]!);
    expect(m, lines[0]).not.toBeNull();
    expect(Number(m![2])).toBe(n);
    const pieces = m![3]!.split(' ').map(Number);
    expect(pieces).toHaveLength(n);
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(Number(m![1]));
    expect(lines.at(-1)).toBe('result matches the serial computation (same keys, globally sorted)');
  });

  it('jacobi2d.ts iterates on a cartesian grid, prints a falling residual and matches a serial run', async () => {
    const lines = await runExample(n, 'jacobi2d.ts', ['40', '56', '600', '100']);
    expect(lines[0]).toMatch(new RegExp(`^Jacobi on a 40 × 56 grid, ${n} ranks as a \\d+ × \\d+ grid$`));
    const residuals = lines.filter((l) => /^iteration/.test(l)).map((l) => Number(/residual (\S+)/.exec(l)![1]));
    expect(residuals).toHaveLength(6);
    for (let i = 1; i < residuals.length; i++) expect(residuals[i]).toBeLessThan(residuals[i - 1]!);
    expect(lines.at(-1)).toMatch(/^result matches the serial computation \(max difference 0\)$/);
  });
});

describe('the first examples', () => {
  it('hello.ts greets from every rank', async () => {
    const lines = await runExample(3, 'hello.ts');
    expect(lines.map((l) => l.replace(/ on .*$/, '')).sort()).toEqual([0, 1, 2].map((r) => `Hello from rank ${r} of 3`));
  });

  it('ring.ts passes a token round 5 ranks', async () => {
    const lines = await runExample(5, 'ring.ts', ['2']);
    expect(lines).toEqual([0, 1].map((lap) => `lap ${lap}: token came back after 4 hops (expected 4)`));
  });

  it('pingpong.ts measures latency and bandwidth between 2 ranks', async () => {
    const lines = await runExample(2, 'pingpong.ts');
    expect(lines.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([8, 1024, 64 * 1024, 1024 * 1024]);
    for (const line of lines) expect(line).toMatch(/B\s+[\d.]+ µs\s+[\d.]+ MB\/s$/);
  });
});

import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';

it('examples/montecarlo-pool.ts estimates π and balances uneven tasks across the workers', async () => {
  const r = await tsmpiexec(['-n', '4', '--timeout', '50', join(ROOT, 'examples', 'montecarlo-pool.ts')], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) console.error(r.stderr);
  expect(r.exitCode).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe('worker  tasks  busy ms  task ids (* = big)');
  // One schedule line per worker, and every task ran exactly once.
  const rows = lines.slice(1, 4).map((l) => l.trim().split(/\s+/));
  expect(rows.map((row) => Number(row[0]))).toEqual([1, 2, 3]);
  const ids = rows.flatMap((row) => row.slice(3).map((id) => Number(id.replace('*', ''))));
  expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 42 }, (_, i) => i));
  // The six big tasks are spread over the workers rather than left to the first one.
  for (const row of rows) expect(row.slice(3).filter((id) => id.endsWith('*')).length).toBeLessThan(6);
  const m = /^busiest worker: (\d+) ms handing out tasks one at a time, (\d+) ms with a static split$/.exec(lines[4]!);
  expect(m, lines[4]).not.toBeNull();
  expect(Number(m![1])).toBeLessThan(Number(m![2]));
  expect(lines[5]).toMatch(/^π ≈ 3\.14\d+ from 19,200,000 samples/);
});

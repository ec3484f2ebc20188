import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';

it.each([1, 4])('examples/rma-counter.ts counts every fetchAndOp exactly once with -n %i', async (n) => {
  const r = await tsmpiexec(['-n', String(n), '--timeout', '50', join(ROOT, 'examples', 'rma-counter.ts'), '500'], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) console.error(r.stderr);
  expect(r.exitCode).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe(`counter = ${500 * n} (expected ${500 * n}); ${500 * n} distinct tickets`);
  expect(lines[1]).toMatch(/^average fetchAndOp time: rank 0 \d+ µs/);
});

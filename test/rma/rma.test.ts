import { describe, expect, it } from 'vitest';
import { program, TRANSPORTS, tsmpiexec } from '../helpers/tsmpiexec.js';

const CHECKS = [
  'fence epochs with put, get and accumulate (SUM, MAX, REPLACE)',
  'big puts, gets and accumulates (rendezvous)',
  'lock/unlock exclusive',
  'lock/unlock shared',
  'lock not awaited: the epoch waits for the grant',
  'atomic counter: 100 fetchAndOp per rank ends at 100 × n',
  'compareAndSwap as a lock',
  'out-of-range access fails with ERR_ARG naming the window size',
  'many windows at once',
];

async function runSuite(n: number, env: Record<string, string>): Promise<void> {
  const r = await tsmpiexec(['-n', String(n), '--timeout', '50', program('rma-suite.ts')], { env, timeoutMs: 60_000 });
  if (r.exitCode !== 0) console.error(r.stderr);
  expect(r.exitCode).toBe(0);
  // The last window is never freed: the job ending at all shows an idle window keeps no rank alive.
  expect(r.stdout.trim().split('\n')).toEqual(CHECKS.map((c) => `ok ${c}`));
}

describe('one-sided windows', () => {
  it.each([1, 2, 3, 5, 7])('pass every check with -n %i', (n) => runSuite(n, {}));

  it.each(TRANSPORTS.filter((t) => t.name === 'tcp'))('pass every check over $name with -n 4', ({ env }) => runSuite(4, env));
});

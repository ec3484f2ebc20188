// Collectives, reduction operators and communicators end to end: one comprehensive
// program (test/programs/coll-suite.ts) run under tsmpiexec at every world size from 1 to
// 9 and 16; its splits add sub-communicators of sizes 6 and 10. The program checks every
// result against a serial computation and prints one "ok" line per check from rank 0.
import { describe, expect, it } from 'vitest';
import { program, TRANSPORTS, tsmpiexec } from '../helpers/tsmpiexec.js';

const CHECKS = [
  'every collective × every root × every value kind on world',
  'every collective × every root × every value kind on a dup',
  'every collective × every root × every value kind on splits by rank % 2',
  'every collective × every root × every value kind on splits by rank < k',
  'bcast of every value kind',
  'dup, split with keys and UNDEFINED, splitType and traffic isolation',
  'allreduce just below and above the Rabenseifner and ring thresholds, with message counts',
  'allreduceInto: separate and in place on every algorithm, beside allreduce, and bad out',
  'reduceScatter just below and above the ring threshold, with message counts',
  'scan and exscan just below and above the linear threshold, with message counts',
  'alltoall pairwise and Bruck around their thresholds, with message counts',
  'allgatherv inline and ring around the inline threshold, with message counts',
  'message counts of barrier, binomial trees and recursive doubling',
  'every built-in op on numbers, bigints, booleans, arrays and typed arrays',
  'MAXLOC and MINLOC with ties keep the lowest index',
  'non-commutative Op.create folded in rank order',
  'allreduce bit-identical on every rank',
  'typed-array views as inputs, and inputs left unchanged',
  '50 collectives started without awaiting, then awaited together',
  'a loop of collectives that only send still lets the event loop turn',
  'ERR_ROOT, ERR_COUNT, ERR_COMM and ERR_ARG without leaving a rank hanging',
];

/** World sizes per transport: every size on the default transport, a few on TCP. */
const SIZES: Record<string, number[]> = { unix: [1, 2, 3, 4, 5, 7, 8, 9, 16], tcp: [3, 8] };

describe.each(TRANSPORTS)('collectives over $name', ({ name, env }) => {
  it.each(SIZES[name] ?? [4])(
    'passes every check with -n %i',
    async (n) => {
      // --timeout makes a hang fail with each rank's pending operations instead of silence.
      const r = await tsmpiexec(['-n', String(n), '--timeout', '150', program('coll-suite.ts')], { env, timeoutMs: 180_000 });
      if (r.exitCode !== 0) console.error(r.stderr);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(CHECKS.map((c) => `ok ${c}`));
    },
    200_000,
  );
});

describe('erroneous programs', () => {
  it.each([
    // Each of these used to finish with results that differed by rank, or fail deep inside an algorithm.
    ['sum-max', 2, /allreduce\((SUM|MAX)\) #0 on world: rank \d made call #0 as another collective, or with another root or op/],
    ['sum-max', 3, /allreduce\((SUM|MAX)\) #0 on world: rank \d made call #0 as another collective, or with another root or op/],
    ['gather-reduce', 4, /(gather\(root=0\)|reduce\(SUM, root=0\)) #0 on world: rank \d made call #0 as another collective/],
    ['allgather-barrier', 3, /(allgather|barrier) #0 on world: rank \d made call #0 as another collective/],
  ] as const)('ranks that make one call differently (%s, n = %i) fail with an error that says so', async (which, n, message) => {
    const r = await tsmpiexec(['-n', String(n), '--timeout', '20', program('mismatch.ts'), which]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^tsmpiexec: rank \d on \S+ failed: MpiError: ERR_OTHER: /m);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/every rank must call the same collectives, in the same order, with matching arguments/);
  });
});

describe('large reductions in a row', () => {
  it('keep the reduction loop optimized from one call to the next (node --trace-deopt)', async () => {
    // The loop used to deoptimize at the end of every call: 80 times in this job. Compiling
    // on-stack replacements on the main thread makes that happen on every run, not most.
    const r = await tsmpiexec(['-n', '2', program('reduce-steady.ts'), '40'], {
      env: { TSMPI_NODE_ARGS: '--trace-deopt --trace-opt --no-concurrent-osr', TSMPI_TRANSPORT: 'tcp' },
      timeoutMs: 60_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('ok 40 allreduces');
    // V8's tracing is on and speaks as this test reads it (else nothing below could fail).
    expect(r.stdout).toMatch(/\[completed optimizing .* \(target TURBOFAN\)/);
    const loopDeopts = r.stdout.split('\n').filter((line) => line.includes('reason: Insufficient type feedback for compare operation'));
    expect(loopDeopts.length).toBeLessThan(10);
  });
});

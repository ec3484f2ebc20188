// π by the midpoint rule: π = ∫₀¹ 4 / (1 + x²) dx. The n intervals are dealt out
// round-robin, each rank sums its share, and allreduce adds the partial sums. Rank 0
// then checks the answer against the same sum computed serially.
//   npx tsmpiexec -n 4 examples/pi.ts [intervals]
import { run, SUM, wtime } from 'tsmpi';

await run(async (world) => {
  const n = Number(process.argv[2] ?? 10_000_000);
  const h = 1 / n;

  const start = wtime();
  let partial = 0;
  for (let i = world.rank; i < n; i += world.size) {
    const x = h * (i + 0.5); // the midpoint of interval i
    partial += 4 / (1 + x * x);
  }
  // Every rank gets the total (allreduce), bit-identical everywhere.
  const pi = h * (await world.allreduce(partial, SUM));
  const elapsed = wtime() - start;

  if (world.rank === 0) {
    console.log(`pi ≈ ${pi.toFixed(15)} with ${n} intervals on ${world.size} rank${world.size === 1 ? '' : 's'} in ${elapsed.toFixed(3)} s`);
    console.log(`error against Math.PI: ${Math.abs(pi - Math.PI).toExponential(2)}`);

    // The serial computation: the same terms in one loop. Only the order of the
    // additions differs, so the results agree to rounding.
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = h * (i + 0.5);
      sum += 4 / (1 + x * x);
    }
    const serial = h * sum;
    const difference = Math.abs(pi - serial);
    if (difference > 1e-10) throw new Error(`result ${pi} differs from the serial computation ${serial} by ${difference}`);
    console.log(`result matches the serial computation (difference ${difference.toExponential(2)})`);
  }
});

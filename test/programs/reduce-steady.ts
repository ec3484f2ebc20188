// Many large allreduces in a row, for a test that watches V8 deoptimize (node --trace-deopt):
// the reduction loop must stay optimized from one call to the next.
import { run, SUM } from 'tsmpi';

await run(async (world) => {
  const data = new Float64Array(1 << 20).fill(world.rank);
  const out = new Float64Array(data.length);
  const calls = Number(process.argv[2] ?? 40);
  for (let i = 0; i < calls; i++) await world.allreduceInto(data, out, SUM);
  const expected = (world.size * (world.size - 1)) / 2;
  if (out.some((x) => x !== expected)) throw new Error(`allreduce gave ${out[0]}, not ${expected}`);
  if (world.rank === 0) console.log(`ok ${calls} allreduces`);
});

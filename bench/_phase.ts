import { execFileSync } from 'node:child_process';
import { run, SUM, wtime } from 'tsmpi';
const pin = process.env.PIN;
if (pin) {
  const r = Number(process.env.TSMPI_RANK);
  const core = pin === 'rr' ? r % 2 : Math.floor(r / 2) % 2;
  execFileSync('taskset', ['-cp', String(core), String(process.pid)]);
}
await run(async (world) => {
  const data = new Float64Array(1).fill(world.rank);
  const t = async (label: string, body: () => Promise<unknown>) => {
    for (let i = 0; i < 2500; i++) await body();
    await world.barrier();
    for (let i = 0; i < 2500; i++) await body();
    await world.barrier();
    const t0 = wtime();
    for (let i = 0; i < 5000; i++) await body();
    const us = ((wtime() - t0) / 5000) * 1e6;
    if (world.rank === 0) console.log(label, us.toFixed(1));
  };
  await t('allreduce', () => world.allreduce(data, SUM));
  await t('barrier', () => world.barrier());
  await t('allreduce', () => world.allreduce(data, SUM));
});

// Checks a job spread over several hosts: where each rank runs, which transport each
// pair uses, an allreduce, and a 16 MiB message from rank 0 to the last rank.
import { createHash } from 'node:crypto';
import { run, processorName, SUM } from 'tsmpi';

await run(async (world) => {
  const hosts = await world.allgather(processorName());
  const transports = hosts.map((_, r) => world.transportTo(r));
  const total = await world.allreduce(world.rank + 1, SUM);
  const shared = await world.splitType('shared');
  let digestOk: boolean | null = null;
  const last = world.size - 1;
  if (world.rank === 0 && last > 0) {
    const big = new Uint8Array(16 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 255;
    await world.send(createHash('sha256').update(big).digest('hex'), last, 1);
    await world.send(big, last, 2);
  } else if (world.rank === last && last > 0) {
    const digest = await world.recv<string>(0, 1);
    const big = await world.recv<Uint8Array>(0, 2);
    digestOk = big.length === 16 << 20 && createHash('sha256').update(big).digest('hex') === digest;
  }
  console.log(
    JSON.stringify({
      rank: world.rank,
      host: processorName(),
      hosts,
      transports,
      total,
      sharedSize: shared.size,
      localRank: process.env.TSMPI_LOCAL_RANK,
      localSize: process.env.TSMPI_LOCAL_SIZE,
      x: process.env.TSMPI_TEST_VAR ?? null,
      digestOk,
      marker: process.argv[2] ?? null,
      slurmStep: process.env.SLURM_STEP_ID ?? null,
    }),
  );
  const sleep = Number(process.argv[3] ?? 0);
  if (sleep) await new Promise((r) => setTimeout(r, sleep));
});

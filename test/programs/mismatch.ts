// An erroneous program: rank 0 calls one collective where the others call another
// (argv[2]: "gather-reduce", or "allgather-barrier", which may also just hang). The rank
// whose algorithm receives messages that do not fit must fail with an MpiError that says so.
import { MAX, run, SUM } from 'tsmpi';

const which = process.argv[2] ?? 'gather-reduce';
await run(async (world) => {
  const [first, others] = which.split('-');
  const call = world.rank === 0 ? first : others;
  if (call === 'allgather') await world.allgather(world.rank);
  if (call === 'barrier') await world.barrier();
  if (call === 'gather') await world.gather([world.rank], 0);
  if (call === 'reduce') await world.reduce(world.rank, SUM, 0);
  if (call === 'sum') await world.allreduce(world.rank, SUM);
  if (call === 'max') await world.allreduce(world.rank, MAX);
  if (call === 'bcast0') await world.bcast(world.rank, 0);
  if (call === 'bcast1') await world.bcast(world.rank, 1);
  // Ranks that finished wait for the job to end (it must end with the failure).
  await new Promise((resolve) => setTimeout(resolve, 20_000));
});

// Rank 1 dies in the middle of a stream of allreduces (argv[2]: kill = SIGKILL, else
// process.exit(3)); the others are inside run(), in the collective, when it does.
import { run } from 'tsmpi';

const how = process.argv[2] ?? 'kill';
await run(async (world) => {
  const data = new Float64Array(1000);
  for (let i = 0; ; i++) {
    if (world.rank === 1 && i === 200) {
      if (how === 'kill') process.kill(process.pid, 'SIGKILL');
      else process.exit(3);
    }
    await world.allreduce(data.fill(i));
  }
});

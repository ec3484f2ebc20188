// Rank 0's run() body awaits a promise that nothing will ever settle (as a readline
// question pending when input ends); rank 1 waits for a message from it.
import { run } from 'tsmpi';

await run(async (world) => {
  if (world.rank === 0) await new Promise(() => {});
  else await world.recv(0, 1);
});

// A rank computes in its own code, without awaiting, before its first message gets
// through: `sender` starts an isend to rank 1 and then computes (the connection cannot
// send its handshake meanwhile); `receiver` computes before its first recv while rank 0
// sends at once (its listener cannot answer meanwhile). Both must simply take longer.
//   tsmpiexec -n 2 busy-first.ts sender|receiver <ms>
import { run } from 'tsmpi';

const [who, ms] = [process.argv[2], Number(process.argv[3])];

/** Synchronous work, as a solver's first step would be. */
function computeFor(milliseconds: number): void {
  const end = Date.now() + milliseconds;
  while (Date.now() < end) {
    /* busy */
  }
}

await run(async (world) => {
  const busy = who === 'sender' ? 0 : 1;
  if (world.rank === 0) {
    const sent = world.isend({ hello: world.size }, 1, 7);
    if (busy === 0) computeFor(ms);
    await sent;
  } else {
    if (busy === 1) computeFor(ms);
    const got = await world.recv<{ hello: number }>(0, 7);
    console.log(`rank 1 got hello ${got.hello} after ${who} computed ${ms} ms`);
  }
});

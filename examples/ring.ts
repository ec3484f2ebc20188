// A token travels around a ring of ranks: rank 0 starts it, every rank adds one and
// passes it on, and rank 0 checks that it came back having visited everyone.
//   npx tsmpiexec -n 5 examples/ring.ts [laps]
import { run } from 'tsmpi';

await run(async (world) => {
  const laps = Number(process.argv[2] ?? 1);
  const next = (world.rank + 1) % world.size;
  const prev = (world.rank - 1 + world.size) % world.size;
  for (let lap = 0; lap < laps; lap++) {
    if (world.rank === 0) {
      await world.send({ lap, hops: 0 }, next);
      const token = await world.recv<{ lap: number; hops: number }>(prev);
      const expected = world.size === 1 ? 0 : world.size - 1;
      console.log(`lap ${lap}: token came back after ${token.hops} hops (expected ${expected})`);
      if (token.hops !== expected) throw new Error('the token lost hops on its way round');
    } else {
      const token = await world.recv<{ lap: number; hops: number }>(prev);
      await world.send({ lap: token.lap, hops: token.hops + 1 }, next);
    }
  }
});

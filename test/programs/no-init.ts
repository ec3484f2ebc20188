// Rank argv[2] ("none": no rank) ends with status 0 without calling init(); the others
// call it (argv[3] "probe": after init, rank 0 waits in a probe that nothing answers).
import { init, finalize } from 'tsmpi';

const [who = '1', then = ''] = process.argv.slice(2);
if (process.env.TSMPI_RANK === who) process.exit(0);
// A rank that is slow to start (TSMPI_TEST_SLEEP_RANK) keeps the others waiting in init().
if (process.env.TSMPI_RANK === process.env.TSMPI_TEST_SLEEP_RANK) await new Promise((r) => setTimeout(r, 30_000));
const world = await init();
if (then === 'probe' && world.rank === 0) await world.probe(world.size - 1, 9);
await finalize();

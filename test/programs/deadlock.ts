// A classic MPI bug: rank 1 waits for a message rank 0 never sends, while every other
// rank has gone on into an allreduce that rank 1 never joins. With TSMPI_TEST_WINDOW=1
// every rank has an RMA window open, whose service must not show in hang reports.
import { init, finalize } from 'tsmpi';

const world = await init();
const win = process.env.TSMPI_TEST_WINDOW === '1' ? await world.createWindow(new Float64Array(4)) : null;
// The marker argument lets tests find these processes; "ready" lines tell them when
// every rank is about to block.
console.log(`ready ${world.rank} ${process.env.TSMPI_JOBDIR}`);
if (world.rank === 1) await world.recv(0, 5);
// TSMPI_TEST_BCAST_ROOT=1: the others go into a bcast from rank 1 instead.
const bcastRoot = process.env.TSMPI_TEST_BCAST_ROOT;
if (bcastRoot === undefined) await world.allreduce(world.rank);
else await world.bcast(world.rank, Number(bcastRoot));
await win?.free();
await finalize();

// A plain JavaScript program: prints its rank, the environment tsmpiexec sets, its
// arguments, a variable passed with -x, the allocator defaults and its working directory.
import { init, finalize } from 'tsmpi';

const world = await init();
const e = process.env;
console.log(
  JSON.stringify({
    rank: world.rank,
    size: world.size,
    env: [e.TSMPI_RANK, e.TSMPI_SIZE, e.TSMPI_LOCAL_RANK, e.TSMPI_LOCAL_SIZE],
    args: process.argv.slice(2),
    x: e.TSMPI_TEST_VAR ?? null,
    malloc: [e.MALLOC_MMAP_THRESHOLD_ ?? null, e.MALLOC_TRIM_THRESHOLD_ ?? null],
    cwd: process.cwd(),
  }),
);
await finalize();

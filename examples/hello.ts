// Every rank says hello: its rank, the world size and the host it runs on.
//   npx tsmpiexec -n 4 examples/hello.ts
import { init, finalize, processorName } from 'tsmpi';

const world = await init();
console.log(`Hello from rank ${world.rank} of ${world.size} on ${processorName()}`);
await finalize();

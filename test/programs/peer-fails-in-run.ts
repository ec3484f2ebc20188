// Rank 1 ends the job (abort, a kill, or an error: a send to rank 99) while the others wait on it inside run():
// they fail with ERR_PROC_FAILED, and leave it to tsmpiexec to name rank 1.
import { abort, MpiError, run } from 'tsmpi';

const how = process.argv[2] ?? 'abort';
await run(async (world) => {
  if (world.rank === 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (how === 'abort') abort(3, 'giving up');
    if (how === 'bad-rank') await world.send('to nobody', 99);
    // A peer failure no rank's exit explains (as when two live ranks lose their connection).
    if (how === 'unexplained') throw new MpiError('ERR_PROC_FAILED', 'rank 0 failed: invented by the test');
    process.kill(process.pid, 'SIGKILL');
  }
  await world.recv(1, 5);
});

// Fails on one rank in the way argv[2] names; the other ranks wait in a receive that
// can only end with ERR_PROC_FAILED (printed) or the job's end.
import { init, finalize, MpiError } from 'tsmpi';

const world = await init();
const [how, who = '1', codeArg = '3'] = process.argv.slice(2);
const victim = Number(who);
if (world.rank === victim) {
  await new Promise((r) => setTimeout(r, 100));
  if (how === 'exit') process.exit(Number(codeArg));
  if (how === 'throw') throw new Error('boom from the test');
  if (how === 'reject') void Promise.reject(new TypeError('rejected on purpose'));
  if (how === 'kill') process.kill(process.pid, 'SIGKILL');
  if (how === 'oom') for (const keep: unknown[] = []; ; ) keep.push(new Array(100_000).fill({ a: 1 }));
  if (how === 'abort') {
    const { abort } = await import('tsmpi');
    abort(Number(codeArg), 'the test called abort');
  }
  await new Promise((r) => setTimeout(r, 10_000));
} else {
  try {
    await world.recv(victim, 77);
  } catch (err) {
    if (err instanceof MpiError) console.log(`rank ${world.rank} saw ${err.errorClass}`);
  }
}
await finalize();

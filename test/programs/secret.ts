// Checks that the job secret is on no command line: this rank's, its siblings' and the
// launcher's. The secret is read from the environment before init() removes it.
import { readFileSync, readdirSync } from 'node:fs';
import { init, finalize } from 'tsmpi';

const secret = process.env.TSMPI_SECRET ?? '';
const world = await init();
if (secret.length < 64) throw new Error('no secret in the environment before init');
if (process.env.TSMPI_SECRET !== undefined) throw new Error('the secret is still visible to the program after init');
let checked = 0;
for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    continue;
  }
  checked++;
  if (cmdline.includes(secret)) throw new Error(`the secret is on the command line of pid ${pid}`);
}
console.log(`rank ${world.rank}: secret on none of ${checked} command lines`);
await finalize();

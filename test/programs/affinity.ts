/** Prints, from rank 0, each rank's allowed CPU list (Linux `Cpus_allowed_list`) as "rank:list" words. */
import { readFileSync } from 'node:fs';
import { run } from 'tsmpi';

await run(async (world) => {
  const line = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const all = await world.gather(`${world.rank}:${line?.[1] ?? '?'}`);
  if (all) console.log(all.join(' '));
});

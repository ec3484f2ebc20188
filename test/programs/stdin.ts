// Rank 0 reads its standard input and sends it to every other rank; all print it.
import { run } from 'tsmpi';

await run(async (world) => {
  let text = '';
  if (world.rank === 0) {
    for await (const chunk of process.stdin) text += chunk;
    for (let r = 1; r < world.size; r++) await world.send(text, r);
  } else {
    text = await world.recv<string>(0);
  }
  console.log(`rank ${world.rank} read ${JSON.stringify(text.trim())}`);
});

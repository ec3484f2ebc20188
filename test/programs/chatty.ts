// Every rank writes many long lines as fast as it can, to check that output lines of
// different ranks never interleave.
import { init, finalize } from 'tsmpi';

const world = await init();
for (let i = 0; i < 300; i++) process.stdout.write(`rank${world.rank}:${'x'.repeat(500)}:end\n`);
await finalize();

// Every rank writes many long lines as fast as it can, to check that output lines of
// different ranks never interleave.
import { init, finalize } from 'tsmpi';

const world = await init();
const lines = Number(process.argv[2] ?? 300);
for (let i = 0; i < lines; i++) process.stdout.write(`rank${world.rank}:${'x'.repeat(500)}:end\n`);
await finalize();

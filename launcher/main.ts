/** Entry point of the tsmpiexec binary. */
import { main } from './cli.js';

// `tsmpiexec … | head` closes our stdout early: the job goes on, its output is dropped,
// and no EPIPE stack trace is printed.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tsmpiexec: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

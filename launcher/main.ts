/** Entry point of the tsmpiexec binary. */
import { main } from './cli.js';

// `tsmpiexec … | head` closes our stdout early: the job goes on, its output is dropped,
// and no EPIPE stack trace is printed. Another failure (a full disk, a terminal gone)
// drops the output the same way, after one line that says so.
for (const [stream, name] of [
  [process.stdout, 'standard output'],
  [process.stderr, 'standard error'],
] as const) {
  let reported = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || reported) return;
    reported = true;
    if (stream !== process.stderr) process.stderr.write(`tsmpiexec: cannot write to ${name} (${err.code ?? err.message}); the ranks' output to it is lost\n`);
  });
}

/** Resolves once everything written to `stream` so far has been handed to the system (or cannot be). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Exits once the output is out: a pipe to a slow reader may still hold some of it. */
async function exit(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (err: unknown) => {
    process.stderr.write(`tsmpiexec: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return exit(1);
  },
);

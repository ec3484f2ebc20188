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

/** How long a job stopped by a signal waits for a reader that does not read (a pager left open). */
const STOPPED_FLUSH_MS = 1000;

/**
 * Exits once the output is out: a pipe to a slow reader may still hold some of it.
 * A job that ended normally waits for the reader as long as it takes; one stopped by a
 * signal (status above 128) only a moment.
 */
async function exit(code: number): Promise<never> {
  const out = Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  await (code > 128 ? Promise.race([out, new Promise((resolve) => setTimeout(resolve, STOPPED_FLUSH_MS))]) : out);
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (err: unknown) => {
    process.stderr.write(`tsmpiexec: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return exit(1);
  },
);

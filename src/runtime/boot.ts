/**
 * The entry point of a rank started on another host (over ssh or srun). The job
 * secret (and with --tls the job's TLS key) arrives on the first lines of standard input — never on a command line,
 * where `ps` would show it — and the rest of standard input belongs to the program.
 * Then the program itself is loaded, with `process.argv` as if it had been started
 * directly.
 */
import { readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Reads one line from fd 0 a byte at a time, so no byte of the program's input is consumed. */
function readSecretLine(): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0]);
    if (bytes.length > 16384) throw new Error('tsmpi: malformed job secret on standard input');
  }
  return Buffer.from(bytes).toString('utf8').trim();
}

const program = process.argv[2];
if (!program) {
  process.stderr.write('tsmpi: rank boot needs a program to run\n');
  process.exit(2);
}
process.env.TSMPI_SECRET = readSecretLine();
if (process.env.TSMPI_TLS === '1') {
  // With --tls the second line carries the job's TLS key and certificate (base64).
  const [key, cert] = readSecretLine().split(' ');
  process.env.TSMPI_TLS_KEY = key;
  process.env.TSMPI_TLS_CERT = cert;
}
process.argv.splice(1, 1);
await import(pathToFileURL(program).href);

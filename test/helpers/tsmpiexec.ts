/**
 * Runs tsmpiexec as a user would: the package's bin, as a subprocess.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/tsmpiexec.js', import.meta.url));

/** A test program under test/programs. */
export function program(name: string): string {
  return fileURLToPath(new URL(`../programs/${name}`, import.meta.url));
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `tsmpiexec ...args` and returns its output and exit status (never throws for a non-zero exit). */
export async function tsmpiexec(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const start = Date.now();
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    input: opts.input,
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    stdin: opts.input === undefined ? 'ignore' : undefined,
  });
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    exitCode: result.exitCode ?? -1,
    durationMs: Date.now() - start,
  };
}

/** The transports end-to-end tests run on. */
export const TRANSPORTS = [
  { name: 'unix', env: {} as Record<string, string> },
  { name: 'tcp', env: { TSMPI_TRANSPORT: 'tcp' } as Record<string, string> },
];

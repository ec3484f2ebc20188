/**
 * Starts rank processes on this machine.
 */
import { spawn } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';

/** A started rank process, wherever it runs. */
export interface RankProcess {
  readonly rank: number;
  readonly host: string;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable | null;
  /** Resolves when the process has ended: exit code, or the signal that ended it (and why it could not start, if so). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>;
  kill(signal: NodeJS.Signals): void;
}

export interface LocalSpawnOptions {
  rank: number;
  host: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  withStdin: boolean;
  /** The CPU to bind the rank to with `taskset` (see binding.ts); unbound when absent. */
  bindTo?: { taskset: string; cpu: number } | null;
}

/** Starts one rank as a child process of the launcher. */
export function spawnLocal(opts: LocalSpawnOptions): RankProcess {
  const bind = opts.bindTo;
  // taskset sets the CPU, then execs node in its place: the child's pid is the rank's.
  const [command, args] =
    bind
      ? [bind.taskset, ['-c', String(bind.cpu), process.execPath, ...opts.argv]]
      : [process.execPath, opts.argv];
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: [opts.withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only tsmpiexec, which asks
    // the ranks what they wait on before stopping them.
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EMFILE' || err.code === 'ENFILE' ? ' (too many open files: raise `ulimit -n`, or start fewer ranks)' : '';
      resolve({ code: 127, signal: null, error: `${err.message}${hint}` });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stdin?.on('error', () => {});
  return {
    rank: opts.rank,
    host: opts.host,
    // A process that could not be started (EMFILE, say) has no pipes: 'error' says why.
    stdout: child.stdout ?? Readable.from([]),
    stderr: child.stderr ?? Readable.from([]),
    stdin: child.stdin,
    exited,
    kill(signal) {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    },
  };
}

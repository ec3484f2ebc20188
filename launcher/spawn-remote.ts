/**
 * Starts rank processes on other hosts, over ssh or with srun inside a Slurm
 * allocation. The remote side runs the rank boot script, which reads the job secret
 * from the first line of standard input; the secret never appears in an argument.
 */
import { execa } from 'execa';
import { Readable } from 'node:stream';
import { machineOf } from './hosts/host.js';
import { shellQuote } from './shell-words.js';
import type { RankProcess } from './spawn-local.js';

export interface RemoteSpawnOptions {
  rank: number;
  host: string;
  /** The remote program: node, its arguments (boot script, program, program args). */
  node: string;
  argv: string[];
  /** Variables to set for the rank (only these: the remote host has its own environment). */
  env: Record<string, string>;
  cwd: string;
  /** Lines written to standard input before anything else: the secret (and TLS key). */
  preamble: string;
  /** Forward the launcher's standard input after the preamble (rank 0). */
  withStdin: boolean;
}

/**
 * The shell command a remote host runs for one rank, in sh whatever the login shell.
 * sh waits for node rather than becoming it: a rank killed by signal N then ends with
 * status 128 + N (not ssh's 255), and its Unix socket and, last one out, the job's
 * directory on that host are removed however it ended. The waiting shell's own stderr
 * goes nowhere (node gets the real one, kept on fd 3 meanwhile): shells such as dash
 * print "Killed" when a child dies by a signal, which tsmpiexec says better.
 */
export function remoteCommand(opts: Pick<RemoteSpawnOptions, 'cwd' | 'env' | 'node' | 'argv'>): string {
  const vars = Object.entries(opts.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const rank = `exec 2>&3 3>&-; exec env ${vars.join(' ')} ${[opts.node, ...opts.argv].map(shellQuote).join(' ')}`;
  const dir = opts.env.TSMPI_JOBDIR;
  const tidy = dir ? `rm -f ${shellQuote(`${dir}/r${opts.env.TSMPI_RANK}.sock`)}; rmdir ${shellQuote(dir)}; ` : '';
  const waiting = `cd ${shellQuote(opts.cwd)} || exit $?; exec 3>&2 2>/dev/null; sh -c ${shellQuote(rank)}; status=$?; ${tidy}exit $status`;
  return `exec sh -c ${shellQuote(waiting)}`;
}

/** Starts one rank on `host` over ssh (never prompting: BatchMode; gives up connecting after 10 s). */
export function spawnSsh(sshCommand: readonly string[], opts: RemoteSpawnOptions): RankProcess {
  const [ssh, ...sshArgs] = sshCommand;
  const args = [...sshArgs, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-T', opts.host, remoteCommand(opts)];
  return startRemote(ssh, args, opts);
}

/** Starts one rank on `host` as a one-task srun step inside the current Slurm allocation. */
export function spawnSrun(opts: RemoteSpawnOptions): RankProcess {
  const vars = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const args = [
    '--nodes=1',
    '--ntasks=1',
    `--nodelist=${machineOf(opts.host)}`,
    '--overlap',
    '--quiet',
    '--kill-on-bad-exit=0',
    `--chdir=${opts.cwd}`,
    'env',
    ...vars,
    opts.node,
    ...opts.argv,
  ];
  return startRemote('srun', args, opts);
}

function startRemote(command: string, args: string[], opts: RemoteSpawnOptions): RankProcess {
  const child = execa(command, args, {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    buffer: false,
    cleanup: true,
    // Its own process group, as local ranks have: a Ctrl-C in the terminal reaches only
    // tsmpiexec, which reports what the ranks wait on before stopping them.
    detached: true,
  });
  child.stdin?.on('error', () => {});
  child.stdin?.write(opts.preamble);
  if (!opts.withStdin) child.stdin?.end();
  const exited = child.then(
    (r) => ({
      code: r.exitCode ?? (r.signal ? null : 255),
      signal: (r.signal as NodeJS.Signals | undefined) ?? null,
      // No exit status and no signal: it never started (`--ssh nosuchcommand`).
      ...(r.exitCode === undefined && !r.signal ? { error: `cannot run ${command}: ${r.code ?? r.shortMessage}` } : {}),
    }),
    (err: Error) => ({ code: 255, signal: null, error: err.message }),
  );
  return {
    rank: opts.rank,
    host: opts.host,
    stdout: child.stdout ?? Readable.from([]),
    stderr: child.stderr ?? Readable.from([]),
    stdin: opts.withStdin ? child.stdin : null,
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

// Starting the programs run.mjs and compare.mjs measure: tsmpiexec jobs, mpiexec jobs
// and the floor, each as a child process with its output collected, its wall time taken
// and, when asked, its own peak resident memory sampled from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TSMPIEXEC = join(ROOT, 'bin', 'tsmpiexec.js');
export const ANCHOR = resolve(ROOT, '..', 'shared', 'anchors', 'mpi4py_osu.py');

/**
 * Runs `cmd args` to its end. Never rejects for a failing program: the caller decides.
 * Resolves { code, signal, stdout, stderr, sec, peakMB } — peakMB is the process's own
 * VmHWM (not its children's), sampled while it runs, when `watchMemory` is set.
 */
export function runProcess(cmd, args, { env = process.env, timeoutSec = 600, watchMemory = false, echo = false } = {}) {
  return new Promise((done) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => (out.push(b), echo && process.stdout.write(b)));
    child.stderr.on('data', (b) => (err.push(b), echo && process.stderr.write(b)));
    let peakMB;
    const sample = () => (peakMB = Math.max(peakMB ?? 0, highWaterMB(child.pid) ?? 0));
    const sampler = watchMemory ? setInterval(sample, 20) : undefined;
    const killer = setTimeout(() => stop(child), timeoutSec * 1000);
    child.once('error', (e) => err.push(Buffer.from(String(e))));
    child.once('exit', () => {
      if (watchMemory) sample(); // the zombie's status may be gone; the last live sample stands
    });
    child.once('close', (code, signal) => {
      const sec = Number(process.hrtime.bigint() - start) / 1e9;
      clearInterval(sampler);
      clearTimeout(killer);
      done({ code: code ?? -1, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), sec, peakMB });
    });
  });
}

/** SIGTERM (tsmpiexec and mpiexec both end their ranks on it), then SIGKILL if it lingers. */
function stop(child) {
  child.kill('SIGTERM');
  setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
}

/** A process's peak resident set in MB (10^6 bytes), from /proc/<pid>/status VmHWM. */
export function highWaterMB(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment of a tsmpi job on `transport` ('unix', the default on one host, or
 * 'tcp'), without the variables named in `unset`.
 */
export function tsmpiEnv(transport, unset = []) {
  const env = { ...process.env };
  delete env.TSMPI_TRANSPORT;
  if (transport === 'tcp') env.TSMPI_TRANSPORT = 'tcp';
  for (const name of unset) delete env[name];
  return env;
}

/** Runs `tsmpiexec -n <n> <program> <args>` on `transport`, optionally with variables unset. */
export function runTsmpi(n, program, args, { transport = 'unix', timeoutSec = 600, unset = [], ...rest } = {}) {
  // tsmpiexec's own --timeout ends a hung job and prints what each rank waits on.
  const argv = [TSMPIEXEC, '-n', String(n), '--timeout', String(timeoutSec), join(ROOT, program), ...args];
  return runProcess(process.execPath, argv, { env: tsmpiEnv(transport, unset), timeoutSec: timeoutSec + 30, ...rest });
}

// ---- Open MPI ----------------------------------------------------------------------

/**
 * Open MPI refuses to run as root unless told twice. PMIx authenticates its local clients
 * with munge when munge is installed (Slurm brings it) and retries for ~2.2 s when munged
 * is not running; the native method is what a single-host job needs, so the reference is
 * not timed waiting for a daemon.
 */
export function ompiEnv() {
  return { PMIX_MCA_psec: 'native', ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
}

/** The python3 that has mpi4py and numpy (Debian's, which the anchors name), or undefined. */
export function findPython() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import mpi4py, numpy'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  return undefined;
}

/** Whether `mpiexec` runs here. */
export function hasMpiexec() {
  return spawnSync('mpiexec', ['--version'], { stdio: 'ignore', env: ompiEnv() }).status === 0;
}

/** `mpiexec --version`'s first line, e.g. "mpiexec (OpenRTE) 4.1.4". */
export function mpiexecVersion() {
  const r = spawnSync('mpiexec', ['--version'], { encoding: 'utf8', env: ompiEnv() });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

/**
 * Runs `mpiexec -n <n> python <script>` over `btl` 'tcp' (--mca btl tcp,self, the fair
 * comparison for a socket transport) or 'sm' (Open MPI's default: shared memory).
 */
export function runMpi(n, btl, python, script, opts = {}) {
  const argv = ['--oversubscribe', ...(btl === 'tcp' ? ['--mca', 'btl', 'tcp,self'] : []), '-n', String(n), python, script];
  return runProcess('mpiexec', argv, { env: ompiEnv(), ...opts });
}

/** The anchor exists (it lives beside the project, in ../shared/anchors). */
export function hasAnchor() {
  return existsSync(ANCHOR);
}

/** The last non-empty lines of a program's error output, for a failure note. */
export function tail(text, lines = 3) {
  return String(text)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join(' / ');
}

/**
 * Binding ranks to CPUs (`--bind-to core`), like mpiexec's `--bind-to core`: each rank
 * this host starts is bound to one logical CPU, round-robin over the CPUs the launcher
 * may use (on a machine with hyperthreads two ranks may share a physical core).
 *
 * Not the default, because what it does to small messages depends on which ranks it
 * puts together. Measured on two cores (interleaved runs, `bench/allreduce.ts --sizes 8`
 * and `bench/barrier.ts`): over TCP at four ranks an 8 B allreduce took 66–75 µs bound
 * against 75–78 µs not, at eight 189–219 against 260–287 µs; but at three ranks 82–86
 * against 48 µs. On this machine waking a process on the other core costs far more than
 * handing over on one core (a ping-pong of two ranks that happen to share a core takes
 * 10 µs against 29), and binding fixes which messages cross cores. Large messages
 * measured the same either way; start-up was slower bound (-n 64: 3.50–3.71 against
 * 3.31–3.49 s).
 *
 * Linux only: the CPUs come from /proc/self/status and binding is done by starting the
 * rank under `taskset` (util-linux), since Node has no call for it. Ranks started over
 * ssh or srun are not bound here (srun binds with its own `--cpu-bind`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type BindTo = 'core' | 'none';

/** How this host binds its ranks: the CPUs to deal them over, and the taskset to do it with. */
export interface Binding {
  readonly taskset: string;
  readonly cpus: readonly number[];
}

/** A `--bind-to` that cannot be honoured here. */
export class BindingError extends Error {}

/** What binding looks at on this host (tests pass their own). */
export interface HostCpus {
  /** The text of /proc/self/status, null where there is none. */
  status: string | null;
  /** The text of /sys/devices/system/cpu/online ("0-3"), null where there is none. */
  online: string | null;
  /** The PATH to look for taskset on. */
  path: string;
}

/**
 * The binding `bindTo` asks for on this host, or null for none. `core` where it cannot
 * be done is a BindingError naming why: found out here, by binding a `node --version`
 * once, rather than by every rank failing to start. The CPUs are those the launcher
 * may run on that are online (an affinity mask may name CPUs that are not).
 */
export function resolveBinding(bindTo: BindTo, host: HostCpus = thisHost()): Binding | null {
  if (bindTo === 'none') return null;
  const allowed = host.status === null ? null : allowedCpus(host.status);
  const online = host.online === null ? null : parseCpuList(host.online.trim());
  const cpus = allowed && online ? allowed.filter((cpu) => online.includes(cpu)) : allowed;
  const taskset = findOnPath('taskset', host.path);
  if (cpus && cpus.length > 0 && taskset) {
    checkTaskset(taskset, cpus[0]!);
    return { taskset, cpus };
  }
  throw new BindingError(
    !cpus || cpus.length === 0
      ? '--bind-to core: this system does not say which CPUs a process may use (Linux /proc/self/status)'
      : '--bind-to core needs taskset (util-linux) on the PATH',
  );
}

/** The CPU the rank with `localRank` on this host is bound to. */
export function cpuFor(binding: Binding, localRank: number): number {
  return binding.cpus[localRank % binding.cpus.length]!;
}

/** The CPUs in `Cpus_allowed_list` of a /proc/<pid>/status text, in order; null if absent or malformed. */
export function allowedCpus(status: string): number[] | null {
  const line = /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status);
  return line ? parseCpuList(line[1]!) : null;
}

/** The CPUs of a Linux CPU list ("0-3,8,10-11"), in order; null if malformed. */
export function parseCpuList(list: string): number[] | null {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) return null;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (last < first) return null;
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Throws a BindingError with taskset's own complaint if it cannot start a process bound to `cpu`. */
function checkTaskset(taskset: string, cpu: number): void {
  const run = spawnSync(taskset, ['-c', String(cpu), process.execPath, '--version'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status === 0) return;
  const why = run.error?.message ?? run.stderr.trim().split('\n')[0] ?? '';
  throw new BindingError(`--bind-to core: ${taskset} cannot bind a process to CPU ${cpu}${why ? `: ${why}` : ''}`);
}

function thisHost(): HostCpus {
  return { status: readText('/proc/self/status'), online: readText('/sys/devices/system/cpu/online'), path: process.env.PATH ?? '' };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function findOnPath(command: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

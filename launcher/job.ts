/**
 * One job: the coordinator, the rank processes, their output, and the ending — the
 * exit status, and a message naming the rank, host and cause when something fails.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSecret } from '../src/transport/auth.js';
import { Coordinator } from './coordinator.js';
import { formatHangReport, rankList, type RankState } from './hang-report.js';
import { forwardRankOutput, stopHoldingBack } from './output.js';
import { cacheDirFor, prepareScript } from './compile.js';
import { machineOf } from './hosts/host.js';
import type { Placement } from './hosts/placement.js';
import { urlOf, type TlsMaterial } from '../src/transport/listener.js';
import { cpuFor, type Binding } from './binding.js';
import { spawnLocal, type RankProcess } from './spawn-local.js';
import type { RemoteSpawnOptions } from './spawn-remote.js';

type RemoteSpawners = typeof import('./spawn-remote.js');
import { createJobCertificate, encodeTls } from './tls.js';
import { rankEnvDefaults } from './rank-env.js';

/** How a rank is started: as a child of the launcher, over ssh, or as a Slurm step. */
export type LaunchKind = 'local' | 'ssh' | 'srun';

export interface JobOptions {
  script: string;
  scriptArgs: string[];
  plan: Placement[];
  tagOutput: boolean;
  outputDir: string | null;
  env: Record<string, string>;
  cwd: string;
  timeoutSeconds: number | null;
  /** Force TCP between ranks (TSMPI_TRANSPORT=tcp). */
  forceTcp: boolean;
  /** How each host's ranks are started. */
  launchKind(host: string): LaunchKind;
  /** The remote shell command (`--ssh`), as words. */
  sshCommand: string[];
  /** Extra node flags for every rank (TSMPI_NODE_ARGS), as words. */
  nodeArgs: string[];
  /** The node binary on remote hosts (`--node`). */
  remoteNode: string;
  /** Encrypt TCP traffic (rank↔rank and rank↔coordinator) with a per-job certificate. */
  tls: boolean;
  /** How ranks started on this host are bound to CPUs (`--bind-to`); null binds none. */
  binding: Binding | null;
}

/** The rank boot script that remote ranks run (it reads the secret from stdin). */
const BOOT_SCRIPT = fileURLToPath(new URL('./rank-boot.js', import.meta.url));
/** After this long, the launcher says which ranks have not called init() while others wait for them. */
const WIRE_UP_NOTICE_MS = 60_000;

/** Exit status when --timeout ends a job (as timeout(1) does). */
export const TIMEOUT_EXIT = 124;
/** Time given to surviving ranks to see a failure (ERR_PROC_FAILED) before they are stopped. */
const FAILURE_GRACE_MS = 300;
/**
 * How long a rank's failure caused by another's (ERR_PROC_FAILED) waits for the cause to
 * show — that rank's exit, seen once its output has drained — before it ends the job itself.
 */
const CAUSE_GRACE_MS = 2000;
/** How long ranks started with srun get to exit on the abort message before srun is signalled. */
const SRUN_STOP_GRACE_MS = 1000;
/** Ranks started between two turns of the event loop. */
const SPAWNS_PER_TURN = 16;

/** Time between SIGTERM and SIGKILL when stopping ranks. */
const KILL_GRACE_MS = 2000;

type Ending = { code: number; message: string };

/** The job cannot be set up on this machine (its message is the one line to print). */
class JobSetupError extends Error {}

/** The job's private directory (0700, as mkdtemp makes it): sockets, certificate, compiled program. */
function makeJobDir(): string {
  const parent = tmpdir();
  try {
    return mkdtempSync(join(parent, 'tsmpi-'));
  } catch (err) {
    throw new JobSetupError(`cannot create the job's directory in ${parent} (TMPDIR): ${(err as Error).message}`);
  }
}

class Job {
  private readonly jobDir = makeJobDir();
  private readonly secret = newSecret();
  private coordinator!: Coordinator;
  private ranks: RankProcess[] = [];
  private readonly alive = new Set<number>();
  private readonly errors = new Map<number, string>();
  /** Ranks whose stderr said the JavaScript heap was full (Node then aborts). */
  private readonly outOfMemory = new Set<number>();
  /** Ranks that exited with code 0 before calling init(), in the order they did. */
  private readonly goneBeforeInit: number[] = [];
  /** Ranks failing because another rank failed, with their code and cause (see failLater). */
  private readonly failingForPeer = new Map<number, { code: number; cause: string }>();
  private ending: Ending | null = null;
  private stopping = false;
  /** A signal or a failure asked the job to stop: no more ranks are started. */
  private stopRequested = false;
  /** Ranks on this host whose process could not be created at all (spawn failed). */
  private readonly neverStarted = new Set<number>();
  /** The last line each rank wrote to stderr: the cause when ssh or node fails before the rank starts. */
  private readonly lastErrorLine = new Map<number, string>();
  /** Set for jobs with ranks on other hosts: the local address they reach us at. */
  private localAddress: string | null = null;
  private tls: TlsMaterial | null = null;

  constructor(private readonly opts: JobOptions) {}

  async run(): Promise<number> {
    try {
      const ownCache = join(this.jobDir, 'cache');
      const program = await prepareScript(this.opts.script, cacheDirFor(this.opts.script, ownCache), ownCache);
      const remoteHost = this.remoteHost();
      if (remoteHost) this.localAddress = await localAddressToward(machineOf(remoteHost));
      const useTcp = this.opts.forceTcp || this.localAddress !== null;
      if (this.opts.tls) this.tls = createJobCertificate(this.jobDir);
      this.coordinator = await Coordinator.start({
        size: this.opts.plan.length,
        secret: this.secret,
        unixPath: useTcp ? undefined : join(this.jobDir, 'coordinator.sock'),
        tcpHost: useTcp ? (this.localAddress ?? '127.0.0.1') : undefined,
        tls: this.tls ?? undefined,
        events: {
          onAbort: (rank, code, reason, consequence) =>
            consequence ? this.failLater(rank, code, `failed: ${reason}`) : this.fail(rank, code, `called abort(${code}): ${reason}`),
          onError: (rank, message) => this.errors.set(rank, message),
          onInit: () => this.failForRanksGoneBeforeInit(),
          onLinkLost: () => {},
          onRefused: (reason, remote) => process.stderr.write(`tsmpiexec: refused a connection from ${remote}: ${reason}\n`),
        },
      });
      // Ctrl-C while the program was compiled or the coordinator started: start nothing.
      if (this.stopping) return this.ending?.code ?? 1;
      const timer = this.armTimeout();
      await this.startRanks(program);
      const wireUp = setTimeout(() => this.wireUpSlow(), WIRE_UP_NOTICE_MS);
      wireUp.unref();
      timer?.unref();
      await Promise.all(this.ranks.map((r) => this.watch(r)));
      this.failForPeersLeft();
      if (timer) clearTimeout(timer);
    } catch (err) {
      this.end({ code: 1, message: `tsmpiexec: ${(err as Error).message.split('\n')[0]}` });
      // Ranks already started must not outlive the job.
      this.stopAll(1);
    } finally {
      this.coordinator?.close();
      rmSync(this.jobDir, { recursive: true, force: true });
    }
    return this.ending?.code ?? 0;
  }

  /** A host of this job whose ranks start over ssh or srun, if there is one. */
  private remoteHost(): string | undefined {
    return this.opts.plan.find((p) => this.opts.launchKind(p.host) !== 'local')?.host;
  }

  private coordinatorUrl(): string {
    const addr = this.coordinator.listener.addresses;
    return urlOf(addr, true);
  }

  /** What every rank is told about the job, whichever way it starts. */
  private rankEnv(place: Placement, hostIndex: number, local: boolean): Record<string, string> {
    const env: Record<string, string> = {
      ...this.opts.env,
      TSMPI_RANK: String(place.rank),
      TSMPI_SIZE: String(this.opts.plan.length),
      TSMPI_LOCAL_RANK: String(place.localRank),
      TSMPI_LOCAL_SIZE: String(place.localSize),
      TSMPI_HOST: machineOf(place.host),
      TSMPI_COORD: this.coordinatorUrl(),
      // On another host the launcher's directory does not exist: the ranks there make their own.
      TSMPI_JOBDIR: local ? this.jobDir : `/tmp/${basename(this.jobDir)}-h${hostIndex}`,
    };
    if (this.opts.forceTcp) env.TSMPI_TRANSPORT = 'tcp';
    Object.assign(env, rankEnvDefaults(process.env, this.opts.env));
    if (this.localAddress) env.TSMPI_BIND = local ? this.localAddress : machineOf(place.host);
    if (this.tls) env.TSMPI_TLS = '1';
    return env;
  }

  private async startRanks(program: string): Promise<void> {
    const hosts = [...new Set(this.opts.plan.map((p) => p.host))];
    // Extra node flags for every rank, e.g. TSMPI_NODE_ARGS="--cpu-prof --max-old-space-size=8192".
    const nodeArgs = ['--enable-source-maps', ...this.opts.nodeArgs];
    // The remote spawners (and execa under them) cost the launcher ~15 ms to load; a job
    // on this host alone never needs them. Loaded before the first spawn: the loop
    // checks `stopRequested` after every await, so a job stopped meanwhile starts no more ranks.
    const remote = this.remoteHost() === undefined ? undefined : await import('./spawn-remote.js');
    for (const [index, place] of this.opts.plan.entries()) {
      // Now and then a turn of the event loop, so that a Ctrl-C while hundreds of ranks
      // start is acted on (it sets `stopRequested`) rather than after the last one started.
      if (index > 0 && index % SPAWNS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.stopRequested) return;
      const kind = this.opts.launchKind(place.host);
      const env = this.rankEnv(place, hosts.indexOf(place.host), kind === 'local');
      const withStdin = place.rank === 0;
      const proc =
        kind === 'local'
          ? spawnLocal({
              rank: place.rank,
              host: place.host,
              argv: [...nodeArgs, program, ...this.opts.scriptArgs],
              env: { ...process.env, ...env, ...this.localSecrets() },
              cwd: this.opts.cwd,
              withStdin,
              bindTo: this.opts.binding && { taskset: this.opts.binding.taskset, cpu: cpuFor(this.opts.binding, place.localRank) },
            })
          : this.spawnRemote(remote, kind, {
              rank: place.rank,
              host: place.host,
              node: this.opts.remoteNode,
              argv: [...nodeArgs, BOOT_SCRIPT, program, ...this.opts.scriptArgs],
              env,
              cwd: this.opts.cwd,
              preamble: this.remotePreamble(),
              withStdin,
            });
      this.ranks.push(proc);
      this.alive.add(place.rank);
      if (proc.stdin) process.stdin.pipe(proc.stdin);
    }
  }

  /** Starts a rank on another host, over ssh or srun. */
  private spawnRemote(spawners: RemoteSpawners | undefined, kind: 'ssh' | 'srun', opts: RemoteSpawnOptions): RankProcess {
    if (!spawners) throw new Error(`internal error: rank on ${opts.host} needs ${kind}, but no host of this job was remote`);
    return kind === 'ssh' ? spawners.spawnSsh(this.opts.sshCommand, opts) : spawners.spawnSrun(opts);
  }

  /** The secret (and TLS key) for a rank on this host: in its environment, never on a command line. */
  private localSecrets(): Record<string, string> {
    const tls = this.tls ? encodeTls(this.tls) : null;
    return { TSMPI_SECRET: this.secret, ...(tls ? { TSMPI_TLS_KEY: tls.key, TSMPI_TLS_CERT: tls.cert } : {}) };
  }

  /** The same for a rank on another host: lines on its standard input, read by the boot script. */
  private remotePreamble(): string {
    const tls = this.tls ? encodeTls(this.tls) : null;
    return `${this.secret}\n${tls ? `${tls.key} ${tls.cert}\n` : ''}`;
  }

  /**
   * A rank may work for as long as it likes before init(), as before MPI_Init; but when
   * others are already waiting for it in init(), say so once (nothing is stopped).
   */
  private wireUpSlow(): void {
    const missing = this.opts.plan.filter((p) => this.alive.has(p.rank) && !this.coordinator.hasInited(p.rank));
    const waiting = this.opts.plan.some((p) => this.coordinator.hasInited(p.rank));
    if (missing.length === 0 || !waiting || this.ending) return;
    process.stderr.write(
      `tsmpiexec: after ${WIRE_UP_NOTICE_MS / 1000} s, ${missing.length === 1 ? 'rank' : 'ranks'} ${rankList(missing.map((p) => p.rank))} ${missing.length === 1 ? 'has' : 'have'} not called init(); the others wait for them there (Ctrl-C shows what each rank is doing)\n`,
    );
  }

  private async watch(proc: RankProcess): Promise<void> {
    const output = forwardRankOutput(proc.rank, proc.stdout, proc.stderr, {
      tag: this.opts.tagOutput,
      outputDir: this.opts.outputDir,
      dropErrorLine: this.opts.launchKind(proc.host) === 'srun' ? isSrunReportOfTaskEnd : undefined,
      onErrorLine: (line) => {
        // Node ends an uncaught error with its version line; the error line says why.
        // ssh's warnings (a host key added, an identity file missing) come before its reason.
        if (/^Node\.js v\d/.test(line) || /^\s+at /.test(line) || /^Warning: /.test(line)) return;
        if (SAYS_WHY.test(line) || !this.lastErrorLine.has(proc.rank)) this.lastErrorLine.set(proc.rank, line.trim());
        // Node's last words when the JavaScript heap is full (its native stack follows).
        if (/JavaScript heap out of memory/.test(line)) this.outOfMemory.add(proc.rank);
      },
    });
    const exit = await proc.exited;
    const { code } = exit;
    // ssh passes on a remote shell's status, and srun its task's: 128 + N when the rank was killed by signal N.
    const signal = exit.signal ?? (this.opts.launchKind(proc.host) !== 'local' ? signalOfStatus(code) : null);
    if (exit.error) {
      this.lastErrorLine.set(proc.rank, exit.error);
      // ssh and srun say how they failed in their own words (causeOfExit).
      if (this.opts.launchKind(proc.host) === 'local') this.neverStarted.add(proc.rank);
    }
    this.alive.delete(proc.rank);
    if (proc.stdin) process.stdin.unpipe(proc.stdin);
    await output;
    if (this.stopping || this.failingForPeer.has(proc.rank)) return;
    if (signal) {
      this.fail(proc.rank, 128 + (osConstants.signals[signal] ?? 0), this.causeOfSignal(proc, signal));
    } else if (code !== 0) {
      this.fail(proc.rank, code ?? 1, this.causeOfExit(proc, code ?? 1));
    } else if (this.coordinator.hasInited(proc.rank) && !this.coordinator.hasFinalized(proc.rank)) {
      this.fail(proc.rank, 1, 'exited without calling finalize()');
    } else if (!this.coordinator.hasInited(proc.rank)) {
      this.goneBeforeInit.push(proc.rank);
      this.failForRanksGoneBeforeInit();
    }
  }

  /**
   * A rank that ended (code 0) without calling init() is fine while no rank calls it (a
   * job of plain scripts); once one does, that rank would wait for it in init() forever.
   */
  private failForRanksGoneBeforeInit(): void {
    const [rank] = this.goneBeforeInit;
    if (rank === undefined || !this.opts.plan.some((p) => this.coordinator.hasInited(p.rank))) return;
    this.fail(rank, 1, 'exited (code 0) without calling init(), which other ranks called: they would wait for it there');
  }

  private causeOfSignal(proc: RankProcess, signal: NodeJS.Signals): string {
    if (this.outOfMemory.has(proc.rank)) {
      return `ran out of memory (JavaScript heap out of memory; TSMPI_NODE_ARGS="--max-old-space-size=<MB>" raises the limit) and was killed by signal ${signal}`;
    }
    return `was killed by signal ${signal}`;
  }

  private causeOfExit(proc: RankProcess, code: number): string {
    if (this.neverStarted.has(proc.rank)) return `could not be started: ${this.lastErrorLine.get(proc.rank)}`;
    const error = this.errors.get(proc.rank);
    if (error) return `failed: ${error} (exit code ${code})`;
    const kind = this.opts.launchKind(proc.host);
    const last = this.lastErrorLine.get(proc.rank);
    // ssh itself fails with 255, and a remote shell that cannot run node with 126 or 127;
    // any other status is the program's (it threw before init, say).
    if ((kind === 'srun' || (kind === 'ssh' && SSH_COULD_NOT_START.includes(code))) && !this.coordinator.hasInited(proc.rank)) {
      const how = kind === 'ssh' ? 'over ssh' : 'with srun';
      return `could not be started ${how}: ${last ?? `exit code ${code}`}`;
    }
    return `exited with code ${code}${last && code !== 0 && !this.coordinator.hasInited(proc.rank) ? `: ${last}` : ''}`;
  }

  /** The first failing rank ends the job with its code (0 only from abort(0), which asks for it). */
  private fail(rank: number, code: number, cause: string): void {
    if (this.ending) return;
    const host = this.opts.plan[rank]?.host ?? '?';
    this.end({ code, message: `tsmpiexec: rank ${rank} on ${host} ${cause}` });
    this.coordinator.announceFailure(rank, `rank ${rank} on ${host} ${cause}`);
    setTimeout(() => this.stopAll(code), FAILURE_GRACE_MS).unref();
  }

  /**
   * A rank fails because another did: the failure that caused it ends the job, named,
   * as soon as it is seen; this one only if none is within CAUSE_GRACE_MS (two ranks
   * that lost their connection while both run, say).
   */
  private failLater(rank: number, code: number, cause: string): void {
    this.failingForPeer.set(rank, { code, cause });
    setTimeout(() => this.fail(rank, code, cause), CAUSE_GRACE_MS).unref();
  }

  /** Every rank has exited: a failure still waiting for its cause ends the job now. */
  private failForPeersLeft(): void {
    const [first] = this.failingForPeer;
    if (first) this.fail(first[0], first[1].code, first[1].cause);
  }

  private end(ending: Ending): void {
    if (this.ending) return;
    this.ending = ending;
    this.stopRequested = true;
    process.stderr.write(ending.message + '\n');
  }

  /**
   * Stops every rank still running: an abort message, then SIGTERM, then SIGKILL. srun
   * answers SIGTERM by killing its task at once, so a rank it started first gets a moment
   * to act on the abort message and exit cleanly (removing its socket).
   */
  stopAll(code: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopRequested = true;
    // A reader that stopped reading (a pager left open) must not keep stopped ranks, and tsmpiexec, waiting.
    stopHoldingBack();
    this.coordinator?.broadcast({ t: 'abort', code });
    const terminate = (when: 'now' | 'later') => {
      for (const r of this.ranks) {
        const viaSrun = this.opts.launchKind(r.host) === 'srun';
        if (this.alive.has(r.rank) && viaSrun === (when === 'later')) r.kill('SIGTERM');
      }
    };
    terminate('now');
    setTimeout(() => terminate('later'), SRUN_STOP_GRACE_MS).unref();
    setTimeout(() => {
      for (const r of this.ranks) if (this.alive.has(r.rank)) r.kill('SIGKILL');
    }, KILL_GRACE_MS).unref();
  }

  private armTimeout(): NodeJS.Timeout | null {
    const seconds = this.opts.timeoutSeconds;
    if (!seconds) return null;
    return setTimeout(() => void this.timeOut(seconds), seconds * 1000);
  }

  private async timeOut(seconds: number): Promise<void> {
    const report = await this.hangReport(`tsmpiexec: the job did not finish within ${seconds} s. What each rank is waiting on:`);
    this.end({ code: TIMEOUT_EXIT, message: report });
    this.stopAll(TIMEOUT_EXIT);
  }

  /** Asks every rank what it waits on (1 s at most) and formats the grouped report. */
  private async hangReport(headline: string): Promise<string> {
    const answers = await this.coordinator.collectReports(1000);
    const states: RankState[] = this.opts.plan.map((place) => ({
      rank: place.rank,
      host: place.host,
      pending: !this.alive.has(place.rank)
        ? 'exited'
        : !this.coordinator.hasInited(place.rank)
          ? 'starting'
          : !this.coordinator.wiredUp()
            ? ['init() (waiting for the other ranks to call it)']
            : (answers.get(place.rank) ?? null),
    }));
    return formatHangReport(headline, states);
  }

  private interrupts = 0;

  /**
   * Ctrl-C or SIGQUIT: print what each rank is waiting on (a hung job explains itself),
   * then stop every rank; a second Ctrl-C kills at once. SIGTERM (a batch system
   * ending the job) and SIGHUP (no terminal left to read a report) stop without one. Exit status 128+signal.
   */
  async interrupt(signal: NodeJS.Signals): Promise<void> {
    // No more ranks start, even while the report is being collected.
    this.stopRequested = true;
    const code = 128 + (osConstants.signals[signal] ?? 0);
    if (++this.interrupts > 1 || signal === 'SIGTERM' || signal === 'SIGHUP' || !this.coordinator || this.ending) {
      if (this.interrupts > 1) for (const r of this.ranks) if (this.alive.has(r.rank)) r.kill('SIGKILL');
      this.end({ code, message: `tsmpiexec: received ${signal}; stopping all ranks` });
      this.stopAll(code);
      return;
    }
    const report = await this.hangReport(`tsmpiexec: received ${signal}; stopping all ranks. What each rank was waiting on:`);
    this.end({ code, message: report });
    this.stopAll(code);
  }
}

/** Exit statuses of ssh that mean the rank never ran: ssh failed (255), node not executable (126) or not found (127). */
const SSH_COULD_NOT_START = [255, 126, 127];

/**
 * srun's and slurmstepd's own lines about how a rank's task ended or was stopped
 * ("srun: error: node1: task 0: Killed", "slurmstepd-node1: error: *** STEP 12.3 ON node1
 * CANCELLED AT … ***"): tsmpiexec says which rank failed first and why, once.
 */
function isSrunReportOfTaskEnd(line: string): boolean {
  return (
    /^srun: error: \S+: tasks? [\d,-]+: (Killed|Terminated|Exited with exit code \d+)$/.test(line) ||
    /^slurmstepd(-\S+)?: error: \*\*\* STEP \S+ ON \S+ CANCELLED AT .*\*\*\*$/.test(line) ||
    /^srun: (forcing job termination|Job step aborted: .*)$/.test(line)
  );
}

/** Lines of a rank's stderr that say why it failed, preferred over its first line. */
const SAYS_WHY = /error|denied|refused|not found|no such|cannot|could not|failed|unable|timed out|not accessible/i;

/** The signal a shell's exit status 128 + N reports, if N is one. */
function signalOfStatus(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128) return null;
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === code - 128);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

/** The local address the kernel would use to reach `host` (no packet is sent). */
function localAddressToward(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(new Error(`cannot reach host ${host}: ${err.message}`));
    });
    socket.connect(9, host, () => {
      const address = socket.address().address;
      socket.close();
      resolve(address);
    });
  });
}

/**
 * Signals that stop the job. SIGHUP (the terminal closed, the ssh session dropped) must
 * reach the ranks through tsmpiexec: they run in their own sessions.
 */
const STOPPING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'];

/** Runs a job to the end and returns the exit status for tsmpiexec. */
export async function runJob(opts: JobOptions): Promise<number> {
  let job: Job;
  try {
    job = new Job(opts);
  } catch (err) {
    if (!(err instanceof JobSetupError)) throw err;
    process.stderr.write(`tsmpiexec: ${err.message}\n`);
    return 1;
  }
  const onSignal = (signal: NodeJS.Signals) => void job.interrupt(signal);
  for (const signal of STOPPING_SIGNALS) process.on(signal, onSignal);
  try {
    return await job.run();
  } finally {
    for (const signal of STOPPING_SIGNALS) process.off(signal, onSignal);
  }
}

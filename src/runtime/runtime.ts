/**
 * The rank runtime: start-up (wire-up with the coordinator), the world and self
 * communicators, finalize, abort, and what happens when a rank fails.
 */
import { lstatSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Comm, FIRST_FREE_CONTEXT, Group, SELF_CONTEXT, WORLD_CONTEXT, type CommRuntime } from '../comm/comm.js';
import { ANY_SOURCE, ANY_TAG } from '../constants.js';
import { mpiError } from '../errors.js';
import { P2PEngine } from '../p2p/engine.js';
import { MAX_MESSAGE_BYTES } from '../p2p/limits.js';
import { Listener, type TlsMaterial } from '../transport/listener.js';
import { Transport, type PeerAddress } from '../transport/transport.js';
import { CoordinatorLink } from './coordinator-link.js';
import { errorText, firstLine, isPeerFailure } from './errorText.js';
import { hold, release } from './keepalive.js';
import type { CoordinatorToRank } from './protocol.js';

type Phase = 'none' | 'starting' | 'ready' | 'finalizing' | 'finalized';

/** How this process was started: by tsmpiexec, or alone (a singleton world). */
interface LaunchInfo {
  rank: number;
  size: number;
  host: string;
  coordinator: string;
  secret: string;
  jobDir: string | null;
  useUnix: boolean;
  bindAddress: string | null;
  tls: TlsMaterial | null;
}

/** Context ids travel as unsigned 32-bit integers. */
const MAX_CONTEXT = 2 ** 32 - 1;
/** How long a rank failing for another's failure waits for the launcher to stop it. */
const UNSTOPPED_EXIT_MS = 10_000;

class Runtime implements CommRuntime {
  phase: Phase = 'none';
  engine!: P2PEngine;
  /** Context ids this process has proposed (see proposeContext). */
  private contextsProposed = 0;
  world!: Comm;
  self!: Comm;
  host = hostname();
  private link: CoordinatorLink | null = null;
  private listener: Listener | null = null;
  private transport: Transport | null = null;
  private starting: Promise<Comm> | null = null;
  private finishing: Promise<void> | null = null;
  /** Ranks the launcher announced dead: a killed one on this host leaves its socket behind. */
  private readonly deadRanks = new Set<number>();
  /** Set once the launcher was told this rank fails for another's failure. */
  private failingForPeer = false;
  /** Communicators by point-to-point context id (collectives use id + 1). */
  private readonly comms = new Map<number, Comm>();
  private readonly collectives = new Set<{ describe: () => string }>();

  registerComm(comm: Comm): void {
    this.comms.set(comm.context, comm);
  }

  forgetComm(comm: Comm): void {
    if (this.comms.get(comm.context) === comm) this.comms.delete(comm.context);
    // Point-to-point and collective contexts alike.
    this.engine.forgetContext(comm.context);
    this.engine.forgetContext(comm.context + 1);
  }

  /**
   * Ids interleave the world's ranks, pair by pair above world's (0/1) and self's (2/3):
   * this process's k-th proposal is the k-th pair of its own, which no other process
   * proposes, so creations started together need no coordination beyond their own.
   */
  proposeContext(): number {
    const pair = this.contextsProposed * this.world.size + this.world.rank;
    const id = FIRST_FREE_CONTEXT + 2 * pair;
    // Out of ids, the creation must still run on every rank, to fail on every rank.
    if (id + 1 > MAX_CONTEXT) return Infinity;
    this.contextsProposed++;
    return id;
  }

  trackCollective(describe: () => string): () => void {
    const entry = { describe };
    this.collectives.add(entry);
    return () => this.collectives.delete(entry);
  }

  transportKind(worldRank: number): 'self' | 'unix' | 'tcp' {
    return this.transport ? this.transport.kindOf(worldRank) : 'self';
  }

  checkUsable(): void {
    if (this.phase === 'none' || this.phase === 'starting') {
      throw mpiError('ERR_NOT_INITIALIZED', 'tsmpi is not initialized: call init() first');
    }
    if (this.phase === 'finalized') throw mpiError('ERR_NOT_INITIALIZED', 'tsmpi was finalized');
  }

  init(): Promise<Comm> {
    if (this.phase === 'finalized') return Promise.reject(mpiError('ERR_NOT_INITIALIZED', 'tsmpi was finalized'));
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<Comm> {
    this.phase = 'starting';
    hold();
    try {
      const launch = readLaunchInfo();
      if (launch) await this.wireUp(launch);
      else this.startSingleton();
      const me = launch?.rank ?? 0;
      const size = launch?.size ?? 1;
      this.world = new Comm(this, new Group(range(size)), me, WORLD_CONTEXT, 'world');
      this.self = new Comm(this, new Group([me]), me, SELF_CONTEXT, 'self');
      this.phase = 'ready';
      installFailureHandlers(this);
      process.on('beforeExit', () => this.finalizeAtExit());
      return this.world;
    } finally {
      release();
    }
  }

  private startSingleton(): void {
    this.engine = new P2PEngine(0, {
      write() {
        throw mpiError('ERR_RANK', 'a singleton world has no other ranks');
      },
    });
  }

  private async wireUp(launch: LaunchInfo): Promise<void> {
    this.host = launch.host;
    const socketPath = launch.useUnix && launch.jobDir ? socketOf(launch.jobDir, launch.rank) : undefined;
    if (socketPath) {
      ensurePrivateDir(launch.jobDir!);
      leaveNothingBehind(launch.jobDir!, socketPath, this.deadRanks);
    }
    const transportRef: { t: Transport | null } = { t: null };
    this.listener = await Listener.start({
      secret: launch.secret,
      self: `rank:${launch.rank}`,
      unixPath: socketPath,
      tcpHost: launch.bindAddress ?? undefined,
      tls: launch.tls ?? undefined,
      maxPayload: MAX_MESSAGE_BYTES,
      readDirectly: true,
      onConnection: (conn, from) => {
        if (transportRef.t) transportRef.t.accept(conn, from);
        else conn.ws.terminate();
      },
      onRefused: (reason, remote) => {
        process.stderr.write(`tsmpi: rank ${launch.rank} refused a connection from ${remote}: ${reason}\n`);
      },
    });
    const engineRef: { e: P2PEngine | null } = { e: null };
    this.transport = new Transport({
      rank: launch.rank,
      size: launch.size,
      secret: launch.secret,
      host: launch.host,
      useUnix: launch.useUnix,
      maxPayload: MAX_MESSAGE_BYTES,
      tlsCert: launch.tls?.cert,
      listener: this.listener,
      onFrame: (peer, frame) => engineRef.e!.onFrame(peer, frame),
      destinationFor: (peer, frame) => engineRef.e!.destinationFor(peer, frame),
      onPeerLost: (peer, reason) => engineRef.e!.peerFailed(peer, reason),
      onRefused: (reason) => process.stderr.write(`tsmpi: rank ${launch.rank} refused a connection: ${reason}\n`),
    });
    transportRef.t = this.transport;
    this.engine = new P2PEngine(launch.rank, this.transport);
    engineRef.e = this.engine;
    this.link = await CoordinatorLink.open(
      launch.coordinator,
      launch.secret,
      launch.rank,
      (msg) => this.onCoordinatorMessage(msg),
      () => lostLauncher(launch.rank, launch.jobDir),
      launch.tls?.cert,
    );
    const table = this.link.next('table');
    const address: PeerAddress = { host: launch.host, ...this.listener.addresses };
    this.link.send({ t: 'hello', rank: launch.rank, pid: process.pid, address });
    this.transport.setTable((await table).table);
  }

  private onCoordinatorMessage(msg: CoordinatorToRank): void {
    switch (msg.t) {
      case 'failed':
        this.deadRanks.add(msg.rank);
        this.engine.peerFailed(msg.rank, msg.reason);
        break;
      case 'abort':
        process.exit(msg.code);
        break;
      case 'report':
        this.link?.send({ t: 'report', id: msg.id, lines: this.describePending() });
        break;
    }
  }

  /**
   * One line per operation this rank waits on, for hang reports: pending collectives
   * by name and call number, and point-to-point operations with communicator ranks.
   * Traffic inside a collective is left out: the collective's line says it all.
   */
  describePending(): string[] {
    const lines = [...this.collectives].map((c) => c.describe());
    if (this.phase === 'finalizing') lines.push('finalize (waiting for the other ranks to finalize)');
    for (const { peer, attempts, reason } of this.transport?.connectionsRetrying() ?? []) {
      lines.push(`connecting to rank ${peer} (${attempts} attempt${attempts === 1 ? '' : 's'} failed, the last: ${reason})`);
    }
    for (const op of this.engine.pendingOps()) {
      const comm = this.comms.get(op.ctx);
      if (!comm) continue;
      const peer = op.peer === ANY_SOURCE ? 'ANY_SOURCE' : String(comm.group.rankOf(op.peer));
      const tag = op.tag === ANY_TAG ? 'ANY_TAG' : String(op.tag);
      const what = op.op === 'send' ? `send(dest=${peer}, tag=${tag}, ${op.bytes} bytes)` : `${op.op}(source=${peer}, tag=${tag})`;
      lines.push(`${what} on ${comm.name}`);
    }
    return lines;
  }

  finalize(): Promise<void> {
    if (this.phase === 'none') return Promise.reject(mpiError('ERR_NOT_INITIALIZED', 'finalize() before init()'));
    this.finishing ??= this.finish();
    return this.finishing;
  }

  private async finish(): Promise<void> {
    await this.starting;
    this.phase = 'finalizing';
    hold();
    try {
      await this.engine.drainSends();
      if (this.link) {
        const done = this.link.next('finalized');
        this.link.send({ t: 'finalize' });
        await done;
      }
      this.transport?.close();
      this.listener?.close();
      this.link?.close();
      this.phase = 'finalized';
    } finally {
      release();
    }
  }

  /** Bodies of `run()` that have started and not yet ended. */
  private runBodies = 0;

  /** @internal `run()` brackets its body with these, so an exit in the middle of one is known. */
  runBodyStarted(): void {
    this.runBodies++;
  }

  /** @internal See runBodyStarted. */
  runBodyEnded(): void {
    this.runBodies--;
  }

  /**
   * The event loop ran dry. A program that ends without calling finalize() is finalized
   * for it here, like mpi4py does. But a `run()` body still pending awaits something that
   * can never happen now (tsmpi's own operations keep the process alive): finalizing
   * would leave the other ranks waiting for this one forever, so the job fails instead.
   */
  private finalizeAtExit(): void {
    if (this.phase !== 'ready') return;
    if (this.runBodies > 0) {
      const stuck = new Error("run()'s body never finished: it awaits a promise that can no longer settle (input that ended, a promise nobody resolves)");
      // Where it was noticed says nothing: no stack.
      stuck.stack = `Error: ${stuck.message}`;
      void this.failWith(stuck);
      return;
    }
    void this.finalize();
  }

  /**
   * Ends the whole job with `code`. The message to the launcher is written before the
   * process exits; should it be lost, the launcher still sees this rank exit with `code`
   * (with 0, as a rank that ended without finalize).
   */
  abort(code: number, reason: string): never {
    this.link?.send({ t: 'abort', code, reason });
    process.exit(code);
  }

  /**
   * Ends this rank because another rank failed (ERR_PROC_FAILED): the launcher names
   * the rank that failed first, which it learns a moment later from that rank's exit,
   * and stops this one. Printing here would only add a vaguer second line per rank
   * (a reset connection, say). Should the launcher not stop it, it exits by itself,
   * printing `reason`. Never resolves.
   */
  failForPeer(reason: string): Promise<never> {
    if (!this.link) {
      process.stderr.write(`[rank ${this.world.rank}] ${reason}\n`);
      process.exit(1);
    }
    if (!this.failingForPeer) {
      this.failingForPeer = true;
      this.link.send({ t: 'abort', code: 1, reason, consequence: true });
      setTimeout(() => {
        process.stderr.write(`[rank ${this.world.rank}] ${reason}\n`);
        process.exit(1);
      }, UNSTOPPED_EXIT_MS);
    }
    return new Promise<never>(() => {});
  }

  /**
   * Ends this rank for an error in the program (`prefix` says how it surfaced): prints
   * it with the program's own stack frames, tells tsmpiexec, which ends the job naming
   * this rank and the error, and exits. Another rank's failure goes to failForPeer.
   * Never resolves.
   */
  failWith(err: unknown, prefix = ''): Promise<never> {
    if (isPeerFailure(err)) return this.failForPeer(firstLine(err));
    process.stderr.write(`[rank ${this.world.rank}] ${prefix}${errorText(err)}\n`);
    this.reportError(firstLine(err), () => process.exit(1));
    return new Promise<never>(() => {});
  }

  /** Tells the launcher why this rank is about to fail (first line of the error). */
  reportError(message: string, then: () => void): void {
    if (!this.link) {
      then();
      return;
    }
    this.link.send({ t: 'error', message }, then);
    setTimeout(then, 500).unref();
  }
}

/**
 * Makes sure the job directory for Unix sockets exists, is a real directory (not a
 * symlink) of ours, and is private (0700). On other hosts the first rank creates it;
 * a directory someone else prepared is refused rather than trusted.
 */
function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw mpiError('ERR_OTHER', `job directory ${dir} is not a private directory of this user; refusing to use it`);
  }
}

/** Where rank `rank` listens in the job directory `dir` of its host. */
function socketOf(dir: string, rank: number): string {
  return join(dir, `r${rank}.sock`);
}

/**
 * However this process exits (finalize, abort, an error, process.exit), its socket goes,
 * and the job directory with it once it is empty: the last rank out on a host removes
 * it. (On this host the launcher removes its own directory; over ssh and srun nothing
 * else would.) A rank killed by a signal cannot remove its own socket, so the ranks that
 * outlive it remove the sockets of ranks announced dead (`deadRanks`), if on this host.
 */
function leaveNothingBehind(dir: string, socket: string, deadRanks: ReadonlySet<number>): void {
  process.on('exit', () => {
    rmSync(socket, { force: true });
    for (const rank of deadRanks) rmSync(socketOf(dir, rank), { force: true });
    try {
      rmdirSync(dir);
    } catch {
      /* other ranks' sockets (or the launcher's files) are still there */
    }
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function readLaunchInfo(): LaunchInfo | null {
  const env = process.env;
  if (env.TSMPI_RANK === undefined || !env.TSMPI_COORD) return null;
  const secret = env.TSMPI_SECRET ?? '';
  const tls = env.TSMPI_TLS_KEY && env.TSMPI_TLS_CERT ? { key: fromBase64(env.TSMPI_TLS_KEY), cert: fromBase64(env.TSMPI_TLS_CERT) } : null;
  // The secret and the TLS key are not for the user's program or anything it spawns.
  delete env.TSMPI_SECRET;
  delete env.TSMPI_TLS_KEY;
  delete env.TSMPI_TLS_CERT;
  const transport = env.TSMPI_TRANSPORT ?? 'auto';
  return {
    rank: Number(env.TSMPI_RANK),
    size: Number(env.TSMPI_SIZE),
    host: env.TSMPI_HOST ?? hostname(),
    coordinator: env.TSMPI_COORD,
    secret,
    jobDir: env.TSMPI_JOBDIR ?? null,
    useUnix: transport !== 'tcp',
    bindAddress: transport === 'tcp' || env.TSMPI_BIND ? (env.TSMPI_BIND ?? '127.0.0.1') : null,
    tls,
  };
}

function fromBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

/**
 * The launcher is gone (killed, or its host failed): nothing can complete any more, so
 * the rank exits, and removes the job directory the launcher can no longer remove.
 */
function lostLauncher(rank: number, jobDir: string | null): void {
  process.stderr.write(`tsmpi: rank ${rank} lost its connection to tsmpiexec; exiting\n`);
  if (jobDir) rmSync(jobDir, { recursive: true, force: true });
  process.exit(1);
}

let handlersInstalled = false;

/** An uncaught error on any rank ends the whole job, naming the rank and the error. */
function installFailureHandlers(rt: Runtime): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const fail = (kind: string) => (err: unknown) => void rt.failWith(err, `${kind}: `);
  process.on('uncaughtException', fail('uncaught exception'));
  process.on('unhandledRejection', fail('unhandled rejection'));
}

export const runtime = new Runtime();

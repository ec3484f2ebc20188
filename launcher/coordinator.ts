/**
 * The coordinator: one authenticated WebSocket server per job. It collects every
 * rank's addresses and hands out the table (wire-up), runs the finalize fence,
 * carries abort and failure news, and gathers hang reports.
 */
import type { WebSocket } from 'ws';
import { Listener, type TlsMaterial } from '../src/transport/listener.js';
import type { Connection } from '../src/transport/messageSource.js';
import type { CoordinatorToRank, RankToCoordinator } from '../src/runtime/protocol.js';
import type { PeerAddress } from '../src/transport/transport.js';

export interface CoordinatorEvents {
  /**
   * A rank called abort(code); `consequence` when it fails because another rank did
   * (see {@link RankToCoordinator}).
   */
  onAbort(rank: number, code: number, reason: string, consequence: boolean): void;
  /** A rank reported the error it is failing with. */
  onError(rank: number, message: string): void;
  /** A rank called init() (its hello arrived). */
  onInit(rank: number): void;
  /** A rank's link closed before it finalized. */
  onLinkLost(rank: number): void;
  /** A connection was refused (no or wrong secret, replay, silence). */
  onRefused(reason: string, remote: string): void;
}

export interface CoordinatorOptions {
  size: number;
  secret: string;
  unixPath?: string;
  tcpHost?: string;
  tls?: TlsMaterial;
  events: CoordinatorEvents;
}

export class Coordinator {
  private readonly links = new Map<number, WebSocket>();
  private readonly table: Array<PeerAddress | undefined>;
  private helloCount = 0;
  private readonly finalized = new Set<number>();
  private readonly inited = new Set<number>();
  private reportId = 0;
  private readonly reports = new Map<number, Map<number, string[]>>();

  private constructor(
    private readonly opts: CoordinatorOptions,
    readonly listener: Listener,
  ) {
    this.table = new Array(opts.size).fill(undefined);
  }

  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    const ref: { c: Coordinator | null } = { c: null };
    const listener = await Listener.start({
      secret: opts.secret,
      self: 'coordinator',
      unixPath: opts.unixPath,
      tcpHost: opts.tcpHost,
      tls: opts.tls,
      maxPayload: 64 << 20,
      onConnection: (conn, from) => ref.c!.accept(conn, from),
      onRefused: (reason, remote) => opts.events.onRefused(reason, remote),
    });
    ref.c = new Coordinator(opts, listener);
    return ref.c;
  }

  /** Whether `rank` completed wire-up (called init). */
  hasInited(rank: number): boolean {
    return this.inited.has(rank);
  }

  /** Whether every rank called init(), so that the address table went out. */
  wiredUp(): boolean {
    return this.helloCount === this.opts.size;
  }

  /** Whether `rank` finalized. */
  hasFinalized(rank: number): boolean {
    return this.finalized.has(rank);
  }

  private accept(conn: Connection, from: string): void {
    const ws = conn.ws;
    const rank = Number(from.slice(5));
    if (!from.startsWith('rank:') || !Number.isInteger(rank) || rank < 0 || rank >= this.opts.size || this.links.has(rank)) {
      this.opts.events.onRefused(`unexpected client ${JSON.stringify(from).slice(0, 40)}`, 'coordinator');
      ws.terminate();
      return;
    }
    this.links.set(rank, ws);
    conn.messages.listen(
      (data: Buffer) => {
        let msg: RankToCoordinator;
        try {
          msg = JSON.parse(data.toString('utf8')) as RankToCoordinator;
        } catch {
          return;
        }
        this.onMessage(rank, msg);
      },
      () => {},
    );
    ws.on('close', () => {
      if (!this.finalized.has(rank)) this.opts.events.onLinkLost(rank);
    });
    ws.on('error', () => {});
  }

  private onMessage(rank: number, msg: RankToCoordinator): void {
    switch (msg.t) {
      case 'hello':
        if (this.table[rank]) return;
        this.table[rank] = msg.address;
        this.inited.add(rank);
        this.opts.events.onInit(rank);
        if (++this.helloCount === this.opts.size) this.broadcast({ t: 'table', table: this.table as PeerAddress[] });
        break;
      case 'finalize':
        this.finalized.add(rank);
        if (this.finalized.size === this.opts.size) this.broadcast({ t: 'finalized' });
        break;
      case 'abort':
        this.opts.events.onAbort(rank, msg.code, msg.reason, msg.consequence === true);
        break;
      case 'error':
        this.opts.events.onError(rank, msg.message);
        break;
      case 'report':
        this.reports.get(msg.id)?.set(rank, msg.lines);
        break;
    }
  }

  /** Sends `msg` to every connected rank. */
  broadcast(msg: CoordinatorToRank): void {
    const text = JSON.stringify(msg);
    for (const ws of this.links.values()) ws.send(text);
  }

  /** Tells every other rank that `rank` failed, so operations waiting on it fail. */
  announceFailure(rank: number, reason: string): void {
    this.broadcast({ t: 'failed', rank, reason });
  }

  /** Asks every connected rank what it is waiting on; resolves after `waitMs` at most. */
  async collectReports(waitMs: number): Promise<Map<number, string[]>> {
    const id = ++this.reportId;
    const got = new Map<number, string[]>();
    this.reports.set(id, got);
    this.broadcast({ t: 'report', id });
    const deadline = Date.now() + waitMs;
    while (got.size < this.links.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.reports.delete(id);
    return got;
  }

  close(): void {
    for (const ws of this.links.values()) ws.terminate();
    this.listener.close();
  }
}

/**
 * Rank-to-rank byte transport: lazily opened, authenticated, ordered channels, exactly
 * one per pair of ranks.
 *
 * A rank may compute for as long as it likes before it communicates, so a connection
 * waits for a busy peer's answer as long as it takes, and an attempt that failed because
 * this rank was busy (the peer's listener gave up waiting for a handshake this process
 * had no turn to send) is made again; one that finds nobody listening is a lost peer.
 *
 * When two ranks connect to each other at the same time, the connection opened by the
 * lower rank wins. The higher rank therefore writes nothing on a connection it opened
 * until the lower rank confirms it with an Accept frame; frames written meanwhile wait
 * in the peer's queue and go out, in order, on whichever connection survives.
 */
import type { WebSocket } from 'ws';
import { Channel } from './channel.js';
import { connectAuthenticated, unrefSocket } from './connect.js';
import type { Connection } from './messageSource.js';
import { HEADER_BYTES, Kind, type Frame, type FrameFields } from './framing.js';
import { urlOf, type ListenAddresses, type Listener } from './listener.js';

/** Where a peer listens, and the host it runs on (same host → Unix socket). */
export interface PeerAddress extends ListenAddresses {
  host: string;
}

export interface TransportOptions {
  rank: number;
  /** Number of ranks in the job (known before the address table arrives). */
  size: number;
  secret: string;
  host: string;
  /** Use Unix sockets between ranks on one host (false forces TCP, for tests). */
  useUnix: boolean;
  maxPayload: number;
  /** The job's TLS certificate when TCP connections use TLS (`--tls`). */
  tlsCert?: string;
  listener: Listener;
  onFrame(peer: number, frame: Frame): void;
  /** Where the payload announced by `frame` should be read to, if the layer above has a place for it. */
  destinationFor?(peer: number, frame: Frame): Uint8Array | undefined;
  onPeerLost(peer: number, reason: string): void;
  /** An authenticated client that is not a peer, for the log. */
  onRefused?(reason: string): void;
}

type Pending = { fields: FrameFields; payload?: Uint8Array; done?: (err?: Error) => void };

/** The state of our link to one peer. */
class PeerLink {
  channel: Channel | null = null;
  /** A connection we opened and that the (lower) peer has not yet accepted. */
  outgoing: WebSocket | null = null;
  connecting = false;
  /** Connection attempts that failed in a way a busy peer explains, since the last success. */
  retries = 0;
  /** Why the last of them failed. */
  lastRetryReason = '';
  queue: Pending[] = [];
  lost: string | null = null;
}

/** The pause before the first new attempt, doubled for each one after it up to the maximum. */
const RETRY_FIRST_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 2000;

/**
 * Whether a failed connection attempt is what a busy rank causes: the connection was
 * reset or closed before the upgrade (the peer's listener gave up waiting for a
 * handshake this process had no turn to send). Nobody listening (ECONNREFUSED, a
 * missing socket file), an unreachable host and a failed proof are not.
 */
function isBusyPeerFailure(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(err.message);
}

export class Transport {
  private readonly links = new Map<number, PeerLink>();
  private table: PeerAddress[] = [];
  private closing = false;

  constructor(private readonly opts: TransportOptions) {}

  /** Sets the address table from wire-up; connections open lazily from then on. */
  setTable(table: PeerAddress[]): void {
    this.table = table;
  }

  /** Accepts an authenticated incoming connection from `from` (`rank:N`). */
  accept(conn: Connection, from: string): void {
    const ws = conn.ws;
    const peer = Number(from.slice(5));
    if (!from.startsWith('rank:') || !Number.isInteger(peer) || peer < 0 || peer >= this.opts.size || peer === this.opts.rank) {
      this.opts.onRefused?.(`client ${JSON.stringify(from).slice(0, 40)} is no rank of this job`);
      ws.terminate();
      return;
    }
    const link = this.link(peer);
    if (peer > this.opts.rank && (link.channel || link.connecting)) {
      // Our own connection to this higher rank wins; theirs carried no frames yet.
      ws.close(4001, 'superseded');
      return;
    }
    if (peer < this.opts.rank && link.outgoing) {
      link.outgoing.close(4001, 'superseded');
      link.outgoing = null;
    }
    link.connecting = false;
    this.open(peer, link, conn, { accept: peer > this.opts.rank });
  }

  /** Whether frames to `peer` travel over a Unix socket or TCP (for diagnostics). */
  kindOf(peer: number): 'self' | 'unix' | 'tcp' {
    if (peer === this.opts.rank) return 'self';
    const addr = this.table[peer];
    return this.sameHostUnix(addr) ? 'unix' : 'tcp';
  }

  /**
   * Writes one frame to `peer`, opening the channel on first use. Frames to one peer
   * leave in the order they were written. `done` runs once the payload may be reused.
   */
  write(peer: number, fields: FrameFields, payload?: Uint8Array, done?: (err?: Error) => void): void {
    const link = this.link(peer);
    if (link.lost) {
      done?.(new Error(link.lost));
      return;
    }
    if (link.channel && link.queue.length === 0) {
      link.channel.write(fields, payload, done);
      return;
    }
    link.queue.push({ fields, payload, done });
    if (!link.channel && !link.connecting) this.connect(peer, link);
  }

  /**
   * Peers this rank keeps trying to connect to, with how many attempts failed and why the
   * last did (for hang reports: a retry that never succeeds must not look like silence).
   */
  connectionsRetrying(): Array<{ peer: number; attempts: number; reason: string }> {
    const out: Array<{ peer: number; attempts: number; reason: string }> = [];
    for (const [peer, link] of this.links) {
      if (link.retries > 0 && !link.channel && !link.lost) out.push({ peer, attempts: link.retries, reason: link.lastRetryReason });
    }
    return out;
  }

  /** Closes every channel (at finalize). */
  close(): void {
    this.closing = true;
    for (const link of this.links.values()) {
      link.channel?.close();
      link.outgoing?.terminate();
    }
  }

  private link(peer: number): PeerLink {
    let link = this.links.get(peer);
    if (!link) {
      link = new PeerLink();
      this.links.set(peer, link);
    }
    return link;
  }

  private sameHostUnix(addr: PeerAddress | undefined): boolean {
    return !!addr && this.opts.useUnix && !!addr.unix && addr.host === this.opts.host;
  }

  private connect(peer: number, link: PeerLink): void {
    const addr = this.table[peer];
    if (!addr) {
      this.lose(peer, link, `no address for rank ${peer}`);
      return;
    }
    link.connecting = true;
    const url = urlOf(addr, this.sameHostUnix(addr));
    connectAuthenticated(url, {
      secret: this.opts.secret,
      from: `rank:${this.opts.rank}`,
      to: `rank:${peer}`,
      maxPayload: this.opts.maxPayload,
      tlsCert: this.opts.tlsCert,
      readDirectly: true,
      // A peer busy in its own code answers late, not never; one that died resets the connection.
      timeoutMs: 0,
    }).then(
      (conn) => this.connected(peer, link, conn),
      (err: Error) => {
        // A lost race is not a failure: the peer's own connection is on its way.
        if (link.channel || !link.connecting || this.closing) return;
        if (isBusyPeerFailure(err)) {
          link.lastRetryReason = err.message;
          this.retryLater(peer, link);
          return;
        }
        link.connecting = false;
        this.lose(peer, link, `cannot connect to rank ${peer} at ${url}: ${err.message}`);
      },
    );
  }

  /** Tries `peer` again after a pause that grows with the attempts (still `connecting` meanwhile). */
  private retryLater(peer: number, link: PeerLink): void {
    const delay = Math.min(RETRY_MAX_DELAY_MS, RETRY_FIRST_DELAY_MS * 2 ** link.retries);
    link.retries++;
    const timer = setTimeout(() => {
      // The peer's own connection may have arrived meanwhile (accept() opened the channel).
      if (link.channel || !link.connecting || this.closing || link.lost) return;
      this.connect(peer, link);
    }, delay);
    // Pending operations keep the process alive, not this timer.
    timer.unref();
  }

  private connected(peer: number, link: PeerLink, conn: Connection): void {
    const ws = conn.ws;
    if (link.channel || !link.connecting) {
      ws.close(4001, 'superseded');
      return;
    }
    link.retries = 0;
    if (peer > this.opts.rank) {
      link.connecting = false;
      this.open(peer, link, conn);
      return;
    }
    // We are the higher rank: nothing goes out until the lower rank's Accept arrives
    // (or its own connection replaces ours).
    link.outgoing = ws;
    ws.once('close', () => {
      if (link.outgoing === ws) link.outgoing = null;
    });
    let decided = false;
    const onFirst = (data: Buffer) => {
      // Only the first message decides; anything after a refusal is ignored until 'close'.
      if (decided) return;
      decided = true;
      if (link.outgoing !== ws) return;
      if (data.length < 1 || data[0] !== Kind.Accept) {
        ws.terminate();
        return;
      }
      link.outgoing = null;
      link.connecting = false;
      // Frames batched behind the Accept belong to the channel.
      this.open(peer, link, conn, { first: data.length > HEADER_BYTES ? data.subarray(HEADER_BYTES) : undefined });
    };
    conn.messages.listen(onFirst, () => ws.terminate());
  }

  /**
   * Makes `conn` the channel to `peer`: sends the Accept first if asked (it must be the
   * first frame the higher rank reads), then what waited in the link's queue, and only
   * then decodes `first` and the connection's messages, whose answers go out behind.
   */
  private open(peer: number, link: PeerLink, conn: Connection, opts: { accept?: boolean; first?: Buffer } = {}): void {
    const ws = conn.ws;
    unrefSocket(ws);
    const channel = new Channel(
      peer,
      ws,
      conn.messages,
      this.opts.maxPayload,
      (frame) => {
        if (frame.kind !== Kind.Accept) this.opts.onFrame(peer, frame);
      },
      (reason) => {
        if (link.channel?.ws !== ws) return;
        link.channel = null;
        if (!this.closing) this.lose(peer, link, reason);
      },
      (frame) => this.opts.destinationFor?.(peer, frame),
    );
    link.channel = channel;
    if (opts.accept) channel.write({ kind: Kind.Accept, src: this.opts.rank });
    this.drain(link);
    channel.start(opts.first);
  }

  private drain(link: PeerLink): void {
    const channel = link.channel;
    if (!channel) return;
    const queue = link.queue;
    link.queue = [];
    for (const p of queue) channel.write(p.fields, p.payload, p.done);
  }

  private lose(peer: number, link: PeerLink, reason: string): void {
    link.lost = reason;
    const queue = link.queue;
    link.queue = [];
    for (const p of queue) p.done?.(new Error(reason));
    this.opts.onPeerLost(peer, reason);
  }
}

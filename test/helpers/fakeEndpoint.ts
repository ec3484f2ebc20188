/**
 * An in-process world of p collective endpoints joined by FIFO queues keyed by
 * (source, dest, tag), for testing the collective algorithms without processes.
 *
 * - Values are copied on the way (structured clone; a typed array copies only its
 *   view, as the real transport sends only the view's bytes).
 * - `rendezvous: true` makes a send complete only once a receive matched it, and
 *   copies the data only then — like a large message — so an algorithm that awaits
 *   a send before posting the matching receive deadlocks, and one that modifies a
 *   buffer while its send is pending delivers the modified data.
 * - `delays: true` delivers each message after a random number of event-loop turns
 *   (still in order per queue), to shake out ordering assumptions.
 * - Counts messages and payload bytes per sending rank, and the number of rounds in
 *   the one-port model: each send takes its sender one time step past its clock,
 *   and a receive moves the receiver's clock up to the message's time. The largest
 *   clock at the end is the number of rounds of the algorithm's critical path.
 */
import { SENT, type CollEndpoint } from '../../src/coll/endpoint.js';
import { PROC_NULL } from '../../src/constants.js';

export interface FakeWorldOptions {
  /** Sends complete only when matched, and read their data then (default false: eager). */
  rendezvous?: boolean;
  /** Random delivery delays, in event-loop turns (default false). */
  delays?: boolean;
  /** Seed for the delays (default 1). */
  seed?: number;
}

export interface FakeWorld {
  readonly size: number;
  readonly endpoints: CollEndpoint[];
  /** Messages sent by each rank (PROC_NULL sends not counted). */
  readonly messages: number[];
  /** Payload bytes sent by each rank (typed arrays: their bytes; other values: a rough estimate). */
  readonly bytes: number[];
  /** Total messages sent. */
  totalMessages(): number;
  /** The longest chain of sends in the one-port model (see the file comment). */
  rounds(): number;
  /** Messages sent but not received, and receives posted but not matched, for a hang report. */
  pending(): string;
  /** Zeroes the counters and clocks. */
  resetStats(): void;
}

interface Message {
  readonly time: number;
  /** The data as sent (rendezvous: copied only when matched). */
  readonly data: unknown;
  readonly copy: unknown;
  readonly onMatched: () => void;
}

interface Waiter {
  readonly resolve: (value: unknown) => void;
}

class Channel {
  /** In send order; `ready` once its delay has passed. */
  readonly inFlight: Array<{ message: Message; ready: boolean }> = [];
  readonly arrived: Message[] = [];
  readonly waiters: Waiter[] = [];
}

export function makeWorld(size: number, options: FakeWorldOptions = {}): FakeWorld {
  const { rendezvous = false, delays = false } = options;
  const random = mulberry32(options.seed ?? 1);
  const channels = new Map<string, Channel>();
  const messages = new Array<number>(size).fill(0);
  const bytes = new Array<number>(size).fill(0);
  const clocks = new Array<number>(size).fill(0);

  const channelOf = (source: number, dest: number, tag: number): Channel => {
    const key = `${source}>${dest}#${tag}`;
    let channel = channels.get(key);
    if (!channel) channels.set(key, (channel = new Channel()));
    return channel;
  };

  const match = (message: Message, waiter: Waiter, dest: number): void => {
    clocks[dest] = Math.max(clocks[dest]!, message.time);
    message.onMatched();
    waiter.resolve(rendezvous ? copyForTransport(message.data) : message.copy);
  };

  const deliverReady = (channel: Channel, dest: number): void => {
    while (channel.inFlight[0]?.ready) {
      const { message } = channel.inFlight.shift()!;
      const waiter = channel.waiters.shift();
      if (waiter) match(message, waiter, dest);
      else channel.arrived.push(message);
    }
  };

  const checkPeer = (peer: number, what: string): void => {
    if (!Number.isInteger(peer) || peer < 0 || peer >= size) throw new Error(`fake endpoint: ${what} ${peer} out of range`);
  };

  const endpoint = (rank: number): CollEndpoint => ({
    rank,
    size,
    send(data: unknown, dest: number, tag: number): Promise<void> {
      if (dest === PROC_NULL) return Promise.resolve();
      checkPeer(dest, 'dest');
      messages[rank]!++;
      bytes[rank]! += payloadBytes(data);
      const time = ++clocks[rank]!;
      // Eager sends are complete at once and answer SENT, as the real endpoint's do.
      let matched = (): void => undefined;
      const sent = rendezvous ? new Promise<void>((resolveSend) => (matched = resolveSend)) : SENT;
      const message: Message = {
        time,
        data,
        copy: rendezvous ? undefined : copyForTransport(data),
        onMatched: () => matched(),
      };
      const channel = channelOf(rank, dest, tag);
      const entry = { message, ready: !delays };
      channel.inFlight.push(entry);
      if (delays) {
        afterTurns(Math.floor(random() * 4), () => {
          entry.ready = true;
          deliverReady(channel, dest);
        });
      } else {
        deliverReady(channel, dest);
      }
      return sent;
    },
    recv<T>(source: number, tag: number): Promise<T> {
      if (source === PROC_NULL) return Promise.resolve(undefined as T);
      checkPeer(source, 'source');
      const channel = channelOf(source, rank, tag);
      return new Promise<T>((resolve) => {
        const waiter: Waiter = { resolve: resolve as (value: unknown) => void };
        const message = channel.arrived.shift();
        if (message) match(message, waiter, rank);
        else channel.waiters.push(waiter);
      });
    },
  });

  const endpoints = Array.from({ length: size }, (_, rank) => endpoint(rank));
  return {
    size,
    endpoints,
    messages,
    bytes,
    totalMessages: () => messages.reduce((a, b) => a + b, 0),
    rounds: () => Math.max(0, ...clocks),
    pending: () => describePending(channels),
    resetStats: () => {
      messages.fill(0);
      bytes.fill(0);
      clocks.fill(0);
    },
  };
}

/**
 * Runs `body` on every rank of `world` at once and resolves their results in rank
 * order; rejects with a description of what is still pending when they do not all
 * finish within `timeoutMs` (a deadlock), or with the first rank's error.
 */
export async function runOnAll<R>(
  world: FakeWorld,
  body: (ep: CollEndpoint, rank: number) => Promise<R>,
  timeoutMs = 5000,
): Promise<R[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ranks did not finish in ${timeoutMs} ms:\n${world.pending()}`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(world.endpoints.map((ep) => body(ep, ep.rank))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Like the transport: a typed array travels as just its view's bytes; other values are structured-cloned. */
function copyForTransport(data: unknown): unknown {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    if (Buffer.isBuffer(data)) return Buffer.from(data);
    return (data as unknown as { slice(): unknown }).slice();
  }
  return structuredClone(data);
}

function payloadBytes(data: unknown): number {
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data === null || data === undefined) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(data, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '');
  } catch {
    return 0;
  }
}

function describePending(channels: Map<string, Channel>): string {
  const lines: string[] = [];
  for (const [key, channel] of channels) {
    const unreceived = channel.inFlight.length + channel.arrived.length;
    if (unreceived > 0) lines.push(`  ${key}: ${unreceived} message(s) not received`);
    if (channel.waiters.length > 0) lines.push(`  ${key}: ${channel.waiters.length} receive(s) waiting`);
  }
  return lines.join('\n') || '  nothing pending';
}

function afterTurns(turns: number, action: () => void): void {
  if (turns === 0) setImmediate(action);
  else setImmediate(() => afterTurns(turns - 1, action));
}

/** A small seeded PRNG so delay patterns are reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

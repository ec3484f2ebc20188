// Soak: every rank sends messages of random size (0 B – 8 MiB, mostly small) with
// random tags to random peers, and receives with ANY_SOURCE / ANY_TAG, for a while.
// Every message carries its sender, a per-(sender, receiver) sequence number and a
// checksum, so the receiver can tell lost, duplicated, corrupted and out-of-order
// messages apart. Run it under tsmpiexec:
//
//   tsmpiexec -n 8 test/soak/soak.ts [seconds=10] [seed=1] [warm-up seconds=8]
//
// The run has two phases with the same traffic: a warm-up (connections opened, code
// optimized, buffers and pools grown), then the measured phase of `seconds`. Each
// phase ends with a termination protocol: an alltoall tells every rank how many
// messages each peer sent it in that phase, and each rank keeps receiving until it has
// them all (or gives up after a drain timeout and reports the rest as lost). Between
// phases, and at the end, the ranks are quiet: RSS is measured there, after a GC, so
// "start" and "end" compare like with like.
//
// Rank 0 prints one line: SOAK {json} with the totals (all error counters must be 0)
// and every rank's RSS at launch, after the warm-up (start) and at the end.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { init, finalize, Request, Status, ANY_SOURCE, ANY_TAG, TAG_UB } from 'tsmpi';

const rssAtLaunch = process.memoryUsage().rss;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const seconds = Number(process.argv[2] ?? 10);
const seed = Number(process.argv[3] ?? 1) >>> 0;
const warmupSeconds = Number(process.argv[4] ?? 8);
const DRAIN_TIMEOUT_MS = 60_000;
const MAX_IN_FLIGHT = 16;
const MAX_IN_FLIGHT_BYTES = 24 << 20;
const MAGIC = 0x4b414f53; // "SOAK"
const HEADER = 24; // magic, src, seq, tag, byteLength, checksum: six u32 words

const world = await init();
const me = world.rank;
const n = world.size;

// ---- a seeded PRNG --------------------------------------------------------------------------

let s0 = (seed ^ Math.imul(me + 1, 0x9e3779b9)) >>> 0 || 1;
let s1 = (Math.imul(seed + 0x6d2b79f5, me + 7) ^ 0x85ebca6b) >>> 0 || 2;
function u32(): number {
  // xorshift64-ish on two words
  let x = s0;
  const y = s1;
  s0 = y;
  x ^= x << 23;
  x ^= x >>> 17;
  x ^= y ^ (y >>> 26);
  s1 = x >>> 0;
  return (s1 + y) >>> 0;
}
const uniform = () => u32() / 2 ** 32;
const between = (lo: number, hi: number) => lo + Math.floor(uniform() * (hi - lo + 1));

// ---- messages ------------------------------------------------------------------------------------

type Shape = 'empty' | 'object' | 'Uint8Array' | 'Int32Array' | 'Float64Array' | 'Buffer';

/** Skewed sizes: most messages are small, a few are large, up to 8 MiB. */
function pickSize(): { shape: Shape; bytes: number } {
  const r = uniform();
  if (r < 0.05) return { shape: 'empty', bytes: 0 };
  if (r < 0.25) return { shape: 'object', bytes: between(0, 4096) };
  let bytes: number;
  if (r < 0.8) bytes = between(HEADER, 4096);
  else if (r < 0.95) bytes = between(4096, 256 << 10);
  else if (r < 0.99) bytes = between(256 << 10, 2 << 20);
  else bytes = uniform() < 0.25 ? 8 << 20 : between(2 << 20, 8 << 20);
  const shape = (['Uint8Array', 'Int32Array', 'Float64Array', 'Buffer'] as const)[between(0, 3)]!;
  if (shape === 'Int32Array') bytes = Math.max(HEADER, bytes & ~3);
  if (shape === 'Float64Array') bytes = Math.max(HEADER, bytes & ~7);
  return { shape, bytes };
}

/** FNV-1a over 32-bit words of `bytes` (aligned), then the tail bytes. */
function checksum(bytes: Uint8Array, from: number): number {
  let h = 0x811c9dc5;
  let i = from;
  if (bytes.byteOffset % 4 !== 0) bytes = new Uint8Array(bytes); // an aligned copy
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  for (let w = i >>> 2; w < words.length; w++) h = Math.imul(h ^ words[w]!, 16777619);
  i = words.length * 4;
  for (; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}

function fillRandom(bytes: Uint8Array, from: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let x = u32() | 1;
  for (let w = from >>> 2; w < words.length; w++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[w] = x;
  }
  for (let i = words.length * 4; i < bytes.length; i++) bytes[i] = u32() & 255;
}

interface ObjectMessage {
  src: number;
  seq: number;
  tag: number;
  note: string;
  data: Uint8Array;
  hash: number;
}

function objectHash(m: Omit<ObjectMessage, 'hash'>): number {
  let h = checksum(m.data, 0);
  for (const v of [m.src, m.seq, m.tag, m.data.length]) h = Math.imul(h ^ v, 16777619);
  for (let i = 0; i < m.note.length; i++) h = Math.imul(h ^ m.note.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A message for `dest` carrying `seq`; the tag is random, except for empty messages (tag = seq). */
function makeMessage(seq: number): { data: unknown; tag: number; bytes: number } {
  const { shape, bytes } = pickSize();
  if (shape === 'empty') return { data: new Uint8Array(0), tag: seq % (TAG_UB + 1), bytes: 0 };
  const tag = between(0, 999);
  if (shape === 'object') {
    const data = new Uint8Array(bytes);
    if (bytes >= 4) fillRandom(data, 0);
    const m = { src: me, seq, tag, note: `from ${me} #${seq} ✓`, data };
    return { data: { ...m, hash: objectHash(m) }, tag, bytes };
  }
  const raw = new Uint8Array(bytes);
  fillRandom(raw, HEADER);
  const view = new DataView(raw.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, me, true);
  view.setUint32(8, seq, true);
  view.setUint32(12, tag, true);
  view.setUint32(16, bytes, true);
  view.setUint32(20, checksum(raw, HEADER), true);
  const data =
    shape === 'Uint8Array' ? raw
    : shape === 'Buffer' ? Buffer.from(raw.buffer, 0, bytes)
    : shape === 'Int32Array' ? new Int32Array(raw.buffer)
    : new Float64Array(raw.buffer);
  return { data, tag, bytes };
}

// ---- receiving and checking ---------------------------------------------------------------------

const stats = {
  sent: 0,
  sentBytes: 0,
  verified: 0,
  receivedBytes: 0,
  duplicated: 0,
  corrupted: 0,
  outOfOrder: 0,
  /** Messages found waiting after a phase was drained (beyond what the alltoall announced, or duplicates). */
  late: 0,
  largest: 0,
  byShape: {} as Record<string, number>,
};
/**
 * Per source: the next sequence number in order (one past the largest seen), every
 * number below `low` has arrived, and `ahead` holds those above `low` that arrived
 * early. In order, `ahead` stays empty, so the bookkeeping costs no memory over time.
 */
const nextSeq = new Array<number>(n).fill(0);
const low = new Array<number>(n).fill(0);
const ahead: Array<Set<number>> = Array.from({ length: n }, () => new Set());
/** Per source: distinct messages received (all phases), and expected (from the alltoalls). */
const receivedFrom = new Array<number>(n).fill(0);
const expectedFrom = new Array<number>(n).fill(0);
/** Per destination: messages sent so far. */
const sentTo = new Array<number>(n).fill(0);
const corruptions: string[] = [];

function corrupt(why: string): void {
  stats.corrupted++;
  if (corruptions.length < 5) corruptions.push(why);
}

function check(value: unknown, status: Status): void {
  const source = status.source;
  let seq: number;
  let bytes = 0;
  if (value instanceof Uint8Array && value.byteLength === 0) {
    seq = status.tag; // empty messages carry their sequence number in the tag
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const raw = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    bytes = raw.byteLength;
    if (bytes < HEADER) return corrupt(`${bytes}-byte typed array from ${source}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    seq = view.getUint32(8, true);
    if (view.getUint32(0, true) !== MAGIC) return corrupt(`bad magic from ${source}`);
    if (view.getUint32(4, true) !== source) return corrupt(`message says it is from ${view.getUint32(4, true)}, status says ${source}`);
    if (view.getUint32(12, true) !== status.tag) return corrupt(`tag ${status.tag}, message says ${view.getUint32(12, true)}`);
    if (view.getUint32(16, true) !== bytes) return corrupt(`${bytes} bytes, message says ${view.getUint32(16, true)}`);
    if (view.getUint32(20, true) !== checksum(raw, HEADER)) return corrupt(`checksum mismatch from ${source} seq ${seq} (${bytes} bytes)`);
    if (status.bytes !== bytes) return corrupt(`status.bytes ${status.bytes} for ${bytes} bytes`);
    const name = value.constructor.name;
    stats.byShape[name] = (stats.byShape[name] ?? 0) + 1;
  } else if (value !== null && typeof value === 'object' && 'hash' in value) {
    const m = value as ObjectMessage;
    seq = m.seq;
    bytes = m.data?.byteLength ?? 0;
    if (!(m.data instanceof Uint8Array) || m.hash !== objectHash(m)) return corrupt(`object hash mismatch from ${source}`);
    if (m.src !== source || m.tag !== status.tag) return corrupt(`object from ${m.src}/${m.tag}, status ${source}/${status.tag}`);
    stats.byShape.object = (stats.byShape.object ?? 0) + 1;
  } else {
    return corrupt(`unexpected value ${typeof value} from ${source}`);
  }
  if (seq < low[source]! || ahead[source]!.has(seq)) {
    stats.duplicated++;
    return;
  }
  receivedFrom[source]!++;
  if (seq !== nextSeq[source]) stats.outOfOrder++;
  nextSeq[source] = Math.max(nextSeq[source]!, seq + 1);
  if (seq === low[source]) {
    low[source]!++;
    while (ahead[source]!.delete(low[source]!)) low[source]!++;
  } else {
    ahead[source]!.add(seq);
  }
  stats.verified++;
  stats.receivedBytes += bytes;
  stats.largest = Math.max(stats.largest, bytes);
}

/** One receive at a time, ANY_SOURCE / ANY_TAG, until cancelled. */
function startReceiving(onMessage: () => void): { stop(): Promise<void> } {
  let current: Request<unknown> | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const status = new Status();
      current = world.irecv(ANY_SOURCE, ANY_TAG);
      const value = await current.wait(status);
      if (status.cancelled) break;
      check(value, status);
      onMessage();
    }
  })();
  return {
    async stop() {
      stopped = true;
      current?.cancel();
      await loop;
    },
  };
}

// ---- one phase ----------------------------------------------------------------------------------------

async function phase(durationS: number): Promise<{ drained: boolean }> {
  const target = () => expectedFrom.every((e, s) => receivedFrom[s]! >= e);
  let wake: (() => void) | null = null;
  const receiver = startReceiving(() => {
    if (wake && target()) wake();
  });
  const sentThisPhase = new Array<number>(n).fill(0);
  const inFlight: Array<{ req: Request<void>; bytes: number }> = [];
  let inFlightBytes = 0;
  const deadline = Date.now() + durationS * 1000;
  while (Date.now() < deadline) {
    const dest = uniform() < 0.05 ? me : between(0, n - 1);
    const seq = sentTo[dest]!;
    const m = makeMessage(seq);
    inFlight.push({ req: world.isend(m.data, dest, m.tag), bytes: m.bytes });
    inFlightBytes += m.bytes;
    sentTo[dest]!++;
    sentThisPhase[dest]!++;
    stats.sent++;
    stats.sentBytes += m.bytes;
    while (inFlight.length >= MAX_IN_FLIGHT || inFlightBytes > MAX_IN_FLIGHT_BYTES) {
      const oldest = inFlight.shift()!;
      await oldest.req;
      inFlightBytes -= oldest.bytes;
    }
    // Let receives run now and then even when every send completes at once.
    if (stats.sent % 32 === 0) await new Promise((r) => setImmediate(r));
  }
  // Termination: how many did each peer send me in this phase?
  const counts = await world.alltoall(sentThisPhase);
  counts.forEach((c, s) => (expectedFrom[s]! += c));
  let drained = target();
  if (!drained) {
    drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
  await Request.waitall(inFlight.map((f) => f.req));
  await world.barrier();
  // Everyone has everything it expected: anything more that arrives is extra.
  await new Promise((r) => setTimeout(r, 50));
  await world.barrier();
  await receiver.stop();
  while (world.iprobe(ANY_SOURCE, ANY_TAG)) {
    const status = new Status();
    const value = await world.recv(ANY_SOURCE, ANY_TAG, status);
    stats.late++;
    check(value, status);
  }
  return { drained };
}

/** RSS at a quiet moment: every rank idle, after a full GC. */
async function quietMemory(): Promise<NodeJS.MemoryUsage> {
  await world.barrier();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const usage = process.memoryUsage();
  await world.barrier();
  return usage;
}

// ---- the run ------------------------------------------------------------------------------------------

const started = Date.now();
const warm = await phase(warmupSeconds);
const afterWarmup = { ...stats, byShape: { ...stats.byShape } };
const memStart = await quietMemory();
const t0 = Date.now();
// The measured phase runs in two halves with a quiet point between them: a rank whose
// allocator had not yet reached its working size at the first point shows it by the
// second, while memory that tsmpi keeps grows in both halves.
const firstHalf = await phase(seconds / 2);
const memMid = await quietMemory();
const secondHalf = await phase(seconds / 2);
const main = { drained: firstHalf.drained && secondHalf.drained };
const measuredS = (Date.now() - t0) / 1000;
const memEnd = await quietMemory();
const steadyBase = Math.max(memStart.rss, memMid.rss);

const mine = {
  rank: me,
  stats,
  lost: expectedFrom.reduce((sum, e, s) => sum + Math.max(0, e - receivedFrom[s]!), 0),
  // Distinct messages beyond what the senders say they sent.
  extra: expectedFrom.reduce((sum, e, s) => sum + Math.max(0, receivedFrom[s]! - e), 0),
  drained: warm.drained && main.drained,
  corruptions,
  mainPhase: { sent: stats.sent - afterWarmup.sent, bytes: stats.sentBytes - afterWarmup.sentBytes },
  rss: {
    launchMB: rssAtLaunch / 2 ** 20,
    startMB: memStart.rss / 2 ** 20,
    endMB: memEnd.rss / 2 ** 20,
    growthPct: ((memEnd.rss - memStart.rss) / memStart.rss) * 100,
    midMB: memMid.rss / 2 ** 20,
    steadyGrowthPct: ((memEnd.rss - steadyBase) / steadyBase) * 100,
    heapUsedStartMB: memStart.heapUsed / 2 ** 20,
    heapUsedEndMB: memEnd.heapUsed / 2 ** 20,
    externalStartMB: memStart.external / 2 ** 20,
    externalEndMB: memEnd.external / 2 ** 20,
    heapTotalStartMB: memStart.heapTotal / 2 ** 20,
    heapTotalEndMB: memEnd.heapTotal / 2 ** 20,
    peakMB: process.resourceUsage().maxRSS / 1024,
  },
};
const all = await world.gather(mine, 0);
if (all) {
  const sum = (f: (x: typeof mine) => number) => all.reduce((a, x) => a + f(x), 0);
  const round = (x: number) => Math.round(x * 10) / 10;
  const byShape: Record<string, number> = {};
  for (const x of all) for (const [k, v] of Object.entries(x.stats.byShape)) byShape[k] = (byShape[k] ?? 0) + v;
  const mainMessages = sum((x) => x.mainPhase.sent);
  const mainBytes = sum((x) => x.mainPhase.bytes);
  console.log(
    'SOAK ' +
      JSON.stringify({
        ranks: n,
        seconds,
        warmupSeconds,
        seed,
        totalSeconds: round((Date.now() - started) / 1000),
        sent: sum((x) => x.stats.sent),
        verified: sum((x) => x.stats.verified),
        lost: sum((x) => x.lost),
        duplicated: sum((x) => x.stats.duplicated),
        corrupted: sum((x) => x.stats.corrupted),
        outOfOrder: sum((x) => x.stats.outOfOrder),
        extra: sum((x) => x.extra),
        late: sum((x) => x.stats.late),
        drained: all.every((x) => x.drained),
        bytes: sum((x) => x.stats.receivedBytes),
        largestBytes: Math.max(...all.map((x) => x.stats.largest)),
        byShape,
        measuredPhase: {
          seconds: round(measuredS),
          messages: mainMessages,
          messagesPerSecond: Math.round(mainMessages / measuredS),
          MBPerSecond: round(mainBytes / 2 ** 20 / measuredS),
        },
        corruptions: all.flatMap((x) => x.corruptions).slice(0, 5),
        rss: all.map((x) => ({
          rank: x.rank,
          launchMB: round(x.rss.launchMB),
          startMB: round(x.rss.startMB),
          endMB: round(x.rss.endMB),
          growthPct: round(x.rss.growthPct),
          midMB: round(x.rss.midMB),
          steadyGrowthPct: round(x.rss.steadyGrowthPct),
          heapMB: [round(x.rss.heapUsedStartMB), round(x.rss.heapUsedEndMB)],
          externalMB: [round(x.rss.externalStartMB), round(x.rss.externalEndMB)],
          heapTotalMB: [round(x.rss.heapTotalStartMB), round(x.rss.heapTotalEndMB)],
          peakMB: round(x.rss.peakMB),
        })),
        maxRssGrowthPct: round(Math.max(...all.map((x) => x.rss.growthPct))),
        maxSteadyRssGrowthPct: round(Math.max(...all.map((x) => x.rss.steadyGrowthPct))),
      }),
  );
}
await finalize();

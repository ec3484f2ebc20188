// End-to-end checks of every collective, the reduction operators and communicator
// management, run under tsmpiexec at several sizes. Every rank checks its own results
// against a serial computation; rank 0 prints "ok <check>" once a check passed on every
// rank. A failure throws, which ends the job with a non-zero status.
//
//   node bin/tsmpiexec.js -n 5 test/programs/coll-suite.ts
import {
  init,
  finalize,
  messageStats,
  Op,
  SUM,
  PROD,
  MAX,
  MIN,
  LAND,
  LOR,
  LXOR,
  BAND,
  BOR,
  BXOR,
  MAXLOC,
  MINLOC,
  REPLACE,
  NO_OP,
  UNDEFINED,
  ANY_SOURCE,
  ANY_TAG,
  type Comm,
  type TypedArray,
} from 'tsmpi';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ALLGATHERV_INLINE_MAX_BYTES,
  ALLREDUCE_RABENSEIFNER_MIN_BYTES,
  ALLREDUCE_RING_MIN_BYTES,
  ALLTOALL_BRUCK_MAX_ITEM_BYTES,
  ALLTOALL_BRUCK_MIN_RANKS,
  REDUCE_SCATTER_RING_MIN_BYTES,
  SCAN_LINEAR_MIN_BYTES,
} from '../../src/coll/thresholds.js';
import { sameValue, sampleValues } from './values.js';
import { check, same, show, errorClassOf, expectError, done } from './harness.js';

const world = await init();
// Check bookkeeping (and message-count sums) runs on its own communicator.
const control = await world.dup();
const me = world.rank;

// ---- helpers ------------------------------------------------------------------------

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const ceilLog2 = (p: number): number => {
  let k = 0;
  while (2 ** k < p) k++;
  return k;
};

/**
 * Runs `fn` and counts the messages this rank sent during it; `total` sums them over
 * the communicator on the control communicator, after the local count was taken, so
 * the sum's own messages are not counted.
 */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; mine: number; total: number }> {
  const before = messageStats().messagesSent;
  const result = await fn();
  const mine = messageStats().messagesSent - before;
  const total = await control.allreduce(mine);
  return { result, mine, total };
}

type TypedCtor = { new (length: number): TypedArray; name: string };

/** A typed array of `ctor` with element i = f(i) (converted to bigint for bigint arrays). */
function typed(ctor: TypedCtor, n: number, f: (i: number) => number): TypedArray {
  const out = new ctor(n);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < n; i++) (out as unknown as Record<number, number | bigint>)[i] = big ? BigInt(f(i)) : f(i);
  return out;
}

function concat(ctor: TypedCtor, parts: TypedArray[]): TypedArray {
  const out = new ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    (out as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(part as ArrayLike<number>, at);
    at += part.length;
  }
  return out;
}

// ---- values ---------------------------------------------------------------------------

type Kind = 'number' | 'object' | 'typed';
const KINDS: Kind[] = ['number', 'object', 'typed'];

/** The value rank `r` contributes for salt `s` (deterministic, so every rank can compute any rank's). */
function value(kind: Kind, r: number, s: number): unknown {
  switch (kind) {
    case 'number':
      return r * 7 + s + 0.25;
    case 'object':
      return {
        rank: r,
        s,
        name: `rank ${r} ✓`,
        nested: { list: [r, [s, null]], map: new Map([['r', r]]), set: new Set([s]), when: new Date(1e12 + r) },
        big: BigInt(r) << 70n,
        f32: new Float32Array([r, 0.5]),
        nan: NaN,
        negZero: -0,
        missing: undefined,
      };
    case 'typed': {
      // Types and lengths differ between ranks (zero length included).
      const n = ((r + s) % 4) * 3;
      const ctors: TypedCtor[] = [Float64Array, Int16Array, BigInt64Array, Uint8Array];
      return typed(ctors[(r + 2 * s) % ctors.length]!, n, (i) => (r * 5 + i + s) % 120);
    }
  }
}

/** Appends lists and strings: associative but not commutative, so rank order shows. */
const CONCAT = Op.create(
  (a: { ranks: number[]; text: string }, b: { ranks: number[]; text: string }) => ({
    ranks: [...a.ranks, ...b.ranks],
    text: a.text + b.text,
  }),
  false,
);

/** What rank `r` contributes to a reduction of `kind` (same shape on every rank). */
function redValue(kind: Kind, r: number, s: number): unknown {
  switch (kind) {
    case 'number':
      return r * 7 + s;
    case 'object':
      return { ranks: [r], text: `<${r + s}>` };
    case 'typed':
      return Int32Array.from({ length: 5 }, (_, i) => r * (i + 1) + s - i);
  }
}

function redOp(kind: Kind): Op {
  return kind === 'object' ? CONCAT : SUM;
}

/** The reduction of the values of `ranks`, computed serially without the library's ops. */
function serial(kind: Kind, ranks: number[], s: number): unknown {
  switch (kind) {
    case 'number':
      return ranks.reduce((acc, r) => acc + (redValue(kind, r, s) as number), 0);
    case 'object':
      return { ranks: [...ranks], text: ranks.map((r) => `<${r + s}>`).join('') };
    case 'typed': {
      const out = new Int32Array(5);
      for (const r of ranks) (redValue(kind, r, s) as Int32Array).forEach((x, i) => (out[i] += x));
      return out;
    }
  }
}

// Element values of the typed-array (v) collectives: small integers every type holds.
const elem = (src: number, i: number): number => (src * 37 + i * 3) % 251;
const V_TYPES: TypedCtor[] = [Float64Array, Int32Array, Uint16Array, BigInt64Array, Uint8Array, Float32Array];

/** Count patterns for size ranks: uneven with zeros, all zero, only one rank, all non-zero. */
function countPatterns(size: number, s: number): number[][] {
  return [
    range(size).map((r) => (r * 3 + s) % 4),
    range(size).map(() => 0),
    range(size).map((r) => (r === s % size ? 5 : 0)),
    range(size).map((r) => 1 + ((r + s) % 3)),
  ];
}

// ---- every collective on one communicator -----------------------------------------------

async function everyCollective(comm: Comm, s0: number, label: string): Promise<void> {
  const { rank, size } = comm;
  const all = range(size);
  await comm.barrier();
  for (const [k, kind] of KINDS.entries()) {
    const s = s0 + k;
    const what = (op: string, root?: number): string => `${label} ${op} of ${kind}${root === undefined ? '' : ` root ${root}`}`;
    for (let root = 0; root < size; root++) {
      const sr = s + root * 10;
      // Non-roots pass something else, which must be ignored.
      same(await comm.bcast(rank === root ? value(kind, root, sr) : 'not me', root), value(kind, root, sr), what('bcast', root));
      same(
        await comm.gather(value(kind, rank, sr), root),
        rank === root ? all.map((r) => value(kind, r, sr)) : null,
        what('gather', root),
      );
      same(
        await comm.scatter(rank === root ? all.map((r) => value(kind, r, sr + 1)) : null, root),
        value(kind, rank, sr + 1),
        what('scatter', root),
      );
      same(
        await comm.reduce(redValue(kind, rank, sr), redOp(kind), root),
        rank === root ? serial(kind, all, sr) : null,
        what('reduce', root),
      );
    }
    same(await comm.allgather(value(kind, rank, s)), all.map((r) => value(kind, r, s)), what('allgather'));
    // Item d of rank r is value(r, s + 100 d), so rank d expects value(src, s + 100 d) from each src.
    same(
      await comm.alltoall(all.map((d) => value(kind, rank, s + 100 * d))),
      all.map((src) => value(kind, src, s + 100 * rank)),
      what('alltoall'),
    );
    same(await comm.allreduce(redValue(kind, rank, s), redOp(kind)), serial(kind, all, s), what('allreduce'));
    same(await comm.scan(redValue(kind, rank, s), redOp(kind)), serial(kind, all.slice(0, rank + 1), s), what('scan'));
    same(
      await comm.exscan(redValue(kind, rank, s), redOp(kind)),
      rank === 0 ? null : serial(kind, all.slice(0, rank), s),
      what('exscan'),
    );
  }

  // Typed-array collectives, uneven and zero counts, every root.
  for (let root = 0; root < size; root++) {
    const ctor = V_TYPES[(root + s0) % V_TYPES.length]!;
    const patterns = root === size - 1 ? countPatterns(size, root + s0) : countPatterns(size, root + s0).slice(0, 1);
    for (const counts of patterns) {
      const what = (op: string): string => `${label} ${op} of ${ctor.name} counts [${counts}] root ${root}`;
      const mine = typed(ctor, counts[rank]!, (i) => elem(rank, i));
      const whole = concat(ctor, all.map((r) => typed(ctor, counts[r]!, (i) => elem(r, i))));
      same(await comm.gatherv(mine, root), rank === root ? whole : null, what('gatherv'));
      same(await comm.scatterv(rank === root ? whole : null, counts, root), mine, what('scatterv'));
    }
  }
  for (const [p, counts] of countPatterns(size, s0).entries()) {
    const ctor = V_TYPES[(p + s0) % V_TYPES.length]!;
    const what = (op: string): string => `${label} ${op} of ${ctor.name} counts [${counts}]`;
    // allgatherv: block r has counts[r] elements.
    const mine = typed(ctor, counts[rank]!, (i) => elem(rank, i));
    const whole = concat(ctor, all.map((r) => typed(ctor, counts[r]!, (i) => elem(r, i))));
    same(await comm.allgatherv(mine), whole, what('allgatherv'));
    // alltoallv: rank src sends (src + 2 d + p) % 3 elements to rank d (or the pattern's counts).
    const sendCount = (src: number, d: number): number => (p === 1 ? 0 : p === 2 ? counts[d]! : (src + 2 * d + p) % 3);
    const item = (src: number, d: number, i: number): number => (src * 16 + d * 3 + i) % 251;
    const sendCounts = all.map((d) => sendCount(rank, d));
    const send = concat(ctor, all.map((d) => typed(ctor, sendCount(rank, d), (i) => item(rank, d, i))));
    const expected = concat(ctor, all.map((src) => typed(ctor, sendCount(src, rank), (i) => item(src, rank, i))));
    same(await comm.alltoallv(send, sendCounts), expected, what('alltoallv'));
    // reduceScatter: SUM of elem(r, j) over every rank r, block `rank` of the result.
    const total = counts.reduce((a, b) => a + b, 0);
    const offset = counts.slice(0, rank).reduce((a, b) => a + b, 0);
    const data = typed(Float64Array, total, (j) => elem(rank, j));
    const want = typed(Float64Array, counts[rank]!, (i) => all.reduce((acc, r) => acc + elem(r, offset + i), 0));
    same(await comm.reduceScatter(data, counts, SUM), want, what('reduceScatter SUM'));
    const ints = typed(Int32Array, total, (j) => elem(rank, j) - 100);
    const wantMax = typed(Int32Array, counts[rank]!, (i) => Math.max(...all.map((r) => elem(r, offset + i) - 100)));
    same(await comm.reduceScatter(ints, counts, MAX), wantMax, what('reduceScatter MAX'));
  }

  // Typed arrays as plain values of every element type through the generic collectives.
  for (const ctor of V_TYPES) {
    const mine = typed(ctor, 3, (i) => elem(rank, i));
    same(await comm.allgather(mine), all.map((r) => typed(ctor, 3, (i) => elem(r, i))), `${label} allgather of ${ctor.name}`);
  }
  same(await comm.allgather(Buffer.from(`b${rank}`)), all.map((r) => Buffer.from(`b${r}`)), `${label} allgather of Buffers`);
}

async function collectivesOn(label: string, make: () => Promise<Comm | null>, s0: number): Promise<void> {
  const comm = await make();
  if (comm) await everyCollective(comm, s0, `${label} (size ${comm.size}, rank ${comm.rank})`);
  await done(control, `every collective × every root × every value kind on ${label}`);
}

// The split sizes: together with the world sizes the tests run (1 2 3 4 5 7 8 9 16),
// "rank < k" splits give communicators of every size 1…10 and 16.
const K_FOR: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 1, 5: 2, 7: 6, 8: 3, 9: 4, 16: 6 };
const k = K_FOR[world.size] ?? Math.ceil(world.size / 2);

async function everyValueBcast(): Promise<void> {
  // Every kind of value API.md lists, from a root that moves round.
  const samples = sampleValues();
  for (const [i, [name, v]] of samples.entries()) {
    const root = i % world.size;
    const got = await world.bcast(world.rank === root ? v : undefined, root);
    check(sameValue(got, v), `bcast of ${name} from ${root} arrived as ${show(got)}`);
  }
  await done(control, 'bcast of every value kind');
}

// ---- communicators --------------------------------------------------------------------

/**
 * Communicators created together (not awaited in turn) each get their own traffic, also
 * when the ranks involved have created different numbers of communicators before and
 * when the creations run on different, overlapping communicators.
 */
async function concurrentCreations(): Promise<void> {
  const half = (await world.split(me % 2))!;
  if (me % 2 === 1) for (let i = 0; i < 3; i++) (await half.dup()).free();
  const [d1, d2, s1, wd, hd] = await Promise.all([world.dup(), world.dup(), world.split(0), world.dup(), half.dup()]);
  const mine = [world, half, d1, d2, s1!, wd, hd];
  // The context id is internal (not in the declarations users see).
  const contextOf = (c: Comm) => (c as unknown as { context: number }).context;
  check(new Set(mine.map(contextOf)).size === mine.length, `contexts ${mine.map(contextOf).join(' ')} are not distinct`);
  const named = [['d1', d1], ['d2', d2], ['s1', s1!], ['wd', wd], ['hd', hd]] as const;
  // Sent in the reverse order of creation, received in order: each receive must find its own.
  const sends = [...named].reverse().map(([name, c]) => c.send(name, (c.rank + 1) % c.size, 9));
  for (const [name, c] of named) same(await c.recv((c.rank - 1 + c.size) % c.size, 9), name, `receive on ${name}`);
  await Promise.all(sends);
  for (const c of [half, d1, d2, s1!, wd, hd]) c.free();
  // Ids are never reused, so a freed communicator must not stay reachable from the runtime.
  const freed = await (async () => {
    const c = await world.dup();
    c.free();
    return new WeakRef(c);
  })();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 5 && freed.deref(); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  check(freed.deref() === undefined, 'a freed communicator is still reachable');
}

async function communicators(): Promise<void> {
  const { rank, size } = world;
  // split with a key that reverses the order, and UNDEFINED on every third rank.
  const color = rank % 3 === 0 ? UNDEFINED : rank % 2;
  const part = await world.split(color, -rank);
  if (color === UNDEFINED) {
    check(part === null, 'split with UNDEFINED gave a communicator');
  } else {
    const members = range(size).filter((r) => r % 3 !== 0 && r % 2 === color).reverse();
    check(part !== null && part.size === members.length, `split size ${part?.size}, expected ${members.length}`);
    check(part.rank === members.indexOf(rank), `split rank ${part.rank}, expected ${members.indexOf(rank)}`);
    same(await part.allgather(rank), members, 'split members in key order');
    part.free();
  }
  // splitType('shared'): every rank of this job runs on one host.
  const shared = await world.splitType('shared');
  check(shared.size === size && shared.rank === rank, `splitType shared gave rank ${shared.rank} of ${shared.size}`);
  same(await shared.allreduce(1), size, 'allreduce on the shared communicator');

  // Traffic isolation: the same tag on world and on a dup, and a collective between a
  // point-to-point send and its receive.
  const dup = await world.dup();
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;
  const sends = [world.send('on world', next, 5), dup.send('on dup', next, 5)];
  same(await dup.recv(prev, 5), 'on dup', 'dup receive');
  same(await world.bcast(rank === 0 ? 'collective' : null, 0), 'collective', 'bcast between a send and its receive');
  same(await world.recv(prev), 'on world', 'world receive after a collective');
  await Promise.all(sends);
  // Collectives on world and its dup in flight at once, started in a different order
  // relative to each other than they complete.
  const a = world.allreduce(rank, SUM);
  const b = dup.allreduce(rank * 2, SUM);
  const c = world.bcast(rank === size - 1 ? 'last' : null, size - 1);
  same(await b, size * (size - 1), 'dup allreduce');
  same(await c, 'last', 'world bcast');
  same(await a, (size * (size - 1)) / 2, 'world allreduce');
  // A wildcard point-to-point receive posted before collectives never takes their messages.
  const wildcard = world.irecv(ANY_SOURCE, ANY_TAG);
  same(await world.allreduce(Float64Array.of(rank), SUM), Float64Array.of((size * (size - 1)) / 2), 'allreduce under a wildcard receive');
  same(await world.allgather(rank), range(size), 'allgather under a wildcard receive');
  await world.barrier();
  check(!wildcard.test()[0], 'a wildcard receive matched collective traffic');
  await control.barrier(); // every rank has looked before any rank sends the message it is for
  const poke = world.send({ poke: rank }, next, 77);
  same(await wildcard, { poke: prev }, 'the wildcard receive gets the point-to-point message');
  await poke;
  // Equal keys keep the parent's rank order.
  same(await (await world.split(0, 0))!.allgather(rank), range(size), 'split with equal keys');
  // A dup of a split of a dup.
  const deep = await (await (await world.dup()).split(rank % 2))!.dup();
  same(await deep.allgather(rank), range(size).filter((r) => r % 2 === rank % 2), 'dup of a split of a dup');
  dup.free();
  await concurrentCreations();
  await done(control, 'dup, split with keys and UNDEFINED, splitType and traffic isolation');
}

// ---- algorithm thresholds -------------------------------------------------------------

function powerOfTwoSplit(p: number): { pof2: number; rem: number; lg: number } {
  let pof2 = 1;
  let lg = 0;
  while (pof2 * 2 <= p) {
    pof2 *= 2;
    lg++;
  }
  return { pof2, rem: p - pof2, lg };
}

/** Messages one rank sends in MPICH's recursive-doubling allreduce. */
function rdAllreduceSends(rank: number, p: number): number {
  const { rem, lg } = powerOfTwoSplit(p);
  if (rank < 2 * rem) return rank % 2 === 0 ? 1 : lg + 1;
  return lg;
}

function rdAllreduceTotal(p: number): number {
  const { pof2, rem, lg } = powerOfTwoSplit(p);
  return pof2 * lg + 2 * rem;
}

/** Messages one rank sends in the recursive-doubling scan: one per partner rank ^ 2^k that exists. */
function rdScanSends(rank: number, p: number): number {
  let n = 0;
  for (let mask = 1; mask < p; mask *= 2) if ((rank ^ mask) < p) n++;
  return n;
}

/** Children of `rank` in a binomial tree rooted at `root`: its bcast sends. */
function binomialChildren(rank: number, root: number, p: number): number {
  const v = (rank - root + p) % p;
  let span = 1;
  if (v === 0) while (span < p) span *= 2;
  else span = v & -v;
  let n = 0;
  for (let mask = span >> 1; mask > 0; mask >>= 1) if (v + mask < p) n++;
  return n;
}

async function allreduceThreshold(): Promise<void> {
  const { rank, size } = world;
  const p = size;
  const below = ALLREDUCE_RING_MIN_BYTES / 8 - 1;
  const at = ALLREDUCE_RING_MIN_BYTES / 8;
  const rabenseifnerAt = ALLREDUCE_RABENSEIFNER_MIN_BYTES / 8;
  const powerOfTwo = p >= 4 && (p & (p - 1)) === 0;
  for (const n of [rabenseifnerAt - 1, rabenseifnerAt, below, at, at + 3]) {
    const data = typed(Float64Array, n, (i) => (rank + 1) * (i % 97));
    const { result, mine, total } = await counted(() => world.allreduce(data, SUM));
    const factor = (p * (p + 1)) / 2;
    const want = typed(Float64Array, n, (i) => factor * (i % 97));
    same(result, want, `allreduce SUM of ${n} doubles`);
    const rabenseifner = powerOfTwo && n * 8 >= ALLREDUCE_RABENSEIFNER_MIN_BYTES;
    const ring = !rabenseifner && n * 8 >= ALLREDUCE_RING_MIN_BYTES && p > 1;
    if (rabenseifner) {
      const want = 2 * Math.log2(p);
      check(mine === want, `Rabenseifner allreduce of ${n * 8} B: rank sent ${mine} messages, expected ${want}`);
    } else if (ring) {
      check(mine === 2 * (p - 1), `ring allreduce of ${n * 8} B: rank sent ${mine} messages, expected ${2 * (p - 1)}`);
    } else {
      check(mine === rdAllreduceSends(rank, p), `recursive-doubling allreduce of ${n * 8} B: sent ${mine}, expected ${rdAllreduceSends(rank, p)}`);
      check(total === rdAllreduceTotal(p), `recursive-doubling allreduce total ${total}, expected ${rdAllreduceTotal(p)}`);
    }
  }
  // Int32 ring with wrap-around (C integer semantics), and a non-commutative op above the
  // threshold, which must stay on recursive doubling and keep rank order.
  const big = typed(Int32Array, at * 2, (i) => (i % 2 === 0 ? 2 ** 30 : -(rank + i)));
  const wrapped = await world.allreduce(big, SUM);
  const wantWrapped = typed(Int32Array, at * 2, (i) => (i % 2 === 0 ? (2 ** 30 * p) | 0 : -((p * (p - 1)) / 2 + p * i) | 0));
  same(wrapped, wantWrapped, 'ring allreduce of Int32 wraps like C');
  const firstWins = Op.create((a: Float64Array) => a, false); // a0 ∘ a1 ∘ … = a0
  const mineArr = typed(Float64Array, at, (i) => rank * 1000 + (i % 7));
  const { result, mine } = await counted(() => world.allreduce(mineArr, firstWins));
  same(result, typed(Float64Array, at, (i) => i % 7), 'non-commutative allreduce above the ring threshold');
  check(mine === rdAllreduceSends(rank, p), `non-commutative large allreduce sent ${mine}, expected recursive doubling's ${rdAllreduceSends(rank, p)}`);
  await done(control, 'allreduce just below and above the Rabenseifner and ring thresholds, with message counts');
}

/**
 * allreduceInto on every algorithm's side of the thresholds: into a separate array and in
 * place, equal (bit for bit) to allreduce's result, with rank 0 calling allreduce
 * meanwhile; then bad `out` arguments, passed alike by every rank.
 */
async function allreduceIntoBuffers(): Promise<void> {
  const { rank } = world;
  const at = ALLREDUCE_RING_MIN_BYTES / 8;
  for (const n of [0, 5, at - 1, at + 3, ALLREDUCE_RABENSEIFNER_MIN_BYTES / 8]) {
    const input = (): Float64Array => typed(Float64Array, n, (i) => Math.sin(rank + i) * 1e3) as Float64Array;
    const want = await world.allreduce(input(), SUM);
    const out = new Float64Array(n).fill(NaN);
    const data = input();
    const separate = rank === 0 ? await world.allreduce(data, SUM) : await world.allreduceInto(data, out, SUM);
    if (rank !== 0) check(separate === out, 'allreduceInto resolves with out');
    same(separate, want, `allreduceInto of ${n} doubles into a separate array`);
    same(data, input(), `allreduceInto of ${n} doubles left its input alone`);
    const inPlace = input();
    check((await world.allreduceInto(inPlace, inPlace)) === inPlace, 'allreduceInto in place resolves with data');
    same(inPlace, want, `allreduceInto of ${n} doubles in place`);
  }
  const data = Float64Array.of(1, 2, 3, 4);
  await expectError(() => world.allreduceInto(data, new Float32Array(4) as unknown as Float64Array), 'ERR_ARG', 'out of another type');
  await expectError(() => world.allreduceInto(data, new Float64Array(3)), 'ERR_COUNT', 'out of another length');
  await expectError(() => world.allreduceInto(data, new Float64Array(data.buffer, 8, 4 - 1) as Float64Array), 'ERR_COUNT', 'out shorter and overlapping');
  const wide = new Float64Array(8);
  await expectError(() => world.allreduceInto(wide.subarray(0, 4), wide.subarray(2, 6)), 'ERR_ARG', 'out overlapping data');
  await expectError(() => world.allreduceInto([1, 2] as unknown as Float64Array, new Float64Array(2)), 'ERR_ARG', 'data not a typed array');
  same(await world.allreduceInto(Float64Array.of(rank), new Float64Array(1)), Float64Array.of((world.size * (world.size - 1)) / 2), 'allreduceInto after the errors');
  await done(control, 'allreduceInto: separate and in place on every algorithm, beside allreduce, and bad out');
}

async function reduceScatterThreshold(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  for (const n of [REDUCE_SCATTER_RING_MIN_BYTES / 8 - 1, REDUCE_SCATTER_RING_MIN_BYTES / 8]) {
    // Uneven, all non-zero: the last rank takes the remainder.
    const base = Math.floor(n / p) - (p > 1 ? 1 : 0);
    const counts = all.map((r) => (r === p - 1 ? n - base * (p - 1) : base));
    const data = typed(Float64Array, n, (j) => (rank + 1) * (j % 13));
    const offset = base * rank;
    const { result, mine, total } = await counted(() => world.reduceScatter(data, counts, SUM));
    const factor = (p * (p + 1)) / 2;
    same(result, typed(Float64Array, counts[rank]!, (i) => factor * ((offset + i) % 13)), `reduceScatter of ${n * 8} B`);
    const ring = n * 8 >= REDUCE_SCATTER_RING_MIN_BYTES && p > 1;
    if (ring) check(mine === p - 1, `ring reduceScatter: rank sent ${mine}, expected ${p - 1}`);
    else check(total === 2 * (p - 1), `reduce+scatterv reduceScatter: ${total} messages, expected ${2 * (p - 1)}`);
    // The same size with zero counts (the ring skips empty blocks).
    const zeros = all.map(() => 0);
    zeros[p - 1] = Math.ceil(n / 2);
    zeros[0] += n - zeros[p - 1]!;
    const got = await world.reduceScatter(data, zeros, SUM);
    const off0 = zeros.slice(0, rank).reduce((a, b) => a + b, 0);
    same(got, typed(Float64Array, zeros[rank]!, (i) => factor * ((off0 + i) % 13)), `reduceScatter of ${n * 8} B with counts [${zeros}]`);
  }
  await done(control, 'reduceScatter just below and above the ring threshold, with message counts');
}

async function scanThreshold(): Promise<void> {
  const { rank, size: p } = world;
  for (const n of [SCAN_LINEAR_MIN_BYTES / 8 - 1, SCAN_LINEAR_MIN_BYTES / 8]) {
    const data = typed(Float64Array, n, (i) => (rank + 1) * ((i % 5) + 1));
    const tri = (m: number): number => (m * (m + 1)) / 2;
    const linear = n * 8 >= SCAN_LINEAR_MIN_BYTES;
    const scan = await counted(() => world.scan(data, SUM));
    same(scan.result, typed(Float64Array, n, (i) => tri(rank + 1) * ((i % 5) + 1)), `scan of ${n * 8} B`);
    const exscan = await counted(() => world.exscan(data, SUM));
    same(exscan.result, rank === 0 ? null : typed(Float64Array, n, (i) => tri(rank) * ((i % 5) + 1)), `exscan of ${n * 8} B`);
    for (const [name, c] of [['scan', scan], ['exscan', exscan]] as const) {
      const expected = linear ? (rank < p - 1 ? 1 : 0) : rdScanSends(rank, p);
      check(c.mine === expected, `${linear ? 'linear' : 'recursive-doubling'} ${name} of ${n * 8} B: sent ${c.mine}, expected ${expected}`);
    }
  }
  await done(control, 'scan and exscan just below and above the linear threshold, with message counts');
}

async function alltoallThreshold(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  const smallest = ALLTOALL_BRUCK_MAX_ITEM_BYTES - 8; // the size estimate counts 8 bytes of header
  for (const oversize of [false, true]) {
    // Every item is at the limit, except (in the second round) one item on the last rank.
    const len = (src: number, d: number): number => (oversize && src === p - 1 && d === 0 ? smallest + 1 : smallest);
    const items = all.map((d) => new Uint8Array(len(rank, d)).fill((rank * 7 + d) % 256));
    const { result, mine } = await counted(() => world.alltoall(items));
    same(result, all.map((src) => new Uint8Array(len(src, rank)).fill((src * 7 + rank) % 256)), `alltoall ${oversize ? 'with one large item' : 'of small items'}`);
    let expected = p - 1; // pairwise
    if (p >= ALLTOALL_BRUCK_MIN_RANKS) expected = rdAllreduceSends(rank, p) + (oversize ? p - 1 : ceilLog2(p));
    check(mine === expected, `alltoall (${oversize ? 'one large item' : 'small items'}) on ${p} ranks sent ${mine}, expected ${expected}`);
  }
  await done(control, 'alltoall pairwise and Bruck around their thresholds, with message counts');
}

async function allgathervThreshold(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  const inline = ALLGATHERV_INLINE_MAX_BYTES;
  for (const largeRank of [-1, p - 1, 0]) {
    // Block r: `inline` bytes, except one rank's block one byte larger (goes round the ring).
    const len = (r: number): number => (r === largeRank ? inline + 1 : r % 2 === 0 ? inline : r);
    const mine = new Uint8Array(len(rank)).fill(rank + 1);
    const { result, mine: sent, total } = await counted(() => world.allgatherv(mine));
    same(result, concat(Uint8Array, all.map((r) => new Uint8Array(len(r)).fill(r + 1))), `allgatherv with large block on ${largeRank}`);
    check(sent >= ceilLog2(p), `allgatherv sent ${sent} messages`);
    const expected = p * ceilLog2(p) + (largeRank >= 0 ? p - 1 : 0);
    check(total === expected, `allgatherv (large block on ${largeRank}): ${total} messages, expected ${expected}`);
  }
  await done(control, 'allgatherv inline and ring around the inline threshold, with message counts');
}

async function messageCounts(): Promise<void> {
  const { rank, size: p } = world;
  const barrier = await counted(() => world.barrier());
  check(barrier.mine === ceilLog2(p), `barrier sent ${barrier.mine}, expected ⌈log2 ${p}⌉ = ${ceilLog2(p)}`);
  check(barrier.total === p * ceilLog2(p), `barrier total ${barrier.total}`);
  for (let root = 0; root < p; root++) {
    const bcast = await counted(() => world.bcast(rank === root ? { big: new Float64Array(100) } : null, root));
    check(bcast.total === p - 1, `binomial bcast from ${root}: ${bcast.total} messages in total, expected ${p - 1}`);
    check(bcast.mine === binomialChildren(rank, root, p), `binomial bcast from ${root}: rank sent ${bcast.mine}, expected ${binomialChildren(rank, root, p)}`);
    const reduce = await counted(() => world.reduce(rank, SUM, root));
    check(reduce.total === p - 1 && reduce.mine === (rank === root ? 0 : 1), `binomial reduce to ${root}: ${reduce.total} messages`);
    const gather = await counted(() => world.gather(rank, root));
    check(gather.total === p - 1 && gather.mine === (rank === root ? 0 : 1), `binomial gather to ${root}: ${gather.total} messages`);
    const scatter = await counted(() => world.scatter(rank === root ? range(p) : null, root));
    check(scatter.total === p - 1 && scatter.mine === binomialChildren(rank, root, p), `binomial scatter from ${root}: ${scatter.total} messages`);
  }
  for (const v of [rank, [rank, -rank], new Float64Array(8).fill(rank)]) {
    const ar = await counted(() => world.allreduce(v, MAX));
    check(ar.mine === rdAllreduceSends(rank, p), `recursive-doubling allreduce: rank sent ${ar.mine}, expected ${rdAllreduceSends(rank, p)}`);
    check(ar.total === rdAllreduceTotal(p), `recursive-doubling allreduce: ${ar.total} in total, expected ${rdAllreduceTotal(p)}`);
  }
  const ag = await counted(() => world.allgather(rank));
  check(ag.mine === ceilLog2(p), `allgather sent ${ag.mine}, expected ${ceilLog2(p)}`);
  const a2a = await counted(() => world.alltoall(range(p).map((d) => [rank, d])));
  const a2aExpected = p >= ALLTOALL_BRUCK_MIN_RANKS ? rdAllreduceSends(rank, p) + ceilLog2(p) : p - 1;
  check(a2a.mine === a2aExpected, `alltoall of small items sent ${a2a.mine}, expected ${a2aExpected}`);
  await done(control, 'message counts of barrier, binomial trees and recursive doubling');
}

// ---- operators --------------------------------------------------------------------------

async function builtinOps(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  const num = (r: number): number => ((r * 5 + 3) % 7) - 2; // -2 … 4, ties and zeros
  const int = (r: number): number => (r * 0x1234567 + 0x55) | 0;
  const cases: Array<[Op, (r: number) => unknown, (vs: unknown[]) => unknown]> = [
    [SUM, num, (vs) => (vs as number[]).reduce((a, b) => a + b)],
    [PROD, (r) => (r % 3) + 1, (vs) => (vs as number[]).reduce((a, b) => a * b)],
    [MAX, num, (vs) => Math.max(...(vs as number[]))],
    [MIN, num, (vs) => Math.min(...(vs as number[]))],
    [LAND, (r) => r % 4 !== 3, (vs) => (vs as boolean[]).every(Boolean)],
    [LOR, (r) => r === p - 1, (vs) => (vs as boolean[]).some(Boolean)],
    [LXOR, (r) => r % 2 === 0, (vs) => (vs as boolean[]).filter(Boolean).length % 2 === 1],
    [LAND, (r) => r % 3, (vs) => ((vs as number[]).every((v) => v !== 0) ? 1 : 0)],
    [BAND, int, (vs) => (vs as number[]).reduce((a, b) => a & b)],
    [BOR, int, (vs) => (vs as number[]).reduce((a, b) => a | b)],
    [BXOR, int, (vs) => (vs as number[]).reduce((a, b) => a ^ b)],
    [SUM, (r) => BigInt(r) * 2n ** 64n + 1n, (vs) => (vs as bigint[]).reduce((a, b) => a + b)],
    [PROD, (r) => BigInt(r + 2) ** 9n, (vs) => (vs as bigint[]).reduce((a, b) => a * b)],
    [BXOR, (r) => BigInt(r) << 80n, (vs) => (vs as bigint[]).reduce((a, b) => a ^ b)],
    [SUM, (r) => [r, [r * 2, 1]], (vs) => [all.reduce((a, b) => a + b, 0), [all.reduce((a, b) => a + 2 * b, 0), p]]],
    [MIN, (r) => Float64Array.of(num(r), -num(r), r), (vs) => Float64Array.of(Math.min(...all.map(num)), Math.min(...all.map((r) => -num(r))), 0)],
    [BOR, (r) => Int32Array.of(1 << r % 31, int(r)), (vs) => Int32Array.of(all.reduce((a, r) => a | (1 << r % 31), 0), all.reduce((a, r) => a | int(r), 0))],
    [PROD, (r) => Uint8Array.of(r + 1), () => Uint8Array.of(all.reduce((a, r) => (a * (r + 1)) % 256, 1))],
    [SUM, (r) => BigInt64Array.of(BigInt(r) << 40n), () => BigInt64Array.of(all.reduce((a, r) => a + (BigInt(r) << 40n), 0n))],
    [REPLACE, (r) => ({ from: r }), () => ({ from: p - 1 })],
    [NO_OP, (r) => ({ from: r }), () => ({ from: 0 })],
  ];
  for (const [op, contribution, expect] of cases) {
    const want = expect(all.map(contribution));
    same(await world.allreduce(contribution(rank), op), want, `allreduce ${op.name} of ${show(contribution(rank))}`);
    const root = p - 1;
    same(await world.reduce(contribution(rank), op, root), rank === root ? want : null, `reduce ${op.name} to ${root}`);
  }
  // REPLACE / NO_OP in scans: the own value and the predecessor's.
  same(await world.scan({ from: rank }, REPLACE), { from: rank }, 'scan REPLACE');
  same(await world.exscan({ from: rank }, REPLACE), rank === 0 ? null : { from: rank - 1 }, 'exscan REPLACE');
  same(await world.scan({ from: rank }, NO_OP), { from: 0 }, 'scan NO_OP');
  // A value an op does not apply to: ERR_OP on every rank (each rank checks its own operands first or on receipt).
  await expectError(() => world.allreduce(1, 'SUM' as unknown as Op), 'ERR_OP', 'allreduce with a string op');
  await done(control, 'every built-in op on numbers, bigints, booleans, arrays and typed arrays');
}

async function maxlocMinloc(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  const v = (r: number): number => r % 3; // ties from 4 ranks on
  const w = (r: number): number => -(r % 2);
  const loc = (vals: number[], better: (a: number, b: number) => boolean): [number, number] => {
    let best = 0;
    for (let r = 1; r < vals.length; r++) if (better(vals[r]!, vals[best]!)) best = r;
    return [vals[best]!, best];
  };
  const maxV = loc(all.map(v), (a, b) => a > b);
  const minV = loc(all.map(v), (a, b) => a < b);
  const maxW = loc(all.map(w), (a, b) => a > b);
  const minW = loc(all.map(w), (a, b) => a < b);
  for (let root = 0; root < p; root++) {
    same(await world.reduce([v(rank), rank], MAXLOC, root), rank === root ? maxV : null, `reduce MAXLOC to ${root}`);
    same(await world.reduce([v(rank), rank], MINLOC, root), rank === root ? minV : null, `reduce MINLOC to ${root}`);
  }
  same(await world.allreduce([v(rank), rank], MAXLOC), maxV, 'allreduce MAXLOC');
  same(await world.allreduce([v(rank), rank], MINLOC), minV, 'allreduce MINLOC');
  // Arrays of pairs reduce pair by pair; bigint values too.
  same(await world.allreduce([[v(rank), rank], [w(rank), rank]], MAXLOC), [maxV, maxW], 'allreduce MAXLOC of pair arrays');
  same(await world.allreduce([[v(rank), rank], [w(rank), rank]], MINLOC), [minV, minW], 'allreduce MINLOC of pair arrays');
  same(await world.allreduce([BigInt(v(rank)), rank], MAXLOC), [BigInt(maxV[0]), maxV[1]], 'allreduce MAXLOC of bigints');
  // Every rank equal: the lowest index wins, whatever the tree shape.
  same(await world.allreduce([5, p - 1 - rank], MAXLOC), [5, 0], 'MAXLOC all tied');
  same(await world.allreduce([5, p - 1 - rank], MINLOC), [5, 0], 'MINLOC all tied');
  same(await world.scan([v(rank), rank], MAXLOC), loc(all.slice(0, rank + 1).map(v), (a, b) => a > b), 'scan MAXLOC');
  await done(control, 'MAXLOC and MINLOC with ties keep the lowest index');
}

// Non-commutative ops: 2×2 integer matrices multiplied modulo a prime (exact in doubles).
const M = 1_000_003;
function matmulInto(out: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let m = 0; m + 3 < out.length; m += 4) {
    const [a0, a1, a2, a3] = [a[m]!, a[m + 1]!, a[m + 2]!, a[m + 3]!];
    const [b0, b1, b2, b3] = [b[m]!, b[m + 1]!, b[m + 2]!, b[m + 3]!];
    out[m] = (a0 * b0 + a1 * b2) % M;
    out[m + 1] = (a0 * b1 + a1 * b3) % M;
    out[m + 2] = (a2 * b0 + a3 * b2) % M;
    out[m + 3] = (a2 * b1 + a3 * b3) % M;
  }
}
const MATMUL = Op.create((a: Float64Array, b: Float64Array) => {
  const out = new Float64Array(a.length);
  matmulInto(out, a, b);
  return out;
}, false);
const matrices = (r: number, count: number): Float64Array =>
  typed(Float64Array, count * 4, (i) => ((r + 2) * (i + 1) * (i % 4 === 1 ? 3 : 1) + (i >> 2)) % 97) as Float64Array;
function matProduct(ranks: number[], count: number): Float64Array {
  let acc = matrices(ranks[0]!, count);
  for (const r of ranks.slice(1)) {
    const out = new Float64Array(acc.length);
    matmulInto(out, acc, matrices(r, count));
    acc = out;
  }
  return acc;
}

async function nonCommutative(): Promise<void> {
  // On world and on a split whose ranks are not world ranks.
  const half = (await world.split(world.rank % 2, -world.rank))!;
  for (const comm of [world, half]) {
    const { rank, size: p } = comm;
    const all = range(p);
    const cat = Op.create((a: string, b: string) => a + b, false);
    const text = (r: number): string => `${r},`;
    const label = comm === world ? 'world' : 'split';
    for (let root = 0; root < p; root++) {
      same(await comm.reduce(text(rank), cat, root), rank === root ? all.map(text).join('') : null, `${label} reduce of strings to ${root}`);
      same(await comm.reduce(matrices(rank, 1), MATMUL, root), rank === root ? matProduct(all, 1) : null, `${label} reduce of matrices to ${root}`);
    }
    same(await comm.allreduce(text(rank), cat), all.map(text).join(''), `${label} allreduce of strings`);
    same(await comm.scan(text(rank), cat), all.slice(0, rank + 1).map(text).join(''), `${label} scan of strings`);
    same(await comm.exscan(text(rank), cat), rank === 0 ? null : all.slice(0, rank).map(text).join(''), `${label} exscan of strings`);
    // The large sizes (above the ring and linear-scan thresholds) on world only, to save time.
    const large = comm === world;
    for (const count of large ? [1, ALLREDUCE_RING_MIN_BYTES / 32] : [1]) {
      same(await comm.allreduce(matrices(rank, count), MATMUL), matProduct(all, count), `${label} allreduce of ${count} matrices`);
    }
    same(await comm.scan(matrices(rank, 3), MATMUL), matProduct(all.slice(0, rank + 1), 3), `${label} scan of matrices`);
    same(await comm.exscan(matrices(rank, 3), MATMUL), rank === 0 ? null : matProduct(all.slice(0, rank), 3), `${label} exscan of matrices`);
    const bigScan = large ? SCAN_LINEAR_MIN_BYTES / 32 : 5; // 1 MiB of matrices: the linear scan
    same(await comm.scan(matrices(rank, bigScan), MATMUL), matProduct(all.slice(0, rank + 1), bigScan), `${label} scan of ${bigScan} matrices`);
    const counts = all.map((r) => 4 * ((r % 3) + 1));
    const total = counts.reduce((a, b) => a + b, 0);
    const offset = counts.slice(0, rank).reduce((a, b) => a + b, 0);
    same(
      await comm.reduceScatter(matrices(rank, total / 4), counts, MATMUL),
      matProduct(all, total / 4).subarray(offset, offset + counts[rank]!),
      `${label} reduceScatter of matrices`,
    );
  }
  await done(control, 'non-commutative Op.create folded in rank order');
}

async function bitIdentical(): Promise<void> {
  const { rank } = world;
  const half = (await world.split(world.rank < k ? 0 : 1))!;
  for (const comm of [world, half]) {
    for (const n of comm === world ? [1000, ALLREDUCE_RING_MIN_BYTES / 8 + 3] : [1000]) {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
      const result = await comm.allreduce(data, SUM);
      const bytes = new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
      const everyone = await comm.allgather(bytes);
      for (const [r, other] of everyone.entries()) {
        check(Buffer.compare(Buffer.from(other), Buffer.from(bytes)) === 0, `allreduce of ${n} doubles: rank ${r} differs from rank ${rank}`);
      }
      // Close to the serial sum (within rounding of the magnitudes involved).
      const inputs = await comm.gather(data, 0);
      if (comm.rank === 0) {
        for (let i = 0; i < n; i += 97) {
          let s = 0;
          let mag = 0;
          for (const x of inputs!) {
            s += x[i]!;
            mag += Math.abs(x[i]!);
          }
          check(Math.abs(s - result[i]!) <= mag * 1e-14, `allreduce element ${i}: ${result[i]} vs serial ${s}`);
        }
      }
    }
  }
  await done(control, 'allreduce bit-identical on every rank');
}

// ---- inputs and views --------------------------------------------------------------------

/**
 * Typed arrays that are views into a larger buffer (at an offset, not covering it), small
 * and above every size threshold, through every typed-array collective: results are right
 * and neither the view nor the rest of its buffer is changed.
 */
async function inputsAndViews(): Promise<void> {
  const { rank, size: p } = world;
  const all = range(p);
  const sizes = [5, Math.max(ALLREDUCE_RING_MIN_BYTES, SCAN_LINEAR_MIN_BYTES) / 8 + 1];
  for (const n of sizes) {
    const backing = new Float64Array(n + 3).fill(-1);
    const data = backing.subarray(1, n + 1);
    data.forEach((_, i) => (data[i] = rank + (i % 11)));
    const before = backing.slice();
    const unchanged = (what: string): void => same(backing, before, `${what} of a ${n}-element view changed its input`);
    const sumAt = (ranks: number[], i: number): number => ranks.reduce((a, r) => a + r + (i % 11), 0);

    same(await world.allreduce(data, SUM), typed(Float64Array, n, (i) => sumAt(all, i)), `allreduce of a ${n}-element view`);
    unchanged('allreduce');
    same(await world.reduce(data, SUM, p - 1), rank === p - 1 ? typed(Float64Array, n, (i) => sumAt(all, i)) : null, `reduce of a view`);
    unchanged('reduce');
    same(await world.scan(data, SUM), typed(Float64Array, n, (i) => sumAt(all.slice(0, rank + 1), i)), `scan of a ${n}-element view`);
    unchanged('scan');
    same(await world.exscan(data, SUM), rank === 0 ? null : typed(Float64Array, n, (i) => sumAt(all.slice(0, rank), i)), `exscan of a view`);
    unchanged('exscan');
    const counts = all.map((r) => (r === 0 ? n - Math.floor(n / p) * (p - 1) : Math.floor(n / p)));
    const offset = counts.slice(0, rank).reduce((a, b) => a + b, 0);
    same(await world.reduceScatter(data, counts, SUM), typed(Float64Array, counts[rank]!, (i) => sumAt(all, offset + i)), `reduceScatter of a view`);
    unchanged('reduceScatter');
    same(await world.bcast(data, 0), typed(Float64Array, n, (i) => i % 11), 'bcast of a view');
    unchanged('bcast');
    same(await world.allgatherv(data), concat(Float64Array, all.map((r) => typed(Float64Array, n, (i) => r + (i % 11)))), 'allgatherv of a view');
    unchanged('allgatherv');
    same(await world.gatherv(data, 0), rank === 0 ? concat(Float64Array, all.map((r) => typed(Float64Array, n, (i) => r + (i % 11)))) : null, 'gatherv of a view');
    unchanged('gatherv');
    same(await world.alltoallv(data, counts), concat(Float64Array, all.map((r) => typed(Float64Array, counts[rank]!, (i) => r + ((offset + i) % 11)))), 'alltoallv of a view');
    unchanged('alltoallv');
    same(await world.scatterv(rank === 0 ? data : null, counts, 0), typed(Float64Array, counts[rank]!, (i) => (offset + i) % 11), 'scatterv of a view');
    unchanged('scatterv');
  }
  // Plain-array and object inputs of a reduction are not modified either.
  const nested = [rank, [rank, { x: rank }]];
  const keep = structuredClone(nested);
  await world.allreduce([rank, [rank]], SUM);
  await world.allreduce(nested, Op.create((a: unknown, b: unknown) => (Array.isArray(a) ? a : b), false));
  same(nested, keep, 'allreduce changed its plain-array input');
  await done(control, 'typed-array views as inputs, and inputs left unchanged');
}

// ---- many collectives in flight -----------------------------------------------------------

async function fiftyInFlight(): Promise<void> {
  const dup = await world.dup();
  const checks: Array<Promise<void>> = [];
  for (let i = 0; i < 50; i++) {
    const comm = i % 3 === 2 ? dup : world;
    const { rank, size: p } = comm;
    const all = range(p);
    const root = i % p;
    const expect = <T>(promise: Promise<T>, want: unknown): void => {
      checks.push(promise.then((got) => same(got, want, `collective ${i} (${i % 16})`)));
    };
    switch (i % 16) {
      case 0: expect(comm.barrier(), undefined); break;
      case 1: expect(comm.bcast(rank === root ? { i, text: 'x'.repeat(100_000) } : null, root), { i, text: 'x'.repeat(100_000) }); break;
      case 2: expect(comm.gather([i, rank], root), rank === root ? all.map((r) => [i, r]) : null); break;
      case 3: expect(comm.scatter(rank === root ? all.map((r) => r * i) : null, root), rank * i); break;
      case 4: expect(comm.allgather(`${i}:${rank}`), all.map((r) => `${i}:${r}`)); break;
      case 5: expect(comm.alltoall(all.map((d) => [rank, d, i])), all.map((s) => [s, rank, i])); break;
      case 6: expect(comm.reduce(rank + i, SUM, root), rank === root ? all.reduce((a, r) => a + r + i, 0) : null); break;
      case 7: expect(comm.allreduce(rank * i, MAX), (p - 1) * i); break;
      case 8: {
        const n = ALLREDUCE_RING_MIN_BYTES / 8 + 5; // ring
        expect(comm.allreduce(typed(Float64Array, n, (j) => rank + j + i), SUM), typed(Float64Array, n, (j) => all.reduce((a, r) => a + r + j + i, 0)));
        break;
      }
      case 9: expect(comm.scan(rank + i, SUM), all.slice(0, rank + 1).reduce((a, r) => a + r + i, 0)); break;
      case 10: expect(comm.exscan(rank + i, SUM), rank === 0 ? null : all.slice(0, rank).reduce((a, r) => a + r + i, 0)); break;
      case 11: expect(comm.gatherv(Int32Array.of(...range(rank % 3).map((j) => i + rank + j)), root), rank === root ? Int32Array.from(all.flatMap((r) => range(r % 3).map((j) => i + r + j))) : null); break;
      case 12: {
        const counts = all.map((r) => (r + i) % 3);
        const whole = Float32Array.from(all.flatMap((r) => range(counts[r]!).map((j) => r * 10 + j)));
        expect(comm.scatterv(rank === root ? whole : null, counts, root), Float32Array.from(range(counts[rank]!).map((j) => rank * 10 + j)));
        break;
      }
      case 13: expect(comm.allgatherv(new Uint8Array(rank === 0 ? 70_000 : rank).fill(i)), concat(Uint8Array, all.map((r) => new Uint8Array(r === 0 ? 70_000 : r).fill(i)))); break;
      case 14: {
        const sc = all.map((d) => (rank + d) % 2);
        const send = Int16Array.from(all.flatMap((d) => range(sc[d]!).map(() => rank * 100 + d)));
        expect(comm.alltoallv(send, sc), Int16Array.from(all.flatMap((s) => range((s + rank) % 2).map(() => s * 100 + rank))));
        break;
      }
      case 15: {
        const n = REDUCE_SCATTER_RING_MIN_BYTES / 8 + p * 3; // ring
        const counts = all.map((r) => (r === 0 ? n - (p - 1) * 3 : 3));
        const off = counts.slice(0, rank).reduce((a, b) => a + b, 0);
        expect(comm.reduceScatter(typed(Float64Array, n, (j) => j + rank), counts, SUM), typed(Float64Array, counts[rank]!, (j) => all.reduce((a, r) => a + off + j + r, 0)));
        break;
      }
    }
  }
  await Promise.all(checks);
  dup.free();
  await done(control, '50 collectives started without awaiting, then awaited together');
}

// ---- errors --------------------------------------------------------------------------------

async function errors(): Promise<void> {
  const { rank, size: p } = world;
  const f = new Float64Array(4);
  for (const root of [-1, p, p + 3, 1.5, NaN, -2]) {
    const what = (op: string): string => `${op} with root ${root}`;
    await expectError(() => world.bcast(1, root), 'ERR_ROOT', what('bcast'));
    await expectError(() => world.gather(1, root), 'ERR_ROOT', what('gather'));
    await expectError(() => world.scatter(range(p), root), 'ERR_ROOT', what('scatter'));
    await expectError(() => world.reduce(1, SUM, root), 'ERR_ROOT', what('reduce'));
    await expectError(() => world.gatherv(f, root), 'ERR_ROOT', what('gatherv'));
    await expectError(() => world.scatterv(f, range(p).map(() => 0), root), 'ERR_ROOT', what('scatterv'));
  }
  // Nothing was left behind: the next collectives match up.
  same(await world.bcast(rank === p - 1 ? 'after bad roots' : null, p - 1), 'after bad roots', 'bcast after bad roots');
  same(await world.allreduce(1), p, 'allreduce after bad roots');

  // Counts that do not add up, detected on every rank before anything is sent.
  await expectError(() => world.reduceScatter(new Float64Array(p + 1), range(p).map(() => 1), SUM), 'ERR_COUNT', 'reduceScatter counts ≠ length');
  await expectError(() => world.reduceScatter(new Float64Array(p + 1), range(p + 1).map(() => 1), SUM), 'ERR_COUNT', 'reduceScatter counts of wrong length');
  await expectError(() => world.alltoallv(new Float64Array(p + 1), range(p).map(() => 1)), 'ERR_COUNT', 'alltoallv counts ≠ length');
  await expectError(() => world.alltoallv(new Float64Array(p), range(p).map(() => -1).map((c, i) => (i === 0 ? p + 1 : c))), 'ERR_COUNT', 'alltoallv negative count');
  await expectError(() => world.scatterv(rank === 0 ? new Float64Array(p + 1) : null, range(p + 1).map(() => 1), 0), 'ERR_COUNT', 'scatterv counts of wrong length');
  await expectError(() => world.alltoall(range(p + 1)), 'ERR_COUNT', 'alltoall with too many items');

  // Mismatched typed-array lengths in a reduction between two ranks: both see ERR_COUNT
  // (the root only, for reduce), and the pair stays usable.
  const pair = (await world.split(rank >> 1))!;
  if (pair.size === 2) {
    const mine = new Float64Array(pair.rank === 0 ? 3 : 4).fill(1);
    await expectError(() => pair.allreduce(mine, SUM), 'ERR_COUNT', 'allreduce of mismatched lengths');
    await expectError(() => pair.scan(mine, SUM), 'ERR_COUNT', 'scan of mismatched lengths');
    await expectError(() => pair.exscan(mine, SUM), 'ERR_COUNT', 'exscan of mismatched lengths');
    await expectError(() => pair.reduce(mine, SUM, 1), pair.rank === 1 ? 'ERR_COUNT' : 'no error', 'reduce of mismatched lengths');
    await expectError(() => pair.allreduce(pair.rank === 0 ? [1] : [1, 2], SUM), 'ERR_COUNT', 'allreduce of plain arrays of mismatched lengths');
    same(await pair.allreduce(Float64Array.of(pair.rank), SUM), Float64Array.of(1), 'pair usable after ERR_COUNT');
  }
  pair.free();

  // A freed communicator: ERR_COMM for everything, on every rank.
  const freed = await world.dup();
  freed.free();
  await expectError(() => freed.barrier(), 'ERR_COMM', 'barrier on a freed communicator');
  await expectError(() => freed.bcast(1), 'ERR_COMM', 'bcast on a freed communicator');
  await expectError(() => freed.allreduce(1), 'ERR_COMM', 'allreduce on a freed communicator');
  await expectError(() => freed.alltoallv(new Float64Array(p), range(p).map(() => 1)), 'ERR_COMM', 'alltoallv on a freed communicator');
  await expectError(() => freed.send(1, 0), 'ERR_COMM', 'send on a freed communicator');
  await expectError(() => freed.dup(), 'ERR_COMM', 'dup of a freed communicator');
  await expectError(() => freed.split(0), 'ERR_COMM', 'split of a freed communicator');
  await expectError(() => freed.free(), 'ERR_COMM', 'free twice');

  // Bad split arguments: ERR_ARG on every rank, and a good split afterwards works.
  for (const color of [-5, 1.5, NaN, Infinity, '1' as unknown as number]) {
    await expectError(() => world.split(color), 'ERR_ARG', `split with color ${String(color)}`);
  }
  await expectError(() => world.split(0, 0.5), 'ERR_ARG', 'split with key 0.5');
  await expectError(() => world.splitType('numa' as 'shared'), 'ERR_ARG', "splitType('numa')");
  const ok = (await world.split(0))!;
  same(await ok.allreduce(1), p, 'split after bad colours');
  await done(control, 'ERR_ROOT, ERR_COUNT, ERR_COMM and ERR_ARG without leaving a rank hanging');
}

/**
 * A loop of collectives in which a rank only sends (the root of bcast, a leaf of
 * gather) completes every send at once: it must still give the event loop turns, or
 * its batched messages, and everything else the rank serves, wait for the loop's end.
 */
async function eventLoopTurns(): Promise<void> {
  for (const [what, call] of [
    ['bcast', () => world.bcast(me, 0)],
    ['gather', () => world.gather(me, 0)],
  ] as const) {
    let turns = 0;
    let looping = true;
    const turn = (): void => {
      turns++;
      if (looping) setImmediate(turn);
    };
    setImmediate(turn);
    for (let i = 0; i < 2000; i++) await call();
    looping = false;
    // One rank alone sends nothing: nothing it waits on needs the event loop.
    if (world.size > 1) check(turns > 1, `${what}: 2000 calls gave the event loop ${turns} turns`);
  }
  await done(control, 'a loop of collectives that only send still lets the event loop turn');
}

// ---- the run ----------------------------------------------------------------------------

// For debugging and tuning: COLL_ONLY=<prefix> runs only the matching steps, COLL_TIMES=1
// prints each step's wall time on stderr.
const only = process.env.COLL_ONLY;
const steps: Array<[string, () => Promise<void>]> = [
  ['world', () => collectivesOn('world', async () => world, 0)],
  ['dup', () => collectivesOn('a dup', () => world.dup(), 1)],
  ['split2', () => collectivesOn('splits by rank % 2', () => world.split(world.rank % 2), 2)],
  ['splitk', () => collectivesOn('splits by rank < k', () => world.split(world.rank < k ? 0 : 1), 3)],
  ['values', everyValueBcast],
  ['comms', communicators],
  ['allreduce', allreduceThreshold],
  ['into', allreduceIntoBuffers],
  ['reducescatter', reduceScatterThreshold],
  ['scan', scanThreshold],
  ['alltoall', alltoallThreshold],
  ['allgatherv', allgathervThreshold],
  ['counts', messageCounts],
  ['ops', builtinOps],
  ['loc', maxlocMinloc],
  ['noncommutative', nonCommutative],
  ['bits', bitIdentical],
  ['inputs', inputsAndViews],
  ['fifty', fiftyInFlight],
  ['turns', eventLoopTurns],
  ['errors', errors],
];
for (const [name, step] of steps) {
  if (only && !name.startsWith(only)) continue;
  const t0 = performance.now();
  await step();
  if (process.env.COLL_TIMES && me === 0) process.stderr.write(`${name}: ${(performance.now() - t0).toFixed(0)} ms\n`);
}
await finalize();

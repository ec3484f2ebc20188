// Calls every public method with bad arguments and checks the MpiError class of each
// failure, and its form: isend/issend/irecv/iprobe (and other synchronous methods)
// THROW, every Promise-returning method REJECTS without throwing. Every rank passes the
// same bad values, so no collective may hang. Afterwards the communicators must still
// work (a ring, an allreduce), and after finalize everything fails ERR_NOT_INITIALIZED.
//
// Each rank prints one line "BADARGS {json}" with the number of checks and every
// failed one: { name, expected, got }.
import {
  abort,
  commSelf,
  commWorld,
  computeDims,
  finalize,
  init,
  isFinalized,
  isInitialized,
  MpiError,
  Op,
  Pool,
  Request,
  Status,
  ANY_SOURCE,
  ANY_TAG,
  MAX,
  PROC_NULL,
  SUM,
  TAG_UB,
  type Comm,
  type ErrorClass,
} from 'tsmpi';

interface Failure {
  name: string;
  expected: string;
  got: string;
}

const failures: Failure[] = [];
let checks = 0;
const HANG_MS = 5000;

function describeError(err: unknown): string {
  if (err instanceof MpiError) return err.errorClass;
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`;
  return `non-error ${String(err)}`;
}

function record(name: string, expected: string, got: string): void {
  checks++;
  if (got !== expected) failures.push({ name, expected, got });
}

/** A synchronous method: must throw an MpiError of class `cls`. */
function throws(name: string, cls: ErrorClass, fn: () => unknown): void {
  let got: string;
  try {
    const value = fn();
    got = value !== null && typeof value === 'object' && 'then' in (value as object) ? 'returned a Promise/Request instead of throwing' : 'returned normally';
    // A returned request or promise must not become an unhandled rejection.
    (value as Promise<unknown> | undefined)?.then?.(undefined, () => {});
  } catch (err) {
    got = `throws ${describeError(err)}`;
  }
  record(name, `throws ${cls}`, got);
}

/** A Promise-returning method: must not throw, and must reject with class `cls` (within HANG_MS). */
async function rejects(name: string, cls: ErrorClass, fn: () => unknown): Promise<void> {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    record(name, `rejects ${cls}`, `threw synchronously ${describeError(err)}`);
    return;
  }
  if (result === null || typeof result !== 'object' || typeof (result as Promise<unknown>).then !== 'function') {
    record(name, `rejects ${cls}`, `returned ${typeof result}, not a Promise`);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const got = await Promise.race([
    (result as Promise<unknown>).then(
      () => 'resolved',
      (err: unknown) => `rejects ${describeError(err)}`,
    ),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`still pending after ${HANG_MS / 1000} s`), HANG_MS);
    }),
  ]);
  clearTimeout(timer);
  record(name, `rejects ${cls}`, got);
}

function check(name: string, ok: boolean, got = 'false'): void {
  record(name, 'true', ok ? 'true' : got);
}

// ---- before init ------------------------------------------------------------------------

check('isInitialized() before init', isInitialized() === false);
throws('commWorld() before init', 'ERR_NOT_INITIALIZED', () => commWorld());
throws('commSelf() before init', 'ERR_NOT_INITIALIZED', () => commSelf());
await rejects('finalize() before init', 'ERR_NOT_INITIALIZED', () => finalize());
const starting = init();
throws('commWorld() while init() is still running', 'ERR_NOT_INITIALIZED', () => commWorld());
const W = await starting;
const S = commSelf();
check('commWorld() after init is the world', commWorld() === W);
check('init() again resolves the same world', (await init()) === W);

const n = W.size;
const me = W.rank;
const fn = (a: number, b: number) => a + b;

// argv[2] = 'collective-values': only pass unsendable values to collectives (every
// rank the same), each on its own communicator, all at once, and report them.
if (process.argv[2] === 'collective-values') {
  const fnValue = () => 1;
  const cases: Array<[string, (c: Comm) => Promise<unknown>]> = [
    ['bcast of a function', (c) => c.bcast(fnValue, 0)],
    ['gather of a function', (c) => c.gather(fnValue, 0)],
    ['scatter of functions', (c) => c.scatter(new Array(n).fill(fnValue), 0)],
    ['allgather of a function', (c) => c.allgather(fnValue)],
    ['alltoall of functions', (c) => c.alltoall(new Array(n).fill(fnValue))],
    ['reduce of a function', (c) => c.reduce(fnValue, Op.create((a) => a), 0)],
    ['allreduce of a function', (c) => c.allreduce(fnValue, Op.create((a) => a))],
    ['allreduce of a symbol', (c) => c.allreduce(Symbol('s'), Op.create((a) => a))],
    ['scan of a function', (c) => c.scan(fnValue, Op.create((a) => a))],
  ];
  const comms: Comm[] = [];
  for (let i = 0; i < cases.length; i++) comms.push(await W.dup());
  await Promise.all(cases.map(([name, call], i) => rejects(`${name} (every rank)`, 'ERR_ARG', () => call(comms[i]!))));
  console.log(`BADARGS ${JSON.stringify({ rank: me, size: n, checks, failures })}`);
  await finalize();
  // Collectives still pending on the other communicators would keep the process alive.
  process.exit(0);
}

// ---- ranks, tags, roots: p2p ---------------------------------------------------------------

const badDests: unknown[] = [n, n + 7, -3, ANY_SOURCE, 1.5, NaN, Infinity, '0', undefined, null];
const badSources: unknown[] = [n, -3, -7, 0.5, NaN, Infinity, '0', null];
const badSendTags: unknown[] = [ANY_TAG, -2, TAG_UB + 1, 2 ** 32, 1.5, NaN, '1', null];
const badRecvTags: unknown[] = [-2, -7, TAG_UB + 1, 0.5, NaN, '1', null];

for (const d of badDests) {
  const dest = d as number;
  const label = `dest ${String(d)}`;
  await rejects(`send ${label}`, 'ERR_RANK', () => W.send(1, dest));
  await rejects(`ssend ${label}`, 'ERR_RANK', () => W.ssend(1, dest));
  throws(`isend ${label}`, 'ERR_RANK', () => W.isend(1, dest));
  throws(`issend ${label}`, 'ERR_RANK', () => W.issend(1, dest));
  await rejects(`sendrecv ${label}`, 'ERR_RANK', () => W.sendrecv(1, dest, 0, me, 0));
  throws(`transportTo ${label}`, 'ERR_RANK', () => W.transportTo(dest));
}
for (const s of badSources) {
  const source = s as number;
  const label = `source ${String(s)}`;
  await rejects(`recv ${label}`, 'ERR_RANK', () => W.recv(source, 0));
  throws(`irecv ${label}`, 'ERR_RANK', () => W.irecv(source, 0));
  throws(`iprobe ${label}`, 'ERR_RANK', () => W.iprobe(source, 0));
  await rejects(`probe ${label}`, 'ERR_RANK', () => W.probe(source, 0));
  await rejects(`sendrecv ${label}`, 'ERR_RANK', () => W.sendrecv(1, me, 0, source, 0));
}
for (const t of badSendTags) {
  const tag = t as number;
  const label = `send tag ${String(t)}`;
  await rejects(`send ${label}`, 'ERR_TAG', () => W.send(1, me, tag));
  await rejects(`ssend ${label}`, 'ERR_TAG', () => W.ssend(1, me, tag));
  throws(`isend ${label}`, 'ERR_TAG', () => W.isend(1, me, tag));
  throws(`issend ${label}`, 'ERR_TAG', () => W.issend(1, me, tag));
  await rejects(`sendrecv ${label}`, 'ERR_TAG', () => W.sendrecv(1, me, tag, me, 0));
}
for (const t of badRecvTags) {
  const tag = t as number;
  const label = `recv tag ${String(t)}`;
  await rejects(`recv ${label}`, 'ERR_TAG', () => W.recv(me, tag));
  throws(`irecv ${label}`, 'ERR_TAG', () => W.irecv(me, tag));
  throws(`iprobe ${label}`, 'ERR_TAG', () => W.iprobe(me, tag));
  await rejects(`probe ${label}`, 'ERR_TAG', () => W.probe(me, tag));
  await rejects(`sendrecv ${label}`, 'ERR_TAG', () => W.sendrecv(1, me, 0, me, tag));
}
// rank and size are read-only (this module is strict code: assigning throws).
const readOnlyWin = await W.createWindow(new Float64Array(1));
for (const [label, comm] of [['world', W], ['self', S], ['a window', readOnlyWin]] as const) {
  for (const field of ['rank', 'size'] as const) {
    const before = comm[field];
    let threw = false;
    try {
      (comm as unknown as Record<string, number>)[field] = 99;
    } catch (err) {
      threw = err instanceof TypeError;
    }
    check(`assigning ${label}.${field} throws a TypeError and changes nothing`, threw && comm[field] === before);
  }
}
await readOnlyWin.free();
// Status out-parameters: anything but a Status (or none) is refused when called.
for (const [label, st] of [['{}', {}], ['42', 42], ['"status"', 'status'], ['[]', []]] as const) {
  const status = st as unknown as Status;
  await rejects(`recv status ${label}`, 'ERR_ARG', () => W.recv(me, 11, status));
  await rejects(`recvInto status ${label}`, 'ERR_ARG', () => W.recvInto(new Uint8Array(4), me, 11, status));
  await rejects(`probe status ${label}`, 'ERR_ARG', () => W.probe(me, 11, status));
  throws(`iprobe status ${label}`, 'ERR_ARG', () => W.iprobe(me, 11, status));
  await rejects(`sendrecv status ${label}`, 'ERR_ARG', () => W.sendrecv(1, me, 11, me, 11, status));
  const done = W.irecv(PROC_NULL);
  throws(`request.test status ${label}`, 'ERR_ARG', () => done.test(status));
  await rejects(`request.wait status ${label}`, 'ERR_ARG', () => done.wait(status));
}
{
  // A message that comes meanwhile waits for the next receive; the connection is unharmed.
  const kept = W.isend('kept', (me + 1) % n, 12);
  await rejects('recv with a bad status while a message comes', 'ERR_ARG', () => W.recv((me - 1 + n) % n, 12, {} as Status));
  check('the message refused a bad status is received next', (await W.recv((me - 1 + n) % n, 12)) === 'kept');
  await kept;
}
// The same checks on the self communicator: rank 1 does not exist there.
await rejects('self: send to rank 1', 'ERR_RANK', () => S.send(1, 1));
throws('self: irecv from rank 1', 'ERR_RANK', () => S.irecv(1, 0));

// ---- roots ------------------------------------------------------------------------------

const badRoots: unknown[] = [n, -1, PROC_NULL, 1.5, NaN, '0', null];
const f64 = (len: number) => new Float64Array(len).fill(me + 1);
for (const r of badRoots) {
  const root = r as number;
  const label = `root ${String(r)}`;
  await rejects(`bcast ${label}`, 'ERR_ROOT', () => W.bcast(1, root));
  await rejects(`gather ${label}`, 'ERR_ROOT', () => W.gather(1, root));
  await rejects(`scatter ${label}`, 'ERR_ROOT', () => W.scatter(Array.from({ length: n }, (_, i) => i), root));
  await rejects(`reduce ${label}`, 'ERR_ROOT', () => W.reduce(1, SUM, root));
  await rejects(`gatherv ${label}`, 'ERR_ROOT', () => W.gatherv(f64(2), root));
  await rejects(`scatterv ${label}`, 'ERR_ROOT', () => W.scatterv(f64(n), new Array(n).fill(1), root));
}

// ---- counts -------------------------------------------------------------------------------

const ones = (len: number) => new Array<number>(len).fill(1);
await rejects('alltoall with size+1 items', 'ERR_COUNT', () => W.alltoall(ones(n + 1)));
if (n > 1) await rejects('alltoall with size-1 items', 'ERR_COUNT', () => W.alltoall(ones(n - 1)));
await rejects('scatterv counts of length size+1', 'ERR_COUNT', () => W.scatterv(f64(n + 1), ones(n + 1), 0));
await rejects('scatterv counts with a negative entry', 'ERR_COUNT', () => W.scatterv(f64(n), [-1, ...ones(n - 1)], 0));
await rejects('scatterv counts with a fractional entry', 'ERR_COUNT', () => W.scatterv(f64(n), [1.5, ...ones(n - 1)], 0));
await rejects('alltoallv sendCounts of length size+1', 'ERR_COUNT', () => W.alltoallv(f64(n + 1), ones(n + 1)));
await rejects('alltoallv sendCounts adding up to more than the array', 'ERR_COUNT', () => W.alltoallv(f64(n), new Array(n).fill(2)));
await rejects('alltoallv sendCounts adding up to less than the array', 'ERR_COUNT', () => W.alltoallv(f64(n + 1), ones(n)));
await rejects('alltoallv sendCounts not an array', 'ERR_COUNT', () => W.alltoallv(f64(n), 3 as unknown as number[]));
await rejects('reduceScatter counts of length size+1', 'ERR_COUNT', () => W.reduceScatter(f64(n + 1), ones(n + 1)));
await rejects('reduceScatter counts adding up to more than the array', 'ERR_COUNT', () => W.reduceScatter(f64(n), new Array(n).fill(2)));
// Checks that only the root can make (it alone holds the data): on a one-rank communicator.
await rejects('self: scatter with 2 items for 1 rank', 'ERR_COUNT', () => S.scatter([1, 2], 0));
await rejects('self: scatterv counts adding up to less than the array', 'ERR_COUNT', () => S.scatterv(f64(3), [2], 0));
// The same mistakes on the world: only the root holds the data, every rank must learn of them.
const rootOnly = <T>(value: T): T | null => (me === 0 ? value : null);
await rejects('scatter: the root passes size+1 items', 'ERR_COUNT', () => W.scatter(rootOnly(ones(n + 1)), 0));
await rejects('scatter: the root passes an unsendable item', 'ERR_ARG', () => W.scatter(rootOnly([...ones(n - 1), () => 1] as unknown[]), 0));
await rejects('scatterv: counts add up to less than the root array', 'ERR_COUNT', () => W.scatterv(rootOnly(f64(n + 2)), ones(n), 0));

// ---- ops ------------------------------------------------------------------------------------

const badOps: Array<[string, unknown]> = [
  ['the string "SUM"', 'SUM'],
  ['a plain object', {}],
  ['a function', fn],
  ['null', null],
  ['a number', 42],
  ['an Op look-alike', { name: 'SUM', commute: true, builtin: true }],
];
for (const [label, o] of badOps) {
  const op = o as Op;
  await rejects(`reduce with ${label}`, 'ERR_OP', () => W.reduce(1, op, 0));
  await rejects(`allreduce with ${label}`, 'ERR_OP', () => W.allreduce(1, op));
  await rejects(`scan with ${label}`, 'ERR_OP', () => W.scan(1, op));
  await rejects(`exscan with ${label}`, 'ERR_OP', () => W.exscan(1, op));
  await rejects(`reduceScatter with ${label}`, 'ERR_OP', () => W.reduceScatter(f64(n), ones(n), op));
}
throws('Op.create with a non-function', 'ERR_ARG', () => Op.create(42 as unknown as (a: number, b: number) => number));

// ---- values ----------------------------------------------------------------------------------

const VALUE_TAG = 4242;
const badValues: Array<[string, unknown]> = [
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['an object with a method', { a: 1, f() {} }],
  ['an array holding a function', [1, 2, () => 3]],
  ['a WeakMap', new WeakMap()],
  // Over the 1 GiB a peer accepts in one message (its pages are never touched).
  ['more than 1 GiB of bytes', new Uint8Array(2 ** 30 + 1)],
];
for (const [label, value] of badValues) {
  await rejects(`send ${label}`, 'ERR_ARG', () => W.send(value, me, VALUE_TAG));
  await rejects(`ssend ${label}`, 'ERR_ARG', () => W.ssend(value, me, VALUE_TAG));
  throws(`isend ${label}`, 'ERR_ARG', () => W.isend(value, me, VALUE_TAG));
  throws(`issend ${label}`, 'ERR_ARG', () => W.issend(value, me, VALUE_TAG));
  await rejects(`sendrecv ${label}`, 'ERR_ARG', () => W.sendrecv(value, me, VALUE_TAG, me, VALUE_TAG));
  await rejects(`self: send ${label}`, 'ERR_ARG', () => S.send(value, 0, VALUE_TAG));
  if (n > 1) await rejects(`send ${label} to the next rank`, 'ERR_ARG', () => W.send(value, (me + 1) % n, VALUE_TAG));
  // Nothing goes to PROC_NULL, but the value is as wrong there as anywhere.
  await rejects(`send ${label} to PROC_NULL`, 'ERR_ARG', () => W.send(value, PROC_NULL, VALUE_TAG));
  throws(`isend ${label} to PROC_NULL`, 'ERR_ARG', () => W.isend(value, PROC_NULL, VALUE_TAG));
}
// A value whose getter throws fails collectives as it fails sends, on every rank.
const throwingGetter = { get x(): number { throw new Error('getter says no'); } };
await rejects('bcast of a value whose getter throws', 'ERR_ARG', () => W.bcast(throwingGetter));
await rejects('allgather of a value whose getter throws', 'ERR_ARG', () => W.allgather(throwingGetter));
await rejects('gather of a value whose getter throws', 'ERR_ARG', () => W.gather(throwingGetter, 0));
// Nothing was sent: no message with that tag arrived here, from this rank or the previous one.
await W.barrier();
await new Promise((r) => setTimeout(r, 100));
check('nothing was sent by the refused sends', !W.iprobe(ANY_SOURCE, VALUE_TAG) && !S.iprobe(ANY_SOURCE, VALUE_TAG));
// Typed-array collectives need typed arrays (every rank checks its own).
await rejects('allgatherv with a plain array', 'ERR_ARG', () => W.allgatherv([1, 2] as unknown as Float64Array));
await rejects('gatherv with a string', 'ERR_ARG', () => W.gatherv('abc' as unknown as Float64Array, 0));
await rejects('alltoallv with a plain array', 'ERR_ARG', () => W.alltoallv([1] as unknown as Float64Array, ones(n)));
await rejects('reduceScatter with a plain array', 'ERR_ARG', () => W.reduceScatter(ones(n) as unknown as Float64Array, ones(n)));
await rejects('alltoall with a non-array', 'ERR_ARG', () => W.alltoall(7 as unknown as number[]));

// ---- communicators and topologies -------------------------------------------------------------

for (const [label, color] of [['-5', -5], ['1.5', 1.5], ['NaN', NaN], ['"a"', 'a'], ['null', null]] as const) {
  await rejects(`split with color ${label}`, 'ERR_ARG', () => W.split(color as unknown as number));
}
await rejects('split with key 1.5', 'ERR_ARG', () => W.split(0, 1.5));
await rejects('splitType with an unknown type', 'ERR_ARG', () => W.splitType('bogus' as 'shared'));
await rejects('createCart with more ranks than the communicator', 'ERR_ARG', () => W.createCart([n + 1]));
await rejects('createCart with a zero dimension', 'ERR_ARG', () => W.createCart([0]));
await rejects('createCart with periods of the wrong length', 'ERR_ARG', () => W.createCart([n], [true, false]));
await rejects('createDistGraphAdjacent with a bad source rank', 'ERR_RANK', () => W.createDistGraphAdjacent([n], []));
await rejects('createDistGraphAdjacent with a bad destination rank', 'ERR_RANK', () => W.createDistGraphAdjacent([], [-4]));

for (const [label, nnodes, dims] of [
  ['7 nodes in [2, 0]', 7, [2, 0]],
  ['6 nodes in [4, 0]', 6, [4, 0]],
  ['6 nodes in [2, 2]', 6, [2, 2]],
  ['0 nodes', 0, 2],
  ['-1 nodes', -1, 1],
  ['1.5 nodes', 1.5, 1],
  ['-1 dimensions', 4, -1],
  ['a fractional dimension', 4, [1.5, 0]],
  ['a negative dimension', 4, [-2, 0]],
] as Array<[string, number, number | number[]]>) {
  throws(`computeDims: ${label}`, 'ERR_ARG', () => computeDims(nnodes, dims));
}

const cart = await W.createCart([n], [false]);
if (!cart) throw new Error('createCart([size]) gave no communicator');
throws('cart.getCoords of a rank outside', 'ERR_RANK', () => cart.getCoords(n));
throws('cart.getRank of coordinates outside a non-periodic grid', 'ERR_ARG', () => cart.getRank([n]));
throws('cart.shift along a dimension that does not exist', 'ERR_ARG', () => cart.shift(5));
throws('cart.shift by a fractional displacement', 'ERR_ARG', () => cart.shift(0, 0.5));
await rejects('cart.sub with too many entries', 'ERR_ARG', () => cart.sub([true, true]));

// ---- freed communicators ------------------------------------------------------------------------

throws('free of world', 'ERR_COMM', () => W.free());
throws('free of self', 'ERR_COMM', () => S.free());

const freed = await W.dup();
freed.free();
await rejects('freed: send', 'ERR_COMM', () => freed.send(1, me));
await rejects('freed: ssend', 'ERR_COMM', () => freed.ssend(1, me));
await rejects('freed: recv', 'ERR_COMM', () => freed.recv(me));
await rejects('freed: probe', 'ERR_COMM', () => freed.probe(me));
await rejects('freed: sendrecv', 'ERR_COMM', () => freed.sendrecv(1, me, 0, me, 0));
throws('freed: isend', 'ERR_COMM', () => freed.isend(1, me));
throws('freed: issend', 'ERR_COMM', () => freed.issend(1, me));
throws('freed: irecv', 'ERR_COMM', () => freed.irecv(me));
throws('freed: iprobe', 'ERR_COMM', () => freed.iprobe(me));
throws('freed: free again', 'ERR_COMM', () => freed.free());
throws('freed: transportTo', 'ERR_COMM', () => freed.transportTo(me));
await rejects('freed: barrier', 'ERR_COMM', () => freed.barrier());
await rejects('freed: bcast', 'ERR_COMM', () => freed.bcast(1, 0));
await rejects('freed: gather', 'ERR_COMM', () => freed.gather(1, 0));
await rejects('freed: allgather', 'ERR_COMM', () => freed.allgather(1));
await rejects('freed: alltoall', 'ERR_COMM', () => freed.alltoall(ones(n)));
await rejects('freed: allreduce', 'ERR_COMM', () => freed.allreduce(1));
await rejects('freed: scan', 'ERR_COMM', () => freed.scan(1));
await rejects('freed: allgatherv', 'ERR_COMM', () => freed.allgatherv(f64(1)));
await rejects('freed: dup', 'ERR_COMM', () => freed.dup());
await rejects('freed: split', 'ERR_COMM', () => freed.split(0));
await rejects('freed: splitType', 'ERR_COMM', () => freed.splitType('shared'));
await rejects('freed: createCart', 'ERR_COMM', () => freed.createCart([n]));
await rejects('freed: createDistGraphAdjacent', 'ERR_COMM', () => freed.createDistGraphAdjacent([], []));
await rejects('freed: createWindow', 'ERR_COMM', () => freed.createWindow(f64(4)));
await rejects('freed: Pool.start', 'ERR_COMM', () => Pool.start(freed, { sq: (x: number) => x * x }));
check('freed: rank and size still readable', freed.rank === me && freed.size === n);

// ---- abort with a bad code: refused, and the job goes on ---------------------------------------

for (const code of [256, -1, 1.5, NaN, '2']) {
  throws(`abort(${String(code)})`, 'ERR_ARG', () => abort(code as number));
}

// ---- windows and the pool ----------------------------------------------------------------------

await rejects('createWindow with a plain array', 'ERR_ARG', () => W.createWindow([1, 2] as unknown as Float64Array));
const win = await W.createWindow(new Float64Array(4));
await win.fence();
await rejects('win.put to a rank outside', 'ERR_RANK', () => win.put(new Float64Array(1), n));
await rejects('win.put beyond the window', 'ERR_ARG', () => win.put(new Float64Array(2), 0, 3));
await rejects('win.put of another element type', 'ERR_ARG', () => win.put(new Int32Array(1) as unknown as Float64Array, 0));
await rejects('win.get from a rank outside', 'ERR_RANK', () => win.get(-5, 0, 1));
await rejects('win.get beyond the window', 'ERR_ARG', () => win.get(0, 0, 5));
await rejects('win.get with a negative offset', 'ERR_ARG', () => win.get(0, -1, 1));
await rejects('win.accumulate with a non-Op', 'ERR_OP', () => win.accumulate(new Float64Array(1), 0, 0, 'SUM' as unknown as Op));
await rejects('win.fetchAndOp with a non-Op', 'ERR_OP', () => win.fetchAndOp(1, 0, 0, {} as Op));
await rejects('win.fetchAndOp to a rank outside', 'ERR_RANK', () => win.fetchAndOp(1, n, 0));
await rejects('win.lock with an unknown kind', 'ERR_ARG', () => win.lock(0, 'weird' as 'shared'));
await win.fence();
await win.free();

await rejects('Pool.start with a task that is not a function', 'ERR_ARG', () => Pool.start(W, { sq: 42 } as never));
const pool = await Pool.start(W, { sq: (x: number) => x * x });
if (pool) {
  await rejects('pool.submit of an unknown task', 'ERR_ARG', () => pool.submit('nope' as 'sq', 1));
  await rejects('pool.map of an unknown task', 'ERR_ARG', () => pool.map('nope' as 'sq', [1, 2]));
  await rejects('pool.map with chunksize 0', 'ERR_ARG', () => pool.map('sq', [1, 2], { chunksize: 0 }));
  check('the pool still works after the errors', (await pool.submit('sq', 7)) === 49);
  await pool.close();
  await rejects('pool.submit after close', 'ERR_ARG', () => pool.submit('sq', 1));
}

// ---- after all these errors, the communicators still work ---------------------------------------

const right = (me + 1) % n;
const left = (me - 1 + n) % n;
const ring = W.isend({ from: me, payload: new Uint8Array(100_000).fill(me) }, right, 7);
const got = await W.recv<{ from: number; payload: Uint8Array }>(left, 7);
await ring;
check('ring after the errors', got.from === left && got.payload[99_999] === left, JSON.stringify(got.from));
check('allreduce after the errors', (await W.allreduce(me + 1, SUM)) === (n * (n + 1)) / 2);
check('allreduce MAX after the errors', (await W.allreduce(me, MAX)) === n - 1);
check('self send/recv after the errors', await S.sendrecv('hi', 0, 3, 0, 3).then((v) => v === 'hi'));
const [idx] = await Request.waitany([W.irecv(PROC_NULL)]);
check('receive from PROC_NULL still completes', idx === 0);
await W.barrier();

// ---- after finalize -------------------------------------------------------------------------------

await finalize();
check('isFinalized() after finalize', isFinalized() === true);
await rejects('send after finalize', 'ERR_NOT_INITIALIZED', () => W.send(1, me));
await rejects('recv after finalize', 'ERR_NOT_INITIALIZED', () => W.recv(me));
throws('isend after finalize', 'ERR_NOT_INITIALIZED', () => W.isend(1, me));
throws('irecv after finalize', 'ERR_NOT_INITIALIZED', () => W.irecv(me));
throws('iprobe after finalize', 'ERR_NOT_INITIALIZED', () => W.iprobe(me));
await rejects('barrier after finalize', 'ERR_NOT_INITIALIZED', () => W.barrier());
await rejects('bcast after finalize', 'ERR_NOT_INITIALIZED', () => W.bcast(1));
await rejects('allreduce after finalize', 'ERR_NOT_INITIALIZED', () => W.allreduce(1));
await rejects('dup after finalize', 'ERR_NOT_INITIALIZED', () => W.dup());
await rejects('split after finalize', 'ERR_NOT_INITIALIZED', () => W.split(0));
await rejects('self: send after finalize', 'ERR_NOT_INITIALIZED', () => S.send(1, 0));
throws('commWorld() after finalize', 'ERR_NOT_INITIALIZED', () => commWorld());
throws('commSelf() after finalize', 'ERR_NOT_INITIALIZED', () => commSelf());
await rejects('init() after finalize', 'ERR_NOT_INITIALIZED', () => init());
let again = 'resolved';
await finalize().catch((err: unknown) => {
  again = `rejects ${describeError(err)}`;
});
record('finalize() again (idempotent)', 'resolved', again);

console.log(`BADARGS ${JSON.stringify({ rank: me, size: n, checks, failures })}`);

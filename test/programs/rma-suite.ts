// End-to-end checks of one-sided windows, run under tsmpiexec at several sizes. Rank 0
// prints "ok <check>" once every rank passed a check; any failure throws, which ends
// the job with a non-zero status.
import { init, finalize, MAX, MpiError, REPLACE, SUM, BAND, NO_OP, PROC_NULL, type Comm, type Win } from 'tsmpi';
import { check, done } from './harness.js';

const world = await init();
// Check bookkeeping runs on its own communicator, so it never mixes with window traffic.
const control = await world.dup();
const { rank, size } = world;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;

async function errorOf(f: () => Promise<unknown>): Promise<MpiError | null> {
  try {
    await f();
    return null;
  } catch (err) {
    if (err instanceof MpiError) return err;
    throw err;
  }
}

/**
 * Layout of each rank's window (Float64, 4n elements):
 * [0, n): put region — slot r written by rank r;
 * [n, 2n): SUM region; [2n, 3n): MAX region; [3n, 4n): REPLACE region.
 */
async function fenceEpochs(): Promise<void> {
  const mem = new Float64Array(4 * size).fill(-1);
  const win = await world.createWindow(mem);
  await win.fence();
  for (let t = 0; t < size; t++) void win.put(new Float64Array([rank * 10]), t, rank);
  await win.fence();
  for (let r = 0; r < size; r++) check(mem[r] === r * 10, `put from ${r} arrived as ${mem[r]}`);

  // Epoch 2: every rank accumulates into the whole SUM, MAX and REPLACE regions of every rank.
  mem.fill(0, size, 4 * size);
  await win.fence();
  const mine = Float64Array.from({ length: size }, (_, i) => rank + i);
  const pending: Promise<void>[] = [];
  for (let t = 0; t < size; t++) {
    pending.push(win.accumulate(mine, t, size, SUM), win.accumulate(mine, t, 2 * size, MAX), win.accumulate(mine, t, 3 * size, REPLACE));
  }
  await Promise.all(pending);
  await win.fence();
  const rankSum = (size * (size - 1)) / 2;
  for (let i = 0; i < size; i++) {
    check(mem[size + i] === rankSum + size * i, `SUM slot ${i} = ${mem[size + i]}`);
    check(mem[2 * size + i] === size - 1 + i, `MAX slot ${i} = ${mem[2 * size + i]}`);
    const replaced = mem[3 * size + i]! - i;
    check(Number.isInteger(replaced) && replaced >= 0 && replaced < size, `REPLACE slot ${i} = ${mem[3 * size + i]}`);
  }

  // Epoch 3: read the neighbour's put region; the owner writes its own memory between fences.
  mem[0] = 1000 + rank;
  await win.fence();
  const got = await win.get(next, 0, size);
  check(got instanceof Float64Array && got.length === size, 'get gives a Float64Array of count elements');
  check(got[0] === 1000 + next, `get saw ${got[0]} for the owner's store`);
  for (let r = 1; r < size; r++) check(got[r] === r * 10, `get slot ${r} = ${got[r]}`);
  await win.fence();
  await win.free();
  await done(control, 'fence epochs with put, get and accumulate (SUM, MAX, REPLACE)');
}

async function bigTransfers(): Promise<void> {
  const n = 256 * 1024; // 2 MiB of Float64: far above the eager limit
  const mem = new Float64Array(n);
  const win = await world.createWindow(mem);
  const data = Float64Array.from({ length: n }, (_, i) => rank * n + i);
  // Not awaited: the fence alone must complete the transfer.
  void win.put(data, next, 0);
  await win.fence();
  check(mem[0] === prev * n && mem[n - 1] === prev * n + n - 1 && mem[n >> 1] === prev * n + (n >> 1), 'big put arrived');
  const back = await win.get(prev, 0, n);
  check(back[0] === ((prev - 1 + size) % size) * n && back[n - 1] === ((prev - 1 + size) % size) * n + n - 1, 'big get');
  // Every rank's get is done before anyone accumulates (the get read the same memory).
  await win.fence();
  // A big accumulate, under a lock this time.
  await win.lock(next, 'shared');
  await win.accumulate(new Float64Array(n).fill(1), next, 0, SUM);
  await win.unlock(next);
  await win.fence();
  check(mem[7] === prev * n + 8, `big accumulate gave ${mem[7]}`);
  await win.free();
  await done(control, 'big puts, gets and accumulates (rendezvous)');
}

async function exclusiveLocks(): Promise<void> {
  // Slot 0: a counter updated by get + put (not atomic: only the lock protects it);
  // slot 1: how many ranks are inside the lock right now.
  const mem = new Int32Array(2);
  const win = await world.createWindow(mem);
  const rounds = 20;
  for (let i = 0; i < rounds; i++) {
    await win.lock(0, 'exclusive');
    const inside = await win.fetchAndOp(1, 0, 1, SUM);
    check(inside === 0, `${inside} other rank(s) inside an exclusive lock`);
    const [v] = await win.get(0, 0, 1);
    await win.put(new Int32Array([v! + 1]), 0, 0);
    await win.fetchAndOp(-1, 0, 1, SUM);
    await win.unlock(0);
  }
  await control.barrier();
  if (rank === 0) {
    await win.lock(0, 'exclusive');
    check(mem[0] === rounds * size, `exclusive-lock counter ended at ${mem[0]}, expected ${rounds * size}`);
    await win.unlock(0);
  }
  await win.free();
  await done(control, 'lock/unlock exclusive');
}

async function sharedLocks(): Promise<void> {
  const mem = new Float64Array(size);
  const win = await world.createWindow(mem);
  // Every rank holds a shared lock on rank 0 at the same time: if shared locks
  // excluded each other this barrier could never complete.
  await win.lock(0, 'shared');
  await control.barrier();
  await win.accumulate(new Float64Array([rank + 1]), 0, rank, SUM);
  await win.unlock(0);
  await control.barrier();
  // An exclusive lock waits for every shared one: afterwards every accumulate is visible.
  if (rank === 0) {
    await win.lock(0, 'exclusive');
    for (let r = 0; r < size; r++) check(mem[r] === r + 1, `shared-lock accumulate slot ${r} = ${mem[r]}`);
    await win.unlock(0);
  }
  // PROC_NULL targets do nothing.
  await win.lock(PROC_NULL, 'shared');
  await win.put(new Float64Array([1]), PROC_NULL, 0);
  await win.unlock(PROC_NULL);
  await win.free();
  await done(control, 'lock/unlock shared');
}

/**
 * A lock that is not awaited (MPI's lock may return before the grant): what the origin
 * sends meanwhile belongs to its epoch, so it is applied only once the lock is granted,
 * never during another rank's exclusive lock; unlock and free still work.
 */
async function lockNotAwaited(): Promise<void> {
  const mem = new Int32Array(1);
  const win = await world.createWindow(mem);
  const target = size - 1;
  // With one rank, nobody else can hold the lock: the same calls simply run in order.
  const waiter = size > 1 ? 1 : -1;
  if (size === 1) await Promise.all([win.lock(0), win.put(new Int32Array([7]), 0, 0), win.unlock(0)]);
  if (rank === 0 && size > 1) await win.lock(target, 'exclusive');
  await control.barrier();
  if (rank === waiter) {
    const epoch = [win.lock(target, 'exclusive'), win.put(new Int32Array([7]), target, 0), win.unlock(target)];
    await control.send('sent', 0, 1);
    await Promise.all(epoch);
  }
  if (rank === 0 && size > 1) {
    await control.recv(waiter, 1);
    // Time for the waiter's requests to reach the target, where they must wait.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [seen] = await win.get(target, 0, 1);
    check(seen === 0, `a put made while its lock waited landed during another rank's exclusive lock (${seen})`);
    await win.unlock(target);
  }
  await control.barrier();
  if (rank === target) check(mem[0] === 7, `the put of the epoch whose lock waited gave ${mem[0]}`);
  // free releases a lock still waiting, after the one held ahead of it.
  if (rank === 0 && size > 1) await win.lock(target, 'exclusive');
  await control.barrier();
  const pending = rank === waiter ? win.lock(target, 'shared') : Promise.resolve();
  await win.free();
  await pending;
  await done(control, 'lock not awaited: the epoch waits for the grant');
}

async function atomicCounter(): Promise<void> {
  const mem = new Int32Array(1);
  const win = await world.createWindow(mem);
  const seen: number[] = [];
  for (let i = 0; i < 100; i++) seen.push(Number(await win.fetchAndOp(1, 0, 0)));
  await win.fence();
  const all = (await control.gather(seen, 0))?.flat();
  if (rank === 0) {
    check(mem[0] === 100 * size, `counter ended at ${mem[0]}, expected ${100 * size}`);
    // Atomic increments hand out every value exactly once.
    const sorted = all!.sort((a, b) => a - b);
    check(sorted.every((v, i) => v === i), 'fetchAndOp returned a value twice');
  }
  // The other fetch-and-ops: NO_OP reads, REPLACE swaps.
  await win.fence();
  if (rank === size - 1) {
    check((await win.fetchAndOp(0, 0, 0, NO_OP)) === 100 * size, 'NO_OP reads');
    check((await win.fetchAndOp(-5, 0, 0, REPLACE)) === 100 * size, 'REPLACE returns the old value');
    check((await win.fetchAndOp(0, 0, 0, NO_OP)) === -5, 'REPLACE stored the new value');
  }
  await win.fence();
  await win.free();
  await done(control, 'atomic counter: 100 fetchAndOp per rank ends at 100 × n');
}

async function casLock(): Promise<void> {
  // Slot 0: the lock word (0 free, r + 1 held by rank r); slot 1: ranks inside;
  // slot 2: a counter changed by get + put, which only the lock protects.
  const mem = new BigInt64Array(3);
  const win = await world.createWindow(mem);
  const me = BigInt(rank + 1);
  const rounds = 10;
  for (let i = 0; i < rounds; i++) {
    while ((await win.compareAndSwap(me, 0n, 0, 0)) !== 0n) {
      /* spin: every call is a round trip, so others progress */
    }
    check((await win.fetchAndOp(1n, 0, 1)) === 0n, 'two ranks inside the CAS lock');
    const [v] = await win.get(0, 2, 1);
    await win.put(new BigInt64Array([v! + 1n]), 0, 2);
    await win.fetchAndOp(-1n, 0, 1);
    // Release; the target applies it after the put (one origin's requests stay in order).
    check((await win.compareAndSwap(0n, me, 0, 0)) === me, 'the lock word changed while held');
  }
  await win.fence();
  if (rank === 0) check(mem[2] === BigInt(rounds * size), `CAS-lock counter ended at ${mem[2]}`);
  await win.free();
  await done(control, 'compareAndSwap as a lock');
}

async function outOfRange(): Promise<void> {
  // Window sizes differ by rank: rank r exposes r + 3 elements.
  const win = await world.createWindow(new Float64Array(rank + 3));
  const t = next;
  const windowSize = t + 3;
  const expectRange = async (what: string, f: () => Promise<unknown>) => {
    const err = await errorOf(f);
    check(err?.errorClass === 'ERR_ARG', `${what}: expected ERR_ARG, got ${err?.errorClass ?? 'success'}`);
    check(err.message.includes(`window size ${windowSize}`), `${what}: message does not name the window size: ${err.message}`);
  };
  await expectRange('put past the end', () => win.put(new Float64Array(2), t, windowSize - 1));
  await expectRange('get past the end', () => win.get(t, 0, windowSize + 1));
  await expectRange('accumulate past the end', () => win.accumulate(new Float64Array(1), t, windowSize));
  await expectRange('fetchAndOp past the end', () => win.fetchAndOp(1, t, windowSize));
  await expectRange('compareAndSwap past the end', () => win.compareAndSwap(1, 0, t, windowSize + 7));
  check((await errorOf(() => win.get(t, -1, 1)))?.errorClass === 'ERR_ARG', 'negative offset');
  check((await errorOf(() => win.get(t, 0.5, 1)))?.errorClass === 'ERR_ARG', 'fractional offset');
  check((await errorOf(() => win.put(new Float64Array(1), size, 0)))?.errorClass === 'ERR_RANK', 'target = size');
  check((await errorOf(() => win.get(-7, 0, 1)))?.errorClass === 'ERR_RANK', 'negative target');
  check((await errorOf(() => win.get(PROC_NULL, 0, 1)))?.errorClass === 'ERR_RANK', 'get from PROC_NULL');
  const wrongType = new Int32Array(1) as unknown as Float64Array;
  check((await errorOf(() => win.put(wrongType, t, 0)))?.errorClass === 'ERR_ARG', 'wrong element type');
  // The types refuse it too; a JavaScript caller can still pass one.
  check((await errorOf(() => win.fetchAndOp(1n as unknown as number, t, 0)))?.errorClass === 'ERR_ARG', 'bigint on a float window');
  check((await errorOf(() => win.accumulate(new Float64Array(1), t, 0, BAND)))?.errorClass === 'ERR_OP', 'BAND on floats');
  check((await errorOf(() => win.unlock(t)))?.errorClass === 'ERR_ARG', 'unlock without lock');
  // In range, the same calls work.
  await win.put(new Float64Array([5, 6]), t, windowSize - 2);
  await win.fence();
  const got = await win.get(t, windowSize - 2, 2);
  check(got[0] === 5 && got[1] === 6, 'in-range access after errors');
  await win.free();
  check((await errorOf(() => win.get(t, 0, 1)))?.errorClass === 'ERR_ARG', 'use after free');
  if (size > 1) {
    // Element types that differ between ranks fail on every rank, without a hang.
    const mixed = rank % 2 === 0 ? new Float64Array(1) : new Int32Array(1);
    const err = await errorOf(() => world.createWindow(mixed));
    check(err?.errorClass === 'ERR_ARG', `mixed window types: ${err?.errorClass ?? 'success'}`);
  }
  await done(control, 'out-of-range access fails with ERR_ARG naming the window size');
}

async function manyWindows(): Promise<void> {
  const count = 24;
  const kinds = [Float64Array, Int32Array, Uint8Array, Float32Array] as const;
  const windows: Array<Win<Float64Array | Int32Array | Uint8Array | Float32Array>> = [];
  const memoryFor = (w: number) => new (kinds[w % kinds.length]!)(size);
  for (let w = 0; w < count / 2; w++) windows.push(await world.createWindow(memoryFor(w)));
  // The other half created together, not awaited in turn: each must still be a window of its own.
  const together = Array.from({ length: count / 2 }, (_, i) => world.createWindow(memoryFor(count / 2 + i)));
  windows.push(...(await Promise.all(together)));
  // Every rank writes (w + rank) into slot `rank` of every window of its neighbour, all at once.
  await Promise.all(
    windows.map((win, w) => {
      const Kind = kinds[w % kinds.length]!;
      return win.put(Kind.from([w + rank]), next, rank);
    }),
  );
  for (const win of windows) await win.fence();
  windows.forEach((win, w) => check(win.memory[prev] === w + prev, `window ${w} slot ${prev} = ${win.memory[prev]}`));
  // Passive target on all of them at once, then free them all.
  await Promise.all(windows.map((win) => win.fetchAndOp(1, 0, 0)));
  for (const win of windows) await win.free();
  await done(control, 'many windows at once');
}

async function leaveOneOpen(comm: Comm): Promise<void> {
  // Never freed: an idle window must not keep the program from finishing.
  const win = await comm.createWindow(new Uint8Array(8));
  await win.put(new Uint8Array([1]), next, rank % 8);
  await win.fence();
}

await fenceEpochs();
await bigTransfers();
await exclusiveLocks();
await sharedLocks();
await lockNotAwaited();
await atomicCounter();
await casLock();
await outOfRange();
await manyWindows();
await leaveOneOpen(world);
await finalize();

// End-to-end point-to-point checks, run under tsmpiexec at several sizes. Rank 0 prints
// "ok <check>" for each check that passed on every rank; any failure throws, which
// ends the job with a non-zero status.
import { createHash } from 'node:crypto';
import { init, finalize, ANY_SOURCE, ANY_TAG, PROC_NULL, Request, Status, wtime, type Comm } from 'tsmpi';
import { sameIdentities, sameValue, sampleValues } from './values.js';
import { check, errorClassOf, done, expectError } from './harness.js';
import { EAGER_BYTES } from '../../src/p2p/limits.js';

const world = await init();
// Check bookkeeping runs on its own communicator, so it never matches the traffic under test.
const control = await world.dup();
const { rank, size } = world;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;

async function ringOfEveryValue(): Promise<void> {
  for (const [name, value] of sampleValues()) {
    const sent = world.send(value, next, 1);
    const got = await world.recv(prev, 1);
    await sent;
    check(sameValue(got, value), `value ${name} arrived as ${String(got)}`);
    check(sameIdentities(name, got), `value ${name} lost its shared references`);
  }
  await done(control, 'ring of every value kind');
}

async function anySourceFanIn(): Promise<void> {
  if (rank !== 0) {
    await world.send({ from: rank }, 0, 100 + rank);
  } else {
    const seen = new Set<number>();
    for (let i = 1; i < size; i++) {
      const status = new Status();
      const msg = await world.recv<{ from: number }>(ANY_SOURCE, ANY_TAG, status);
      check(status.source === msg.from && status.tag === 100 + msg.from, `status ${status.source}/${status.tag} for ${msg.from}`);
      check(status.count === 1 && status.bytes > 0, `status count ${status.count} bytes ${status.bytes}`);
      seen.add(msg.from);
    }
    check(seen.size === size - 1, 'fan-in missed a sender');
  }
  await done(control, 'ANY_SOURCE fan-in with Status');
}

const BIG = 4 * 1024 * 1024;

/** The last rank sends 1000 messages without awaiting; rank 0 receives them in call order. */
async function orderedFlood(): Promise<void> {
  const sender = size - 1;
  if (rank === sender) {
    const sends: Request<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      const big = i % 100 === 50;
      if (big) {
        const a = new Uint32Array(BIG / 4).fill(i);
        sends.push(world.isend(a, 0, 7));
      } else {
        sends.push(world.isend({ seq: i }, 0, 7));
      }
    }
    await Request.waitall(sends);
  }
  if (rank === 0) {
    for (let i = 0; i < 1000; i++) {
      const got = await world.recv<Uint32Array | { seq: number }>(sender, 7);
      if (got instanceof Uint32Array) {
        check(got.length === BIG / 4 && got[0] === i && got[got.length - 1] === i, `big message ${i} out of order`);
      } else {
        check(got.seq === i, `message ${got.seq} arrived as number ${i}`);
      }
    }
  }
  await done(control, '1000 un-awaited sends arrive in call order');
}

function digest(a: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

async function typedArraysIntact(): Promise<void> {
  // Both sides of the eager/rendezvous switch, and one large enough for many socket reads.
  for (const bytes of [0, 64 * 1024, EAGER_BYTES, EAGER_BYTES + 8, 16 * 1024 * 1024]) {
    const data = new Float64Array(bytes / 8);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i + rank) * 1e6;
    const sent = world.send({ digest: digest(data) }, next, 3);
    const sentData = world.send(data, next, 4);
    const meta = await world.recv<{ digest: string }>(prev, 3);
    const got = await world.recv<Float64Array>(prev, 4);
    await Promise.all([sent, sentData]);
    check(got instanceof Float64Array && got.length === bytes / 8, `typed array of ${bytes} B arrived as ${got?.constructor?.name} ${got?.length}`);
    check(digest(got) === meta.digest, `checksum mismatch for ${bytes} B`);
  }
  await done(control, '0 B, 64 KiB, eager-limit and 16 MiB typed arrays intact');
}

async function ssendWaitsForReceive(): Promise<void> {
  if (size >= 2) {
    if (rank === 0) {
      const t0 = wtime();
      await world.ssend('sync', 1, 11);
      const completedAt = wtime();
      const postedAt = await world.recv<number>(1, 12);
      // Rank 1 sleeps 400 ms before it posts the receive.
      check(completedAt - t0 >= 0.25, `ssend completed after ${(completedAt - t0).toFixed(3)} s, before the receive was posted`);
      check(completedAt >= postedAt - 0.01, 'ssend completed before the receive was posted');
      // A small standard send completes before its receive is posted: the receiver
      // posts it only after hearing that the send completed.
      await world.send('standard', 1, 13);
      await world.send('sent', 1, 14);
    } else if (rank === 1) {
      await new Promise((r) => setTimeout(r, 400));
      const postedAt = wtime();
      const got = await world.recv(0, 11);
      check(got === 'sync', 'ssend payload');
      await world.send(postedAt, 0, 12);
      const heard = await Promise.race([world.recv(0, 14), new Promise((r) => setTimeout(() => r('timeout'), 20_000).unref())]);
      check(heard === 'sent', 'a small standard send waited for its receive');
      check((await world.recv(0, 13)) === 'standard', 'standard payload');
    }
  } else {
    const req = world.issend('self', 0, 11);
    check(!req.test()[0], 'ssend to self completed before the receive');
    check((await world.recv(0, 11)) === 'self', 'self ssend payload');
    await req;
  }
  await done(control, 'ssend completes only after the matching receive');
}

async function cancelUnmatched(): Promise<void> {
  const req = world.irecv(prev, 999);
  req.cancel();
  const status = new Status();
  const value = await req.wait(status);
  check(status.cancelled && value === undefined, 'cancelled receive');
  check(!req.active, 'cancelled request still active');
  await done(control, 'cancel of an unmatched irecv');
}

async function procNull(): Promise<void> {
  await world.send('nothing', PROC_NULL);
  const status = new Status();
  const got = await world.recv(PROC_NULL, 5, status);
  check(got === undefined && status.source === PROC_NULL, 'PROC_NULL receive');
  const r = await world.sendrecv('x', PROC_NULL, 0, PROC_NULL);
  check(r === undefined, 'PROC_NULL sendrecv');
  await done(control, 'PROC_NULL');
}

async function probes(): Promise<void> {
  const payload = new Int32Array([1, 2, 3, 4, 5]);
  const sent = world.send(payload, next, 21);
  const status = new Status();
  await world.probe(ANY_SOURCE, 21, status);
  check(status.source === prev && status.tag === 21 && status.count === 5 && status.bytes === 20, `probe status ${JSON.stringify(status)}`);
  const s2 = new Status();
  check(world.iprobe(prev, 21, s2) && s2.count === 5, 'iprobe after probe');
  check(!world.iprobe(prev, 22), 'iprobe of a message never sent');
  const got = await world.recv<Int32Array>(prev, 21);
  check(got instanceof Int32Array && got[4] === 5, 'received after probe');
  await sent;
  await done(control, 'probe and iprobe');
}

async function errors(comm: Comm): Promise<void> {
  check((await errorClassOf(() => comm.send(1, size))) === 'ERR_RANK', 'bad rank');
  check((await errorClassOf(() => comm.send(1, -5))) === 'ERR_RANK', 'negative rank');
  check((await errorClassOf(() => comm.send(1, next, -3))) === 'ERR_TAG', 'bad tag');
  check((await errorClassOf(() => comm.send(1, next, 2 ** 31))) === 'ERR_TAG', 'tag above TAG_UB');
  check((await errorClassOf(() => comm.recv(size + 2))) === 'ERR_RANK', 'bad source');
  check((await errorClassOf(() => comm.send(() => 1, next))) === 'ERR_ARG', 'function value');
  check((await errorClassOf(() => comm.send({ s: Symbol('x') }, next))) === 'ERR_ARG', 'symbol value');
  check((await errorClassOf(() => comm.isend(1, size + 1))) === 'ERR_RANK', 'isend throws');
  // The channel still works afterwards.
  const sent = comm.send('still fine', next, 31);
  check((await comm.recv(prev, 31)) === 'still fine', 'channel after errors');
  await sent;
  await done(control, 'error classes for bad rank, tag and value');
}

async function selfSend(): Promise<void> {
  const a = new Float32Array([1, 2, 3]);
  await world.send(a, rank, 41);
  a[0] = 99; // the send completed, so the receiver must hold its own copy
  const got = await world.recv<Float32Array>(rank, 41);
  check(got instanceof Float32Array && got[0] === 1 && got[2] === 3, 'self send');
  await done(control, 'self send');
}

/**
 * recvInto around the ring: eager and rendezvous sizes, a window of receives into one
 * buffer, a shorter message, a message too long (which is consumed: the next one
 * still arrives), a structured value, self and PROC_NULL, and bad buffers.
 */
async function receiveIntoBuffer(): Promise<void> {
  const buf = new Float64Array(16 * 1024 * 1024 / 8);
  for (const bytes of [0, 8, EAGER_BYTES, EAGER_BYTES + 8, 16 * 1024 * 1024]) {
    const data = new Float64Array(bytes / 8);
    for (let i = 0; i < data.length; i++) data[i] = Math.cos(i + rank) * 1e6;
    const sent = world.send({ digest: digest(data) }, next, 50);
    const sentData = world.send(data, next, 51);
    const meta = await world.recv<{ digest: string }>(prev, 50);
    const status = new Status();
    const got = await world.recvInto(buf, prev, 51, status);
    await Promise.all([sent, sentData]);
    check(got.buffer === buf.buffer && got.byteOffset === 0 && got.length === bytes / 8, `recvInto of ${bytes} B resolved with ${got.length} elements`);
    check(got === buf || bytes < buf.byteLength, 'a message that fills the buffer resolves with the buffer itself');
    check(status.source === prev && status.tag === 51 && status.bytes === bytes && status.count === bytes / 8, `recvInto status ${JSON.stringify(status)}`);
    check(digest(got) === meta.digest, `recvInto checksum mismatch for ${bytes} B`);
  }

  // Windows into one buffer, of rendezvous messages and of eager ones large enough to
  // come detached (their payload is read into the buffer once their header matched).
  for (const bytes of [EAGER_BYTES * 2, 64 * 1024]) {
    const window = new Uint8Array(bytes);
    const sends = Array.from({ length: 8 }, (_, i) => world.isend(new Uint8Array(bytes).fill(i + 1), next, 52));
    const received = await Request.waitall(Array.from({ length: 8 }, () => world.irecvInto(window, prev, 52)));
    await Request.waitall(sends);
    check(received.every((r) => r === window) && window[0] === 8 && window[bytes - 1] === 8, `a window of ${bytes} B receives into one buffer ends with the last message`);
  }

  const small = new Int32Array(4);
  const tooLong = world.send(new Int32Array(5).fill(7), next, 53);
  const thenFits = world.send(Int32Array.of(1, 2, 3, 4), next, 53);
  await expectError(() => world.recvInto(small, prev, 53), 'ERR_TRUNCATE', 'recvInto of a message too long');
  check(small.every((x) => x === 0), 'a message too long left the buffer alone');
  same4(await world.recvInto(small, prev, 53), [1, 2, 3, 4], 'the message after a truncated one');
  const value = world.send({ not: 'bytes' }, next, 54);
  await expectError(() => world.recvInto(small, prev, 54), 'ERR_ARG', 'recvInto of a structured value');
  await Promise.all([tooLong, thenFits, value]);

  // A rendezvous too long, from ANY_SOURCE: the Status still names the sender.
  const bigSend = world.send(new Float64Array((EAGER_BYTES + 64) / 8), next, 56);
  const refused = new Status();
  await expectError(() => world.recvInto(new Float64Array(4), ANY_SOURCE, 56, refused), 'ERR_TRUNCATE', 'recvInto of a rendezvous too long');
  check(refused.source === prev && refused.tag === 56 && refused.bytes === EAGER_BYTES + 64, `status of a refused message ${JSON.stringify(refused)}`);
  await bigSend;
  // Declined data never moves: the next rendezvous on the same tag arrives whole.
  const fitting = new Float64Array((EAGER_BYTES + 64) / 8).map((_, i) => i + 0.5);
  const refusedSend = world.send(new Float64Array((EAGER_BYTES + 128) / 8), next, 56);
  const fittingSend = world.send(fitting, next, 56);
  const landing = new Float64Array(fitting.length);
  await expectError(() => world.recvInto(landing, prev, 56), 'ERR_TRUNCATE', 'recvInto of a rendezvous too long, followed by one that fits');
  await world.recvInto(landing, prev, 56);
  check(landing.every((x, i) => x === i + 0.5), 'a rendezvous after a declined one arrives whole');
  await Promise.all([refusedSend, fittingSend]);
  // A synchronous send the receive declines completes: the receive matched it.
  const syncRefused = world.ssend(new Float64Array(8), next, 61);
  await expectError(() => world.recvInto(new Float64Array(2), prev, 61), 'ERR_TRUNCATE', 'recvInto of an ssend too long');
  await syncRefused;

  // Another element type is taken byte for byte; the count is in the buffer's elements.
  const bytesSent = world.send(new Uint8Array(24).fill(1), next, 57);
  const counted = new Status();
  const asFloats = await world.recvInto(new Float64Array(8), prev, 57, counted);
  check(asFloats.length === 3 && counted.count === 3 && counted.bytes === 24, `count in the buffer's elements: ${JSON.stringify(counted)}`);
  await bytesSent;

  const cancelled = world.irecvInto(new Float64Array(2), prev, 58);
  cancelled.cancel();
  const cancelStatus = new Status();
  check((await cancelled.wait(cancelStatus)) === undefined && cancelStatus.cancelled, 'irecvInto cancelled before a message came');

  const self = Int32Array.of(9, 8, 7);
  const toSelf = world.isend(self, rank, 55);
  same4(await world.recvInto(new Int32Array(3), rank, 55), [9, 8, 7], 'recvInto from self');
  await toSelf;

  const untouched = Float32Array.of(1, 2);
  const status = new Status();
  const fromNull = await world.recvInto(untouched, PROC_NULL, 0, status);
  check(fromNull.length === 0 && untouched[0] === 1 && status.source === PROC_NULL, 'recvInto from PROC_NULL');
  for (const bad of [new DataView(new ArrayBuffer(8)), new ArrayBuffer(8), [1, 2], null, 'text']) {
    await expectError(() => world.recvInto(bad as unknown as Uint8Array, prev, 0), 'ERR_ARG', `recvInto into ${String(bad)}`);
  }
  await expectError(() => world.recvInto(small, size + 1, 0), 'ERR_RANK', 'recvInto from a bad rank');
  await expectError(() => world.recvInto(small, prev, -7), 'ERR_TAG', 'recvInto with a bad tag');
  await done(control, 'recvInto: sizes, one buffer for a window, shorter, too long (with its status), wrong kind, count, cancel, self, PROC_NULL, bad buffers');
}

function same4(got: Int32Array, want: number[], what: string): void {
  check(got instanceof Int32Array && got.length === want.length && want.every((x, i) => got[i] === x), `${what}: got ${String(got)}`);
}

await ringOfEveryValue();
await anySourceFanIn();
await orderedFlood();
await typedArraysIntact();
await ssendWaitsForReceive();
await cancelUnmatched();
await procNull();
await probes();
await errors(world);
await selfSend();
await receiveIntoBuffer();
await finalize();

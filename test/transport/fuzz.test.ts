/**
 * Fuzzing of what a connection's peer controls before and after authentication:
 * the frame decoder (every byte of every WebSocket message of a channel) and the
 * handshake check (every header of an upgrade request).
 *
 * Every input is generated from (seed, index) alone, so a failure names the one input
 * to look at: rerun with TSMPI_FUZZ_SEED=<seed> (and TSMPI_FUZZ_ONLY=<index> to run just
 * that input). TSMPI_FUZZ_INPUTS raises or lowers the number of decoder inputs.
 *
 * The decoder is checked differentially against a small reference decoder written
 * from the frame format's description (framing.ts): for every input the real decoder
 * must deliver exactly the frames the reference delivers, and throw a FrameError
 * exactly where the reference finds the stream malformed — never another exception,
 * never a frame with fields out of range, never more frames than the bytes can hold.
 */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/transport/auth.js';
import { FLAG_DETACHED, FrameDecoder, FrameError, HEADER_BYTES, MAX_KIND, writeHeader, type Frame, type FrameFields } from '../../src/transport/framing.js';

const SEED = Number(process.env.TSMPI_FUZZ_SEED ?? 20260610) >>> 0;
const DECODER_INPUTS = Number(process.env.TSMPI_FUZZ_INPUTS ?? 120_000);
const AUTH_INPUTS = Number(process.env.TSMPI_FUZZ_AUTH_INPUTS ?? 20_000);
const ONLY = process.env.TSMPI_FUZZ_ONLY === undefined ? null : Number(process.env.TSMPI_FUZZ_ONLY);

// ---- a seeded PRNG (sfc32, seeded through splitmix32) -------------------------------------

class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = stream >>> 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) b[i] = this.u32() & 255;
    return b;
  }

  /** Mostly small lengths, some larger, a few large. */
  length(): number {
    const r = this.int(100);
    if (r < 55) return this.int(17);
    if (r < 87) return this.int(200);
    if (r < 99) return this.int(1500);
    return this.int(70_000);
  }

  double(): number {
    switch (this.int(6)) {
      case 0:
        return 0;
      case 1:
        return -0;
      case 2:
        return this.int(1 << 30);
      case 3:
        return this.u32() * 2 ** 21 + this.int(1 << 21); // integers beyond 2^32, like byte totals
      default: {
        const b = Buffer.alloc(8);
        b.writeUInt32LE(this.u32(), 0);
        b.writeUInt32LE(this.u32(), 4);
        const v = b.readDoubleLE(0);
        return Number.isFinite(v) ? v : 1.5;
      }
    }
  }
}

// ---- the reference decoder ----------------------------------------------------------------------

interface RefFrame {
  kind: number;
  ptype: number;
  flags: number;
  ctx: number;
  tag: number;
  src: number;
  id: number;
  len: number;
  aux: number;
  payload: Buffer;
}

/** The frame format, decoded straight from its description with a DataView. */
class ReferenceDecoder {
  private awaiting: RefFrame | null = null;

  constructor(private readonly max: number) {}

  /** The frames of one message, and whether the message broke the stream (after those frames). */
  push(message: Buffer): { frames: RefFrame[]; error: boolean } {
    const frames: RefFrame[] = [];
    if (this.awaiting) {
      const f = this.awaiting;
      this.awaiting = null;
      if (message.length !== f.len) return { frames, error: true };
      f.payload = Buffer.from(message);
      return { frames: [f], error: false };
    }
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    let at = 0;
    while (at < message.length) {
      if (message.length - at < 32) return { frames, error: true };
      const f: RefFrame = {
        kind: view.getUint8(at),
        ptype: view.getUint8(at + 1),
        flags: view.getUint16(at + 2, true),
        ctx: view.getUint32(at + 4, true),
        tag: view.getInt32(at + 8, true),
        src: view.getInt32(at + 12, true),
        id: view.getUint32(at + 16, true),
        len: view.getUint32(at + 20, true),
        aux: view.getFloat64(at + 24, true),
        payload: Buffer.alloc(0),
      };
      if (f.kind < 1 || f.kind > 7 || f.len > this.max || !Number.isFinite(f.aux)) return { frames, error: true };
      at += 32;
      if (f.flags & 1) {
        if (at !== message.length) return { frames, error: true };
        this.awaiting = f;
        return { frames, error: false };
      }
      if (message.length - at < f.len) return { frames, error: true };
      f.payload = Buffer.from(message.subarray(at, at + f.len));
      at += f.len;
      frames.push(f);
    }
    return { frames, error: false };
  }
}

// ---- valid frame streams ------------------------------------------------------------------------

interface Stream {
  messages: Buffer[];
  /** The frames the stream carries, in order. */
  frames: RefFrame[];
  /** Byte offsets of every header: [message index, offset]. */
  headers: Array<[number, number]>;
}

function randomFields(rng: Rng, detached: boolean): FrameFields & { flags: number } {
  const flags = rng.chance(0.8) ? 0 : rng.u32() & 0xfffe;
  return {
    kind: 1 + rng.int(MAX_KIND),
    ptype: rng.chance(0.5) ? rng.int(16) : rng.int(256),
    flags: detached ? flags | FLAG_DETACHED : flags,
    ctx: rng.chance(0.5) ? rng.int(64) : rng.u32(),
    tag: rng.chance(0.5) ? rng.int(100) : rng.u32() | 0,
    src: rng.chance(0.5) ? rng.int(32) : rng.u32() | 0,
    id: rng.u32(),
    aux: rng.double(),
  };
}

function refFrame(fields: FrameFields & { flags: number }, payload: Buffer): RefFrame {
  return {
    kind: fields.kind,
    ptype: fields.ptype ?? 0,
    flags: fields.flags,
    ctx: fields.ctx ?? 0,
    tag: fields.tag ?? 0,
    src: fields.src ?? 0,
    id: fields.id ?? 0,
    len: payload.length,
    aux: fields.aux ?? 0,
    payload,
  };
}

/** A well-formed stream, batched the way Channel batches: several frames per message, detached payloads alone. */
function validStream(rng: Rng, max: number): Stream {
  const count = 1 + rng.int(rng.chance(0.8) ? 6 : 40);
  const stream: Stream = { messages: [], frames: [], headers: [] };
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length) stream.messages.push(Buffer.concat(batch));
    batch = [];
    batchBytes = 0;
  };
  for (let i = 0; i < count; i++) {
    const detached = rng.chance(0.15);
    const len = Math.min(rng.length(), max);
    const payload = rng.bytes(len);
    const fields = randomFields(rng, detached);
    const header = Buffer.alloc(HEADER_BYTES);
    writeHeader(header, 0, fields, len);
    stream.headers.push([stream.messages.length, batchBytes]);
    stream.frames.push(refFrame(fields, payload));
    if (detached) {
      batch.push(header);
      flush();
      stream.messages.push(payload);
    } else {
      batch.push(header, payload);
      batchBytes += HEADER_BYTES + len;
      if (rng.chance(0.4)) flush();
    }
  }
  flush();
  return stream;
}

// ---- mutations ---------------------------------------------------------------------------------

const MUTATIONS = [
  'bit flips',
  'truncation',
  'dropped message',
  'length field',
  'kind field',
  'aux field',
  'detached flag',
  'splice',
  'merged messages',
  'split message',
  'duplicated message',
  'duplicated frame',
  'detached header sequence',
] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(rng: Rng, s: Stream, other: Stream, max: number, how: Mutation): Buffer[] {
  const msgs: Buffer[] = s.messages.map((m) => Buffer.from(m));
  if (msgs.length === 0) return [rng.bytes(rng.length())];
  const anyMessage = () => rng.int(msgs.length);
  const anyHeader = () => rng.pick(s.headers);
  switch (how) {
    case 'bit flips': {
      const flips = 1 + rng.int(rng.chance(0.7) ? 2 : 16);
      for (let i = 0; i < flips; i++) {
        const m = msgs[anyMessage()]!;
        if (m.length) m[rng.int(m.length)] ^= 1 << rng.int(8);
      }
      return msgs;
    }
    case 'truncation': {
      const i = anyMessage();
      msgs[i] = msgs[i]!.subarray(0, rng.int(msgs[i]!.length + 1));
      return rng.chance(0.3) ? msgs.slice(0, i + 1) : msgs;
    }
    case 'dropped message':
      msgs.splice(anyMessage(), 1);
      return msgs;
    case 'length field': {
      const [mi, off] = anyHeader();
      const m = msgs[mi]!;
      const old = m.readUInt32LE(off + 20);
      const value = rng.pick([
        () => rng.u32(),
        () => 0xffffffff,
        () => max,
        () => max + 1,
        () => Math.max(0, old - 1 - rng.int(40)),
        () => old + 1 + rng.int(40),
        () => m.length - off - HEADER_BYTES,
        () => 0,
        () => 2 ** 31,
      ])();
      m.writeUInt32LE(value >>> 0, off + 20);
      return msgs;
    }
    case 'kind field': {
      const [mi, off] = anyHeader();
      msgs[mi]![off] = rng.pick([0, MAX_KIND + 1, 8, 128, 255, rng.int(256), 1 + rng.int(MAX_KIND)]);
      return msgs;
    }
    case 'aux field': {
      const [mi, off] = anyHeader();
      msgs[mi]!.writeDoubleLE(rng.pick([NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 5e-324]), off + 24);
      return msgs;
    }
    case 'detached flag': {
      const [mi, off] = anyHeader();
      msgs[mi]!.writeUInt16LE(msgs[mi]!.readUInt16LE(off + 2) ^ FLAG_DETACHED, off + 2);
      return msgs;
    }
    case 'splice': {
      const pool = other.messages.length ? other.messages : [rng.bytes(40)];
      const a = msgs[anyMessage()]!;
      const b = rng.pick(pool);
      const spliced = Buffer.concat([a.subarray(0, rng.int(a.length + 1)), b.subarray(rng.int(b.length + 1))]);
      if (rng.chance(0.5)) msgs[anyMessage()] = spliced;
      else msgs.splice(rng.int(msgs.length + 1), 0, rng.chance(0.5) ? spliced : Buffer.from(rng.pick(pool)));
      return msgs;
    }
    case 'merged messages': {
      if (msgs.length < 2) return [Buffer.concat([msgs[0]!, msgs[0]!])];
      const i = rng.int(msgs.length - 1);
      msgs.splice(i, 2, Buffer.concat([msgs[i]!, msgs[i + 1]!]));
      return msgs;
    }
    case 'split message': {
      const i = anyMessage();
      const m = msgs[i]!;
      const cut = rng.int(m.length + 1);
      msgs.splice(i, 1, m.subarray(0, cut), m.subarray(cut));
      return msgs;
    }
    case 'duplicated message': {
      const i = anyMessage();
      msgs.splice(i + rng.int(msgs.length - i + 1), 0, Buffer.from(msgs[i]!));
      return msgs;
    }
    case 'duplicated frame': {
      // Repeat one frame (header and payload) right after itself inside its message.
      const [mi, off] = anyHeader();
      const m = msgs[mi]!;
      const detached = (m.readUInt16LE(off + 2) & FLAG_DETACHED) !== 0;
      const end = detached ? off + HEADER_BYTES : Math.min(m.length, off + HEADER_BYTES + m.readUInt32LE(off + 20));
      msgs[mi] = Buffer.concat([m.subarray(0, end), m.subarray(off, end), m.subarray(end)]);
      return msgs;
    }
    case 'detached header sequence': {
      const len = rng.pick([0, 1, 31, 32, 33, rng.int(200), max, max + 1]);
      const header = Buffer.alloc(HEADER_BYTES);
      writeHeader(header, 0, { ...randomFields(rng, true) }, len >>> 0);
      const seq: Buffer[] = [];
      switch (rng.int(6)) {
        case 0: // the payload is a byte or so off
          seq.push(header, rng.bytes(len > 70_000 ? rng.int(100) : Math.max(0, len + rng.pick([-2, -1, 1, 2]))));
          break;
        case 1: // two headers in a row: the second is taken as the payload (if 32 bytes are announced)
          seq.push(header, Buffer.from(header), rng.bytes(Math.min(len, 5000)));
          break;
        case 2: // more frames after the detached header in its message
          seq.push(Buffer.concat([header, rng.bytes(1 + rng.int(80))]));
          break;
        case 3: // batched frames, then the detached header, then its payload (valid when len <= max)
          seq.push(Buffer.concat([...other.messages.filter((m) => m.length >= HEADER_BYTES).slice(0, 1), header]), rng.bytes(Math.min(len, 5000)));
          break;
        case 4: // the header ends the stream: the payload never comes
          seq.push(header);
          break;
        default: // an empty message where the payload should be
          seq.push(header, Buffer.alloc(0));
          break;
      }
      msgs.splice(rng.int(msgs.length + 1), 0, ...seq);
      return msgs;
    }
  }
}

/** Random bytes, sometimes dressed with a plausible first byte or length, in 1–4 messages. */
function randomInput(rng: Rng): Buffer[] {
  const count = 1 + rng.int(4);
  const msgs: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const n = rng.chance(0.3) ? HEADER_BYTES * (1 + rng.int(4)) : rng.length();
    const m = rng.bytes(n);
    if (m.length >= HEADER_BYTES && rng.chance(0.5)) {
      m[0] = 1 + rng.int(MAX_KIND);
      if (rng.chance(0.5)) m.writeUInt32LE(rng.int(m.length), 20);
      if (rng.chance(0.5)) m.writeDoubleLE(0, 24);
    }
    msgs.push(m);
  }
  return msgs;
}

// ---- running one input -----------------------------------------------------------------------

const MAXES = [1 << 30, 4096, 100];

function sameFrame(a: Frame, b: RefFrame): boolean {
  return (
    a.kind === b.kind &&
    a.ptype === b.ptype &&
    a.flags === b.flags &&
    a.ctx === b.ctx &&
    a.tag === b.tag &&
    a.src === b.src &&
    a.id === b.id &&
    a.len === b.len &&
    Object.is(a.aux, b.aux) &&
    a.payload.byteLength === b.payload.length &&
    Buffer.from(a.payload.buffer, a.payload.byteOffset, a.payload.byteLength).equals(b.payload)
  );
}

/** Checks the fields of a delivered frame on their own, whatever the input. */
function wellFormed(f: Frame, max: number): string | null {
  if (!Number.isInteger(f.kind) || f.kind < 1 || f.kind > MAX_KIND) return `kind ${f.kind}`;
  if (!(f.payload instanceof Uint8Array) || f.payload.byteLength !== f.len) return `payload of ${f.payload?.byteLength} bytes, len ${f.len}`;
  if (f.len > max) return `len ${f.len} > max ${max}`;
  if (!Number.isFinite(f.aux)) return `aux ${f.aux}`;
  for (const [k, lo, hi] of [['ptype', 0, 255], ['flags', 0, 0xffff], ['ctx', 0, 2 ** 32 - 1], ['tag', -(2 ** 31), 2 ** 31 - 1], ['src', -(2 ** 31), 2 ** 31 - 1], ['id', 0, 2 ** 32 - 1]] as const) {
    const v = f[k];
    if (!Number.isInteger(v) || v < lo || v > hi) return `${k} ${v}`;
  }
  return null;
}

interface InputResult {
  frames: number;
  error: boolean;
  failure: string | null;
}

/** Feeds `messages` to a fresh decoder and to the reference; any difference is a failure. */
function runInput(messages: Buffer[], max: number, expected: RefFrame[] | null): InputResult {
  const decoder = new FrameDecoder(max);
  const reference = new ReferenceDecoder(max);
  let frames = 0;
  const all: Frame[] = [];
  for (let mi = 0; mi < messages.length; mi++) {
    const message = messages[mi]!;
    const ref = reference.push(message);
    const got: Frame[] = [];
    // A decoder stuck in a loop delivers frames without end; stop it at the most the bytes can hold.
    const limit = Math.floor(message.length / HEADER_BYTES) + 1;
    let thrown: unknown = null;
    try {
      decoder.push(message, (f) => {
        got.push({ ...f, payload: Buffer.from(f.payload) });
        if (got.length > limit) throw new Error(`runaway decoder: ${got.length} frames from ${message.length} bytes`);
      });
    } catch (err) {
      thrown = err;
    }
    if (thrown !== null && !(thrown instanceof FrameError)) {
      return { frames, error: true, failure: `message ${mi}: threw ${String((thrown as Error)?.stack ?? thrown)}` };
    }
    if (got.length !== ref.frames.length) {
      return { frames, error: true, failure: `message ${mi}: ${got.length} frames delivered, reference ${ref.frames.length}` };
    }
    for (let i = 0; i < got.length; i++) {
      const bad = wellFormed(got[i]!, max);
      if (bad) return { frames, error: true, failure: `message ${mi} frame ${i}: malformed frame delivered: ${bad}` };
      if (!sameFrame(got[i]!, ref.frames[i]!)) return { frames, error: true, failure: `message ${mi} frame ${i}: differs from the reference` };
    }
    frames += got.length;
    all.push(...got);
    if ((thrown !== null) !== ref.error) {
      return { frames, error: true, failure: `message ${mi}: ${thrown ? `threw ${(thrown as Error).message}` : 'no FrameError'}, reference ${ref.error ? 'finds it malformed' : 'accepts it'}` };
    }
    if (thrown) return { frames, error: true, failure: null }; // the connection would be closed here
  }
  if (expected) {
    if (all.length !== expected.length) return { frames, error: false, failure: `valid stream: ${all.length} frames, sent ${expected.length}` };
    for (let i = 0; i < all.length; i++) {
      if (!sameFrame(all[i]!, expected[i]!)) return { frames, error: false, failure: `valid stream: frame ${i} differs from what was sent` };
    }
  }
  return { frames, error: false, failure: null };
}

function hex(messages: Buffer[]): string {
  return messages.map((m) => (m.length > 96 ? `${m.subarray(0, 96).toString('hex')}…(${m.length} bytes)` : m.toString('hex'))).join(' | ');
}

// ---- the tests -----------------------------------------------------------------------------------

describe('fuzzing the frame decoder', () => {
  it(`feeds ${DECODER_INPUTS} random and mutated inputs: frames or FrameError, never anything else`, () => {
    const start = Date.now();
    const stats = { inputs: 0, valid: 0, random: 0, mutated: 0, rejected: 0, accepted: 0, frames: 0, bytes: 0, slowestMs: 0 };
    const byMutation = new Map<string, { inputs: number; rejected: number }>();
    const failures: string[] = [];
    for (let index = 0; index < DECODER_INPUTS; index++) {
      if (ONLY !== null && index !== ONLY) continue;
      const rng = new Rng(SEED, index);
      const max = rng.pick(MAXES);
      const roll = rng.int(100);
      let messages: Buffer[];
      let expected: RefFrame[] | null = null;
      let kind: string;
      if (roll < 15) {
        const s = validStream(rng, max);
        messages = s.messages;
        expected = s.frames;
        kind = 'valid';
        stats.valid++;
      } else if (roll < 35) {
        messages = randomInput(rng);
        kind = 'random bytes';
        stats.random++;
      } else {
        const s = validStream(rng, max);
        const other = validStream(rng, max);
        const how = rng.pick(MUTATIONS);
        messages = mutate(rng, s, other, max, how);
        // A second mutation now and then.
        if (rng.chance(0.2)) messages = mutate(rng, { ...s, messages }, other, max, rng.pick(MUTATIONS.filter((m) => m !== 'duplicated frame' && m !== 'length field' && m !== 'kind field' && m !== 'aux field' && m !== 'detached flag')));
        kind = how;
        stats.mutated++;
      }
      const t0 = performance.now();
      const result = runInput(messages, max, expected);
      const ms = performance.now() - t0;
      if (ms > stats.slowestMs) stats.slowestMs = ms;
      stats.inputs++;
      stats.frames += result.frames;
      for (const m of messages) stats.bytes += m.length;
      if (result.error) stats.rejected++;
      else stats.accepted++;
      const entry = byMutation.get(kind) ?? { inputs: 0, rejected: 0 };
      entry.inputs++;
      if (result.error) entry.rejected++;
      byMutation.set(kind, entry);
      if (result.failure && failures.length < 10) {
        failures.push(`TSMPI_FUZZ_SEED=${SEED} TSMPI_FUZZ_ONLY=${index} (${kind}, max ${max}): ${result.failure}\n  input: ${hex(messages)}`);
      }
    }
    const seconds = (Date.now() - start) / 1000;
    console.log(
      `frame decoder fuzz: ${stats.inputs} inputs tried (seed ${SEED}) in ${seconds.toFixed(1)} s: ` +
        `${stats.valid} valid streams, ${stats.random} random, ${stats.mutated} mutated; ` +
        `${stats.rejected} rejected with FrameError, ${stats.accepted} decoded; ${stats.frames} frames, ` +
        `${(stats.bytes / 1e6).toFixed(1)} MB; slowest input ${stats.slowestMs.toFixed(1)} ms`,
    );
    console.log(
      'by kind of input (inputs / rejected): ' +
        [...byMutation].map(([k, v]) => `${k} ${v.inputs}/${v.rejected}`).join(', '),
    );
    expect(failures).toEqual([]);
    if (ONLY === null) {
      expect(stats.inputs).toBeGreaterThanOrEqual(Math.min(DECODER_INPUTS, 100_000));
      // Both outcomes must be well exercised, or the generator went wrong.
      expect(stats.rejected).toBeGreaterThan(stats.inputs / 5);
      expect(stats.accepted).toBeGreaterThan(stats.inputs / 5);
      for (const [kind, v] of byMutation) expect(v.inputs, kind).toBeGreaterThan(100);
    }
    // No input may take long: the decoder is linear in its input (a lax bound, for loaded machines).
    expect(stats.slowestMs).toBeLessThan(2000);
  });

  it('decodes every valid stream exactly, whatever the batching', () => {
    let streams = 0;
    for (let index = 0; index < 3000; index++) {
      const rng = new Rng(SEED ^ 0x5eed, index);
      const max = 1 << 30;
      const s = validStream(rng, max);
      const result = runInput(s.messages, max, s.frames);
      expect(result.failure, `TSMPI_FUZZ_SEED=${SEED} valid stream ${index}`).toBeNull();
      expect(result.error).toBe(false);
      expect(result.frames).toBe(s.frames.length);
      streams++;
    }
    expect(streams).toBe(3000);
  });
});

// ---- the handshake check ------------------------------------------------------------------------

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

function randomText(rng: Rng, alphabet: string, maxLen = 80): string {
  const n = rng.chance(0.2) ? rng.int(4) : rng.int(maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function hexText(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

const FIELDS = ['x-tsmpi-from', 'x-tsmpi-to', 'x-tsmpi-nonce', 'x-tsmpi-proof'] as const;

/** Mutates one character of `s` into another from `alphabet`, keeping the length. */
function changeOneChar(rng: Rng, s: string, alphabet: string): string {
  if (!s.length) return alphabet[rng.int(alphabet.length)]!;
  const i = rng.int(s.length);
  let c = s[i]!;
  while (c === s[i]) c = alphabet[rng.int(alphabet.length)]!;
  return s.slice(0, i) + c + s.slice(i + 1);
}

/**
 * One header set: a correct handshake (sometimes for another endpoint or with another
 * secret) with one or more mutations, or random headers, or the replay of one that was
 * accepted before. `alphabet` is what a mutation may write into a header value.
 */
function headerSet(rng: Rng, secret: string, self: string, accepted: IncomingHttpHeaders[], alphabet: string): IncomingHttpHeaders {
  const roll = rng.int(100);
  if (roll < 5 && accepted.length) return { ...rng.pick(accepted) };
  if (roll < 20) {
    const h: IncomingHttpHeaders = {};
    for (const f of FIELDS) {
      const r = rng.int(10);
      if (r < 2) continue;
      if (r < 3) h[f] = [randomText(rng, alphabet), randomText(rng, alphabet)];
      else if (r < 4) h[f] = f === 'x-tsmpi-to' ? self : randomText(rng, alphabet);
      else if (r < 7) h[f] = hexText(rng, rng.pick([32, 64, 63, 65, 0]));
      else h[f] = randomText(rng, alphabet, 200);
    }
    return h;
  }
  const from = rng.pick(['rank:0', 'rank:1', 'rank:2', 'rank:99', 'coordinator', '', randomText(rng, alphabet, 20)]);
  const to = rng.chance(0.8) ? self : rng.pick(['rank:0', 'rank:2', 'coordinator', `${self} `, self.toUpperCase(), '']);
  const nonce = hexText(rng, 32);
  const key = rng.chance(0.85) ? secret : rng.pick([hexText(rng, 64), secret.slice(0, 63), secret.toUpperCase(), '']);
  const h: IncomingHttpHeaders = {
    'x-tsmpi-from': from,
    'x-tsmpi-to': to,
    'x-tsmpi-nonce': nonce,
    'x-tsmpi-proof': hmac(key, `tsmpi-client|${from}|${to}|${nonce}`),
  };
  if (roll < 35) return h; // unmutated: accepted exactly when the key and endpoint are right
  const mutations = 1 + (rng.chance(0.2) ? rng.int(3) : 0);
  for (let i = 0; i < mutations; i++) {
    const field = rng.pick(FIELDS);
    const value = String(h[field] ?? '');
    switch (rng.int(9)) {
      case 0:
        h[field] = changeOneChar(rng, value, alphabet);
        break;
      case 1:
        h[field] = changeOneChar(rng, value, '0123456789abcdef');
        break;
      case 2:
        delete h[field];
        break;
      case 3:
        h[field] = value.toUpperCase();
        break;
      case 4:
        h[field] = value + randomText(rng, alphabet, 3);
        break;
      case 5:
        h[field] = value.slice(0, rng.int(value.length + 1));
        break;
      case 6:
        h[field] = [value];
        break;
      case 7:
        h[field] = ` ${value}`;
        break;
      default:
        // A proof computed over other fields than those sent.
        h['x-tsmpi-proof'] = hmac(secret, `tsmpi-client|${from}|${to}|${hexText(rng, 32)}`);
        break;
    }
  }
  return h;
}

/** What the check must answer: accept only a correct proof for this endpoint, each nonce once. */
function shouldAccept(h: IncomingHttpHeaders, secret: string, self: string, seen: Set<string>): boolean {
  const [from, to, nonce, proof] = FIELDS.map((f) => h[f]);
  if (typeof from !== 'string' || typeof to !== 'string' || typeof nonce !== 'string' || typeof proof !== 'string') return false;
  if (to !== self || !/^[0-9a-f]{32}$/.test(nonce) || seen.has(nonce)) return false;
  return proof === hmac(secret, `tsmpi-client|${from}|${to}|${nonce}`);
}

function fuzzAuthenticator(seedOffset: number, alphabet: string, inputs: number): { accepted: number; refused: number; failures: string[] } {
  const failures: string[] = [];
  let accepted = 0;
  let refused = 0;
  for (const self of ['rank:1', 'coordinator']) {
    const setup = new Rng(SEED + seedOffset, self.length);
    const secret = hexText(setup, 64);
    const auth = new Authenticator(secret, self);
    const seen = new Set<string>();
    const acceptedSets: IncomingHttpHeaders[] = [];
    for (let index = 0; index < inputs / 2; index++) {
      const rng = new Rng(SEED + seedOffset + self.length, index);
      const h = headerSet(rng, secret, self, acceptedSets, alphabet);
      const expected = shouldAccept(h, secret, self, seen);
      let verdict: ReturnType<Authenticator['verify']>;
      try {
        verdict = auth.verify({ ...h });
      } catch (err) {
        if (failures.length < 10) failures.push(`${self} input ${index}: threw ${(err as Error).message} for ${JSON.stringify(h)}`);
        continue;
      }
      if (verdict.ok !== expected && failures.length < 10) {
        failures.push(`${self} input ${index}: ${verdict.ok ? 'ACCEPTED' : `refused (${(verdict as { reason: string }).reason})`}, expected ${expected ? 'accept' : 'refuse'}: ${JSON.stringify(h)}`);
      }
      if (verdict.ok) {
        accepted++;
        if (verdict.from !== h['x-tsmpi-from'] || verdict.nonce !== h['x-tsmpi-nonce']) failures.push(`${self} input ${index}: verdict names another client`);
        seen.add(String(h['x-tsmpi-nonce']));
        acceptedSets.push(h);
      } else {
        refused++;
        if (typeof verdict.reason !== 'string' || !verdict.reason) failures.push(`${self} input ${index}: refusal without a reason`);
      }
    }
  }
  return { accepted, refused, failures };
}

describe('fuzzing the handshake check', () => {
  it(`checks ${AUTH_INPUTS} random and mutated header sets: only a correct, fresh proof is accepted, nothing throws`, () => {
    const { accepted, refused, failures } = fuzzAuthenticator(0, PRINTABLE, AUTH_INPUTS);
    console.log(`handshake fuzz: ${accepted + refused} header sets tried (seed ${SEED}): ${accepted} accepted, ${refused} refused`);
    expect(failures).toEqual([]);
    expect(accepted + refused).toBeGreaterThanOrEqual(10_000);
    // Replays of accepted sets and correct handshakes are in the mix, so both answers occur often.
    expect(accepted).toBeGreaterThan(AUTH_INPUTS / 20);
    expect(refused).toBeGreaterThan(AUTH_INPUTS / 2);
  });

  // Header bytes 0x80-0xFF arrive as one latin1 character each: a proof of the right
  // length in characters but not in bytes must be refused, never throw.
  it('never throws on header values with latin1 (non-ASCII) characters', () => {
    // Latin1 characters, weighted so that mutations write them often.
    const latin1 = PRINTABLE + 'éü\u00a0\u00ff\u0080ßÆ'.repeat(12);
    const { failures } = fuzzAuthenticator(1, latin1, 4000);
    expect(failures).toEqual([]);
  });
});

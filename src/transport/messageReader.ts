/**
 * Cuts a connection's bytes into WebSocket messages, choosing where the bytes go
 * (directReads.ts hands it the socket in place of `ws`).
 *
 * Node hands `ws` every read as a fresh 64 KiB buffer, and `ws` copies a message that
 * spans reads into one more buffer of its own. For the megabyte messages of MPI
 * programs those copies, the per-read work and the garbage cost as much as the
 * kernel's copy itself. Here a large message still arriving is read straight into a
 * buffer of its length (or into memory the layer above named, see `readNextInto`), so
 * its bytes are copied once, by the kernel; small messages, and any that arrived whole
 * with others, land side by side in a slab and are handed out as views of it. A slab
 * is never written twice, so a view stays valid as long as its holder keeps it. Fed
 * from 'data' events instead (TLS), the same happens one copy later.
 *
 * Only the frames tsmpi sends are data: unfragmented binary messages. Close, ping and
 * pong frames are handed, bytes unchanged, to the `ws` WebSocket's own receiver, so
 * `ws` still runs the closing handshake and reports the close code as before.
 */
import { MessageQueue, type MessageSource } from './messageSource.js';

/** A malformed WebSocket stream: the connection cannot be read any further. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Fresh slabs for small messages are this large: the size of the buffers Node itself reads into (256 KiB measured no faster). */
export const SLAB_BYTES = 64 * 1024;
/** A message at least this long that has not fully arrived is read into a buffer of its own rather than a slab. */
export const OWN_BUFFER_BYTES = 32 * 1024;
/** Reads into a slab with less room than this go to a fresh slab instead (a read per few bytes is slow). */
const MIN_READ_BYTES = 4096;
/** The longest WebSocket frame header: 2 bytes, 8 of length, 4 of mask key. */
const MAX_HEADER_BYTES = 14;

/** Where bytes go that arrive after a close frame or an error: read and dropped. */
const DISCARDED = Buffer.allocUnsafeSlow(64 * 1024);

const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PONG = 0xa;

/** A frame header, decoded. */
interface Header {
  opcode: number;
  headerBytes: number;
  length: number;
  /** The mask key as a 32-bit number, 0 when unmasked (or masked with zeros). */
  mask: number;
}

/**
 * The reader's state machine, fed with the bytes the socket delivered. `target()` is
 * where the next bytes should go and `advance(n)` says n bytes were put there;
 * `feed(chunk)` does both for bytes that arrived elsewhere.
 */
export class MessageReader implements MessageSource {
  /** Whether the socket reads straight into this reader's buffers (else it is fed from 'data' events). */
  readsIntoOwnBuffers = false;
  private slab: Buffer = Buffer.allocUnsafeSlow(0);
  /** Bytes of the slab written so far. */
  private filled = 0;
  /** Bytes of the slab consumed as frames so far. */
  private parsed = 0;
  /** The message being read into a buffer of its own, and how much of it arrived. */
  private own: { buf: Buffer; filled: number; mask: number } | null = null;
  /** Where the next data message should go, if it is exactly this long (readNextInto). */
  private nextInto: Uint8Array | null = null;
  private stopped = false;
  private failure: Error | null = null;
  private readonly messages = new MessageQueue();
  private onError: ((err: Error) => void) | null = null;

  /**
   * @param maxPayload the longest message accepted; a longer one is a WireError
   * @param onControl receives each close, ping or pong frame, header included
   */
  constructor(
    private readonly maxPayload: number,
    private readonly onControl: (frame: Buffer) => void,
  ) {}

  listen(onMessage: (data: Buffer) => void, onError: (err: Error) => void): void {
    this.onError = onError;
    this.messages.listen(onMessage);
    // A failure comes after the messages before it (a handler that passed the source
    // on while they were replayed has had it reported already).
    if (this.messages.backlog === 0) this.reportFailure();
  }

  readNextInto(dest: Uint8Array): void {
    // Only "the next message" if none is waiting to be delivered: a request made while
    // queued ones are replayed would otherwise apply to a later, unrelated message.
    if (this.messages.backlog === 0) this.nextInto = dest;
  }

  /** Where the next bytes from the socket should be written. Calling it again without `advance` returns the same place. */
  target(): Buffer {
    if (this.stopped) return DISCARDED;
    const own = this.own;
    if (own) return own.buf.subarray(own.filled);
    if (this.slab.length - this.filled < MIN_READ_BYTES) this.moveToFreshSlab(SLAB_BYTES);
    return this.slab.subarray(this.filled);
  }

  /** `n` bytes were written at `target()`. */
  advance(n: number): void {
    if (this.stopped) return;
    const own = this.own;
    if (own) {
      own.filled += n;
      if (own.filled === own.buf.length) {
        this.own = null;
        this.deliver(own.buf, own.mask);
      }
      return;
    }
    this.filled += n;
    this.parse();
  }

  /** Takes bytes that arrived in a buffer of someone else's (a 'data' event). */
  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.stopped) {
      const into = this.target();
      const n = Math.min(into.length, chunk.length - offset);
      into.set(chunk.subarray(offset, offset + n));
      offset += n;
      this.advance(n);
    }
  }

  private parse(): void {
    while (!this.stopped) {
      const header = this.readHeader();
      if (!header) return;
      const start = this.parsed + header.headerBytes;
      const end = start + header.length;
      if (header.opcode >= OPCODE_CLOSE) {
        if (end > this.filled) return this.makeRoomFor(end - this.parsed);
        this.handControlFrame(header, Buffer.from(this.slab.subarray(this.parsed, end)));
        this.parsed = end;
        continue;
      }
      const into = this.nextInto;
      this.nextInto = null;
      if (into && into.byteLength === header.length) {
        if (!this.readInto(Buffer.from(into.buffer, into.byteOffset, into.byteLength), header, start)) return;
        continue;
      }
      if (end <= this.filled) {
        this.parsed = end;
        this.deliver(this.slab.subarray(start, end), header.mask);
        continue;
      }
      if (header.length >= OWN_BUFFER_BYTES) {
        this.readInto(Buffer.allocUnsafeSlow(header.length), header, start);
        return;
      }
      return this.makeRoomFor(end - this.parsed);
    }
  }

  /** Decodes the header at `parsed`, or returns null if it has not fully arrived. */
  private readHeader(): Header | null {
    const buf = this.slab;
    const at = this.parsed;
    const available = this.filled - at;
    if (available < 2) return this.waitForHeader();
    const b0 = buf[at];
    const b1 = buf[at + 1];
    let headerBytes = 2 + (b1 & 0x80 ? 4 : 0);
    const shortLength = b1 & 0x7f;
    if (shortLength === 126) headerBytes += 2;
    else if (shortLength === 127) headerBytes += 8;
    if (available < headerBytes) return this.waitForHeader();
    const opcode = b0 & 0x0f;
    if (b0 & 0x70) return this.fail('reserved bits set in a frame header (compression is not used)');
    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG) return this.fail(`unknown control opcode ${opcode}`);
      if (!(b0 & 0x80) || shortLength > 125) return this.fail('a control frame must be short and unfragmented');
    } else if (opcode !== OPCODE_BINARY) {
      return this.fail(opcode === 0 ? 'a fragmented message (tsmpi sends none)' : `opcode ${opcode} (tsmpi sends binary messages only)`);
    } else if (!(b0 & 0x80)) {
      return this.fail('a fragmented message (tsmpi sends none)');
    }
    let length = shortLength;
    let next = at + 2;
    if (shortLength === 126) {
      length = buf.readUInt16BE(next);
      next += 2;
    } else if (shortLength === 127) {
      const high = buf.readUInt32BE(next);
      length = high * 2 ** 32 + buf.readUInt32BE(next + 4);
      next += 8;
    }
    if (length > this.maxPayload) return this.fail(`a message of ${length} bytes exceeds the limit of ${this.maxPayload}`);
    const mask = b1 & 0x80 ? buf.readUInt32BE(next) : 0;
    return { opcode, headerBytes, length, mask };
  }

  /** A partial header: make sure there is room in the slab for the rest of it. */
  private waitForHeader(): null {
    if (this.slab.length - this.parsed < MAX_HEADER_BYTES) this.moveToFreshSlab(SLAB_BYTES);
    return null;
  }

  /** The frame from `parsed` needs `bytes` in all: keep reading into this slab if it fits, else into a fresh one. */
  private makeRoomFor(bytes: number): void {
    if (this.parsed + bytes > this.slab.length) this.moveToFreshSlab(Math.max(SLAB_BYTES, bytes));
  }

  /** Starts a fresh slab, carrying over the bytes not yet consumed. */
  private moveToFreshSlab(size: number): void {
    const carried = this.slab.subarray(this.parsed, this.filled);
    const slab = Buffer.allocUnsafeSlow(size);
    slab.set(carried);
    this.slab = slab;
    this.parsed = 0;
    this.filled = carried.length;
  }

  /**
   * Puts the message whose body starts at `start` into `buf` (exactly its length): what
   * already arrived is copied, the rest will be read straight into it. Returns whether
   * the message was complete (and delivered).
   */
  private readInto(buf: Buffer, header: Header, start: number): boolean {
    const end = Math.min(this.filled, start + header.length);
    buf.set(this.slab.subarray(start, end));
    this.parsed = end;
    if (end - start === header.length) {
      this.deliver(buf, header.mask);
      return true;
    }
    this.own = { buf, filled: end - start, mask: header.mask };
    return false;
  }

  private handControlFrame(header: Header, frame: Buffer): void {
    // After a close frame the peer sends nothing more; whatever follows is ignored.
    if (header.opcode === OPCODE_CLOSE) this.stopped = true;
    this.onControl(frame);
  }

  private deliver(data: Buffer, mask: number): void {
    if (mask !== 0) unmask(data, mask);
    this.messages.push(data);
  }

  private fail(reason: string): null {
    this.stopped = true;
    this.own = null;
    this.failure = new WireError(reason);
    this.reportFailure();
    return null;
  }

  private reportFailure(): void {
    const onError = this.onError;
    if (!onError || !this.failure) return;
    this.onError = null;
    onError(this.failure);
  }
}

/** Undoes a client's masking (RFC 6455 §5.3) in place. */
function unmask(data: Buffer, mask: number): void {
  const key = [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
  for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
}

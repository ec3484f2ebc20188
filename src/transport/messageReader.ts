/**
 * Reads a connection's WebSocket messages off its socket into buffers of its own
 * choosing, instead of letting `ws` read them.
 *
 * Node hands `ws` every read as a fresh 64 KiB buffer, and `ws` copies a message that
 * spans reads into one more buffer of its own. For the megabyte messages of MPI
 * programs those copies, the per-read work and the garbage cost as much as the
 * kernel's copy itself. Reading the socket ourselves (Node's `onread` mechanism), a
 * large message is read straight into a buffer of its length, so its bytes are copied
 * once, by the kernel; small messages land side by side in a slab and are handed out
 * as views of it. A slab is never written twice, so a view stays valid as long as
 * its holder keeps it.
 *
 * Only the frames tsmpi sends are data: unfragmented binary messages. Close, ping and
 * pong frames are handed, bytes unchanged, to the `ws` WebSocket's own receiver, so
 * `ws` still runs the closing handshake and reports the close code as before.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { MessageSource } from './messageSource.js';

/** A malformed WebSocket stream: the connection cannot be read any further. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Fresh slabs for small messages are this large. */
export const SLAB_BYTES = 256 * 1024;
/** A message at least this long is read into a buffer of its own rather than a slab. */
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
  private queue: Buffer[] = [];
  private onMessage: ((data: Buffer) => void) | null = null;
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
    this.onMessage = onMessage;
    this.onError = onError;
    // A handler may pass the connection on (call listen again) while messages are
    // replayed: the rest of the queue then belongs to the new handler, in order.
    while (this.queue.length > 0 && this.onMessage === onMessage) onMessage(this.queue.shift()!);
    if (this.queue.length === 0) this.reportFailure();
  }

  readNextInto(dest: Uint8Array): void {
    this.nextInto = dest;
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
    if (this.onMessage && this.queue.length === 0) this.onMessage(data);
    else this.queue.push(data);
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

interface SocketWithHandle extends Duplex {
  _handle?: { useUserBuffer?(buf: Uint8Array): void } | null;
  encrypted?: boolean;
}

/**
 * Takes the reading of `ws`'s socket away from `ws` and gives it to a MessageReader.
 * Call it as soon as the WebSocket is open (in the same tick), before `ws` has read
 * anything; what `ws` sends and how it closes are unchanged.
 */
export function readMessagesDirectly(ws: WebSocket, maxPayload: number): MessageReader {
  const internals = ws as WebSocket & { _socket: SocketWithHandle; _receiver: { write(chunk: Buffer): void } };
  const socket = internals._socket;
  const reader = new MessageReader(maxPayload, (frame) => internals._receiver.write(frame));
  socket.removeAllListeners('data');
  socket.pause();
  const buffered = socket.read() as Buffer | null;
  if (buffered) reader.feed(buffered);
  reader.readsIntoOwnBuffers = readIntoReaderBuffers(socket, reader);
  if (!reader.readsIntoOwnBuffers) socket.on('data', (chunk: Buffer) => reader.feed(chunk));
  socket.resume();
  return reader;
}

/**
 * Has the socket read straight into the reader's buffers (what `net.connect`'s `onread`
 * option sets up; Node offers no public way to do it for an accepted socket). Returns
 * false where that is not possible — a TLS socket, or a Node whose internals differ —
 * and the caller feeds the reader from 'data' events instead.
 */
function readIntoReaderBuffers(socket: SocketWithHandle, reader: MessageReader): boolean {
  const handle = socket._handle;
  if (socket.encrypted || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const kBuffer = symbols.get('kBuffer');
  const kBufferCb = symbols.get('kBufferCb');
  const kBufferGen = symbols.get('kBufferGen');
  if (!kBuffer || !kBufferCb || !kBufferGen) return false;
  const slots = socket as unknown as Record<symbol, unknown>;
  const first = reader.target();
  slots[kBuffer] = first;
  slots[kBufferCb] = (n: number) => {
    reader.advance(n);
  };
  slots[kBufferGen] = () => reader.target();
  handle.useUserBuffer(first);
  return true;
}

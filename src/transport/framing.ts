/**
 * The binary frame format carried inside WebSocket messages between ranks.
 *
 * One WebSocket message holds one or more frames: a fixed 32-byte little-endian
 * header, then `len` payload bytes. Small frames written in one tick share a message
 * (fewer syscalls); a large payload travels as its own WebSocket message right after
 * a header carrying the DETACHED flag, so it is never copied into a batch.
 *
 * The transport does not interpret kinds beyond DETACHED: it only cuts bytes into frames.
 */

export const HEADER_BYTES = 32;

/** Frame kinds. The p2p layer gives them meaning; the transport only checks the range. */
export const enum Kind {
  Eager = 1,
  ReadyToSend = 2,
  ClearToSend = 3,
  Data = 4,
  Credit = 5,
  Accept = 6,
  Decline = 7,
}
export const MAX_KIND = 7;

/** The payload of this frame is the next WebSocket message on the channel. */
export const FLAG_DETACHED = 1;

/** A frame's header fields, decoded. `payload` is a view into the received bytes. */
export interface Frame {
  kind: number;
  ptype: number;
  flags: number;
  ctx: number;
  tag: number;
  src: number;
  id: number;
  /** Payload bytes in this frame (or, with FLAG_DETACHED, in the next message). */
  len: number;
  /** A number whose meaning depends on the kind (total bytes, credit, offset). */
  aux: number;
  payload: Uint8Array;
}

/** Fields of a frame to write; omitted fields are zero. */
export interface FrameFields {
  kind: number;
  ptype?: number;
  flags?: number;
  ctx?: number;
  tag?: number;
  src?: number;
  id?: number;
  aux?: number;
}

const EMPTY = new Uint8Array(0);

/** Writes a header for `fields` with payload length `len` at `offset` of `buf`. */
export function writeHeader(buf: Buffer, offset: number, fields: FrameFields, len: number): void {
  buf[offset] = fields.kind;
  buf[offset + 1] = fields.ptype ?? 0;
  buf.writeUInt16LE(fields.flags ?? 0, offset + 2);
  buf.writeUInt32LE(fields.ctx ?? 0, offset + 4);
  buf.writeInt32LE(fields.tag ?? 0, offset + 8);
  buf.writeInt32LE(fields.src ?? 0, offset + 12);
  buf.writeUInt32LE(fields.id ?? 0, offset + 16);
  buf.writeUInt32LE(len, offset + 20);
  buf.writeDoubleLE(fields.aux ?? 0, offset + 24);
}

/** A decoding failure: the peer sent bytes that are not a well-formed frame stream. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Cuts incoming WebSocket messages into frames. Stateful because a DETACHED header
 * announces that the next message is its payload.
 */
export class FrameDecoder {
  private awaiting: Frame | null = null;

  /** Largest payload accepted; anything above is treated as garbage. */
  constructor(private readonly maxPayload: number) {}

  /** The DETACHED header whose payload is the next message, if one is awaited. */
  awaitingPayload(): Frame | null {
    return this.awaiting;
  }

  /**
   * Decodes one WebSocket message, calling `onFrame` for each complete frame.
   * Throws FrameError on garbage, truncation or a bad length; the caller closes the
   * connection, since a stream that lost framing cannot be resynchronised.
   */
  push(message: Buffer, onFrame: (frame: Frame) => void): void {
    if (this.awaiting) {
      const frame = this.awaiting;
      if (message.length !== frame.len) {
        throw new FrameError(`detached payload of ${message.length} bytes, header announced ${frame.len}`);
      }
      this.awaiting = null;
      frame.payload = message;
      onFrame(frame);
      return;
    }
    let offset = 0;
    while (offset < message.length) {
      if (message.length - offset < HEADER_BYTES) {
        throw new FrameError(`truncated header: ${message.length - offset} of ${HEADER_BYTES} bytes`);
      }
      const frame = readHeader(message, offset);
      this.check(frame);
      offset += HEADER_BYTES;
      if (frame.flags & FLAG_DETACHED) {
        if (offset !== message.length) throw new FrameError('detached header is not the last frame of its message');
        this.awaiting = frame;
        return;
      }
      if (message.length - offset < frame.len) {
        throw new FrameError(`truncated payload: ${message.length - offset} of ${frame.len} bytes`);
      }
      frame.payload = frame.len === 0 ? EMPTY : message.subarray(offset, offset + frame.len);
      offset += frame.len;
      onFrame(frame);
    }
  }

  private check(frame: Frame): void {
    if (frame.kind < 1 || frame.kind > MAX_KIND) throw new FrameError(`unknown frame kind ${frame.kind}`);
    if (frame.len > this.maxPayload) throw new FrameError(`frame length ${frame.len} exceeds ${this.maxPayload}`);
    if (!Number.isFinite(frame.aux)) throw new FrameError('non-finite aux field');
  }
}

function readHeader(buf: Buffer, offset: number): Frame {
  return {
    kind: buf[offset],
    ptype: buf[offset + 1],
    flags: buf.readUInt16LE(offset + 2),
    ctx: buf.readUInt32LE(offset + 4),
    tag: buf.readInt32LE(offset + 8),
    src: buf.readInt32LE(offset + 12),
    id: buf.readUInt32LE(offset + 16),
    len: buf.readUInt32LE(offset + 20),
    aux: buf.readDoubleLE(offset + 24),
    payload: EMPTY,
  };
}

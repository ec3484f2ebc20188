/**
 * One open, authenticated, ordered byte channel to a peer over a WebSocket.
 * Frames written in one tick are batched into one WebSocket message; a large
 * payload is sent as its own message so it is never copied.
 */
import type { WebSocket } from 'ws';
import { FLAG_DETACHED, FrameDecoder, HEADER_BYTES, writeHeader, type Frame, type FrameFields } from './framing.js';
import type { MessageSource } from './messageSource.js';

/** Payloads above this size travel as their own WebSocket message instead of being copied into a batch. */
export const DETACH_BYTES = 32 * 1024;

type Done = (err?: Error) => void;

export class Channel {
  private batch: Buffer[] = [];
  private flushScheduled = false;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private readonly messages: MessageSource;
  private readonly onBroken: (reason: string) => void;
  private readonly receive: (data: Buffer) => void;

  /**
   * @param messages where the connection's messages arrive; decoding starts with `start`
   * @param onFrame receives every frame, in order
   * @param onBroken called once if the connection fails or the peer closes it
   * @param destinationFor where the payload announced by a DETACHED header should be
   *   read to, if the layer above has a place for it
   */
  constructor(
    readonly peer: number,
    readonly ws: WebSocket,
    messages: MessageSource,
    maxPayload: number,
    onFrame: (frame: Frame) => void,
    onBroken: (reason: string) => void,
    destinationFor: (frame: Frame) => Uint8Array | undefined = () => undefined,
  ) {
    const decoder = new FrameDecoder(maxPayload);
    this.decoder = decoder;
    this.messages = messages;
    this.onBroken = onBroken;
    this.receive = (data: Buffer) => {
      if (this.closed) return;
      try {
        decoder.push(data, onFrame);
      } catch (err) {
        this.broken(`bad frame: ${(err as Error).message}`);
        return;
      }
      // A detached payload comes next: read it where the layer above wants it, if anywhere.
      const awaiting = decoder.awaitingPayload();
      if (awaiting && messages.readNextInto) {
        const dest = destinationFor(awaiting);
        if (dest) messages.readNextInto(dest);
      }
    };
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.closed) return;
      this.closed = true;
      onBroken(reason.length ? reason.toString() : `connection closed (code ${code})`);
    });
    ws.on('error', () => {
      /* 'close' follows and reports it */
    });
  }

  /**
   * Starts decoding the connection's messages: first `first` (bytes of an earlier
   * message that belong to the channel), then those that arrived before, in order.
   * Separate from the constructor because decoding runs the layers above, which may
   * write to the peer and must find this channel in place.
   */
  start(first?: Buffer): void {
    if (first) this.receive(first);
    this.messages.listen(this.receive, (err) => {
      if (!this.closed) this.broken(`bad WebSocket stream: ${err.message}`);
    });
  }

  private broken(reason: string): void {
    this.closed = true;
    this.ws.terminate();
    this.onBroken(reason);
  }

  /**
   * Queues one frame. `done` is called once `payload` may be reused: at once for a
   * payload copied into the batch, after the socket write for a detached one.
   */
  write(fields: FrameFields, payload?: Uint8Array, done?: Done): void {
    const len = payload ? payload.byteLength : 0;
    if (len > DETACH_BYTES) {
      this.writeDetached(fields, payload as Uint8Array, done);
      return;
    }
    const buf = Buffer.allocUnsafe(HEADER_BYTES + len);
    writeHeader(buf, 0, fields, len);
    if (len) buf.set(payload as Uint8Array, HEADER_BYTES);
    this.batch.push(buf);
    this.scheduleFlush();
    done?.();
  }

  private writeDetached(fields: FrameFields, payload: Uint8Array, done?: Done): void {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    writeHeader(header, 0, { ...fields, flags: (fields.flags ?? 0) | FLAG_DETACHED }, payload.byteLength);
    this.batch.push(header);
    this.flush();
    this.ws.send(payload, { binary: true }, (err) => done?.(err ?? undefined));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Sends everything batched so far as one WebSocket message. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    if (batch.length === 0 || this.closed) return;
    this.batch = [];
    this.ws.send(batch.length === 1 ? batch[0] : Buffer.concat(batch), { binary: true });
  }

  /** Closes the channel on purpose; the peer sees a normal close. */
  close(reason = 'finalized'): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.ws.close(1000, reason);
  }
}

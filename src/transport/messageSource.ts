/**
 * Where a connection's messages arrive. A connection is handed over in the tick its
 * WebSocket opens, but its user may attach later (after a promise settles, or after
 * a first message decided who owns it); what arrives in between is kept, in order.
 */
import type { WebSocket } from 'ws';

export interface MessageSource {
  /**
   * Delivers every message to `onMessage` from now on, first those that arrived
   * before, in order. A handler may pass the source on by calling `listen` again;
   * the messages not yet delivered then go to the new handler. A malformed stream is
   * reported once to `onError`, and nothing is delivered after it.
   */
  listen(onMessage: (data: Buffer) => void, onError: (err: Error) => void): void;
  /**
   * Asks for the next message to be read into `dest` if it is exactly that long (it is
   * then delivered as a Buffer over `dest`). Sources that cannot do it leave it out.
   */
  readNextInto?(dest: Uint8Array): void;
}

/** An open, authenticated connection and where its messages arrive. */
export interface Connection {
  ws: WebSocket;
  messages: MessageSource;
}

/**
 * Messages kept until a handler listens, then delivered in order. A handler may pass
 * the rest on by listening again (see MessageSource).
 */
export class MessageQueue {
  private readonly waiting: Buffer[] = [];
  private handler: ((data: Buffer) => void) | null = null;

  /** How many messages wait for a handler. */
  get backlog(): number {
    return this.waiting.length;
  }

  listen(handler: (data: Buffer) => void): void {
    this.handler = handler;
    while (this.waiting.length > 0 && this.handler === handler) handler(this.waiting.shift()!);
  }

  push(data: Buffer): void {
    if (this.handler && this.waiting.length === 0) this.handler(data);
    else this.waiting.push(data);
  }
}

/**
 * The messages `ws` itself reads (its 'message' events). `ws` reports a malformed
 * stream by closing the connection, so `onError` is never called.
 */
export function wsMessages(ws: WebSocket): MessageSource {
  const queue = new MessageQueue();
  ws.on('message', (data: Buffer) => queue.push(data));
  return { listen: (onMessage) => queue.listen(onMessage) };
}

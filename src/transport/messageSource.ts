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
 * The messages `ws` itself reads (its 'message' events). `ws` reports a malformed
 * stream by closing the connection, so `onError` is never called.
 */
export function wsMessages(ws: WebSocket): MessageSource {
  const queue: Buffer[] = [];
  let handler: ((data: Buffer) => void) | null = null;
  ws.on('message', (data: Buffer) => {
    if (handler && queue.length === 0) handler(data);
    else queue.push(data);
  });
  return {
    listen(onMessage) {
      handler = onMessage;
      while (queue.length > 0 && handler === onMessage) onMessage(queue.shift()!);
    },
  };
}

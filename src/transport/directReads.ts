/**
 * Takes the reading of a WebSocket's socket away from `ws` and gives it to a
 * MessageReader, reading straight into the reader's buffers where Node allows it.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { MessageReader } from './messageReader.js';
import { wsMessages, type MessageSource } from './messageSource.js';

/**
 * Where an open WebSocket's messages will arrive: read off the socket directly (rank
 * connections), or through `ws` (the coordinator link). Call it in the tick the
 * WebSocket opens.
 */
export function messagesOf(ws: WebSocket, readDirectly: boolean, maxPayload: number): MessageSource {
  return readDirectly ? readMessagesDirectly(ws, maxPayload) : wsMessages(ws);
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
  // At this point the only 'data' listener is ws's own (the HTTP parser let go on upgrade).
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
    try {
      reader.advance(n);
    } catch (err) {
      // Node skips asking for the next buffer when this throws, and would read into the
      // last one again, which the reader may have handed out: stop reading first.
      socket.destroy();
      throw err;
    }
  };
  slots[kBufferGen] = () => reader.target();
  handle.useUserBuffer(first);
  return true;
}

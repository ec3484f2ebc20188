/**
 * The point-to-point patterns every algorithm is built from. Each starts its sends
 * before awaiting its receives: a send may not complete until the peer receives
 * (rendezvous), so "await send, then receive" on both sides would deadlock.
 */
import { SENT, type CollEndpoint } from './endpoint.js';
import { writeAt, type TypedArray } from './typedArray.js';

/** Sends `data` to `dest` while receiving from `source`; resolves once both are done. */
export async function sendrecv<R>(
  ep: CollEndpoint,
  data: unknown,
  dest: number,
  source: number,
  tag: number,
): Promise<R> {
  const sent = ep.send(data, dest, tag);
  if (sent === SENT) return await ep.recv<R>(source, tag);
  const [received] = await Promise.all([ep.recv<R>(source, tag), sent]);
  return received;
}

/**
 * Like `sendrecv`, where a null `dest` skips the send and a null `source` skips the
 * receive (resolving undefined): for steps in which one side has nothing to move.
 */
export async function sendrecvSome<R>(
  ep: CollEndpoint,
  data: unknown,
  dest: number | null,
  source: number | null,
  tag: number,
): Promise<R | undefined> {
  const sent = dest === null ? undefined : ep.send(data, dest, tag);
  const [received] = await Promise.all([source === null ? undefined : ep.recv<R>(source, tag), sent]);
  return received;
}

/**
 * Like `sendrecvSome`, where the received block belongs at `into` (a view of the
 * caller's result): it is read straight there where the endpoint can, else copied.
 * `check` sees the received value first and throws if it is not the expected block.
 * Resolves whether a block was received.
 */
export async function sendrecvSomeInto(
  ep: CollEndpoint,
  data: unknown,
  dest: number | null,
  source: number | null,
  tag: number,
  into: TypedArray,
  check: (received: unknown) => void,
): Promise<boolean> {
  const sent = dest === null ? undefined : ep.send(data, dest, tag);
  const receive = source === null ? undefined : ep.recvInto ? ep.recvInto(source, tag, into) : ep.recv(source, tag);
  const [received] = await Promise.all([receive, sent]);
  if (source === null) return false;
  check(received);
  if (received !== into) writeAt(into, received as TypedArray, 0);
  return true;
}

/** Starts all `sends` (in order, so per-peer FIFO order is theirs) and waits for them. */
export async function sendAll(ep: CollEndpoint, sends: ReadonlyArray<readonly [data: unknown, dest: number]>, tag: number): Promise<void> {
  await Promise.all(sends.map(([data, dest]) => ep.send(data, dest, tag)));
}

/** Posts receives from every source at once (in order) and resolves their values in that order. */
export function recvAll<R>(ep: CollEndpoint, sources: readonly number[], tag: number): Promise<R>[] {
  const receives = sources.map((source) => ep.recv<R>(source, tag));
  // The caller awaits them one by one; keep a failure of a later one from being unhandled meanwhile.
  for (const receive of receives) receive.catch(() => undefined);
  return receives;
}

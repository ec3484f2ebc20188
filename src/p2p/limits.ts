/**
 * The point-to-point protocol's size limits. A module of constants only, so that test
 * programs can import them without loading the engine (and the codec with it).
 */

/**
 * Messages up to this size are sent eagerly. A rendezvous costs a round trip (RTS, CTS)
 * of ~60 µs here, as long as moving ~150 KB, so below that it only adds latency; the
 * credit below, not this size, bounds what a receiver may have to hold. Ping-pong on
 * two cores, limit 64 KiB → 256 KiB: 128 KiB 96-103 → 68-82 µs, 256 KiB 146-162 → 117-125 µs.
 */
export const EAGER_BYTES = 256 * 1024;
/** Unmatched eager bytes one sender may leave at one receiver. */
export const EAGER_CREDIT_BYTES = 4 * 1024 * 1024;
/**
 * The largest message, in payload bytes: a peer treats a longer frame as garbage and drops
 * the connection, so a send refuses one before anything leaves.
 */
export const MAX_MESSAGE_BYTES = 1 << 30;

/**
 * Messages between a rank and the launcher's coordinator (JSON over an authenticated
 * WebSocket). Low volume: wire-up, the finalize fence, failures and diagnostics.
 */
import type { PeerAddress } from '../transport/transport.js';

export type RankToCoordinator =
  | { t: 'hello'; rank: number; pid: number; address: PeerAddress }
  | { t: 'finalize' }
  /**
   * `consequence`: this rank fails because another did (ERR_PROC_FAILED); the launcher
   * waits a moment to learn which rank failed first and names that one.
   */
  | { t: 'abort'; code: number; reason: string; consequence?: boolean }
  | { t: 'error'; message: string }
  | { t: 'report'; id: number; lines: string[] };

export type CoordinatorToRank =
  | { t: 'table'; table: PeerAddress[] }
  | { t: 'finalized' }
  | { t: 'failed'; rank: number; reason: string }
  | { t: 'report'; id: number }
  | { t: 'abort'; code: number };

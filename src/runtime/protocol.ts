/**
 * Messages between a rank and the launcher's coordinator (JSON over an authenticated
 * WebSocket). Low volume: wire-up, the finalize fence, failures and diagnostics.
 */
import type { PeerAddress } from '../transport/transport.js';

export type RankToCoordinator =
  | { t: 'hello'; rank: number; pid: number; address: PeerAddress }
  | { t: 'finalize' }
  | { t: 'abort'; code: number; reason: string }
  | { t: 'error'; message: string }
  | { t: 'report'; id: number; lines: string[] };

export type CoordinatorToRank =
  | { t: 'table'; table: PeerAddress[] }
  | { t: 'finalized' }
  | { t: 'failed'; rank: number; reason: string }
  | { t: 'report'; id: number }
  | { t: 'abort'; code: number };

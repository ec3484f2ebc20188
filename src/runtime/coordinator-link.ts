/**
 * A rank's link to the coordinator in tsmpiexec. If it drops, the launcher is gone and
 * the rank exits, so no rank outlives its job on any host.
 */
import type { WebSocket } from 'ws';
import { connectAuthenticated, unrefSocket } from '../transport/connect.js';
import type { Connection } from '../transport/messageSource.js';
import type { CoordinatorToRank, RankToCoordinator } from './protocol.js';

export class CoordinatorLink {
  private closing = false;
  private waiters = new Map<string, (msg: CoordinatorToRank) => void>();

  private readonly ws: WebSocket;

  private constructor(
    conn: Connection,
    private readonly onMessage: (msg: CoordinatorToRank) => void,
    onLost: () => void,
  ) {
    const ws = conn.ws;
    this.ws = ws;
    const receive = (data: Buffer) => {
      let msg: CoordinatorToRank;
      try {
        msg = JSON.parse(data.toString('utf8')) as CoordinatorToRank;
      } catch {
        return;
      }
      const waiter = this.waiters.get(msg.t);
      if (waiter) {
        this.waiters.delete(msg.t);
        waiter(msg);
      } else {
        this.onMessage(msg);
      }
    };
    conn.messages.listen(receive, () => {});
    ws.on('close', () => {
      if (!this.closing) onLost();
    });
    ws.on('error', () => {});
    unrefSocket(ws);
  }

  /** Connects and authenticates to the coordinator at `url`. */
  static async open(
    url: string,
    secret: string,
    rank: number,
    onMessage: (msg: CoordinatorToRank) => void,
    onLost: () => void,
    tlsCert?: string,
  ): Promise<CoordinatorLink> {
    const conn = await connectAuthenticated(url, { secret, from: `rank:${rank}`, to: 'coordinator', maxPayload: 64 << 20, tlsCert });
    return new CoordinatorLink(conn, onMessage, onLost);
  }

  send(msg: RankToCoordinator, done?: () => void): void {
    this.ws.send(JSON.stringify(msg), () => done?.());
  }

  /** Resolves with the next message of type `t`. */
  next<K extends CoordinatorToRank['t']>(t: K): Promise<Extract<CoordinatorToRank, { t: K }>> {
    return new Promise((resolve) => this.waiters.set(t, resolve as (msg: CoordinatorToRank) => void));
  }

  close(): void {
    this.closing = true;
    this.ws.close(1000, 'finalized');
  }
}

/**
 * The hang report: what every rank is waiting on, with ranks in the same position
 * grouped together. In a deadlocked job most ranks usually wait in the same
 * collective; the few that wait elsewhere are where the bug is, so groups are listed
 * largest first and the odd ones out stand out at the end.
 */

export interface RankState {
  rank: number;
  host: string;
  /** The rank's pending operations; null when it did not answer, or why it cannot. */
  pending: string[] | null | 'exited' | 'starting';
}

function describe(state: RankState): string {
  if (state.pending === 'exited') return 'has exited';
  if (state.pending === 'starting') return 'has not called init() yet (still starting, or not a tsmpi program)';
  if (state.pending === null) return 'did not answer (busy in its own code, not yielding to the event loop?)';
  if (state.pending.length === 0) return 'waits on nothing in tsmpi (busy in its own code, or awaiting something else)';
  return summarize(state.pending);
}

/** Distinct operations a rank's line lists before it only counts the rest. */
const MAX_DISTINCT_OPERATIONS = 12;

/**
 * A rank's pending operations in order of first appearance, identical ones counted
 * ("send(dest=0, tag=1, 3 bytes) on world × 4000"), and only the first few kinds
 * spelled out: a rank behind a flood of sends waits on thousands of them.
 */
function summarize(pending: string[]): string {
  const counts = new Map<string, number>();
  for (const op of pending) counts.set(op, (counts.get(op) ?? 0) + 1);
  const shown = [...counts].slice(0, MAX_DISTINCT_OPERATIONS).map(([op, n]) => (n > 1 ? `${op} × ${n}` : op));
  const hidden = [...counts.values()].slice(MAX_DISTINCT_OPERATIONS).reduce((a, b) => a + b, 0);
  if (hidden > 0) shown.push(`and ${hidden} more operation${hidden === 1 ? '' : 's'}`);
  return shown.join('; ');
}

/** Compresses sorted ranks: 0,1,2,3,7 → "0-3,7". */
export function rankList(ranks: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ranks.length; ) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j] + 1) j++;
    parts.push(j > i + 1 ? `${ranks[i]}-${ranks[j]}` : j === i + 1 ? `${ranks[i]},${ranks[j]}` : `${ranks[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The host of a group of ranks; with two or three, which ranks are on which ("0 on a; 2,3 on b"). */
function whereRanksAre(members: RankState[]): string {
  const byHost = new Map<string, number[]>();
  for (const m of members) byHost.set(m.host, [...(byHost.get(m.host) ?? []), m.rank]);
  if (byHost.size === 1) return members[0]!.host;
  if (byHost.size > 3) return `${byHost.size} hosts`;
  return [...byHost].map(([host, ranks]) => `${rankList(ranks.sort((a, b) => a - b))} on ${host}`).join('; ');
}

/** Formats the report: one line per group of ranks in the same state, largest group first. */
export function formatHangReport(headline: string, states: RankState[]): string {
  const groups = new Map<string, RankState[]>();
  for (const s of states) {
    const key = describe(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[1][0].rank - b[1][0].rank);
  const lines = [headline];
  for (const [what, members] of ordered) {
    const ranks = members.map((m) => m.rank).sort((a, b) => a - b);
    lines.push(`  ${ranks.length === 1 ? 'rank' : 'ranks'} ${rankList(ranks)} (${whereRanksAre(members)}): ${what}`);
  }
  return lines.join('\n');
}

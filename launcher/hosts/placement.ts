/**
 * Placement: which host each rank runs on (`--map-by`, `--oversubscribe`,
 * `-n`), and the `--display-map` table.
 */
import * as os from 'node:os';
import { HostError, describeHosts, machineOf, mergeHosts, type HostSpec } from './host.js';

/** Where one rank runs. */
export interface Placement {
  rank: number;
  host: string;
  /** Index of this rank among the ranks on the same host, in rank order. */
  localRank: number;
  /** Number of ranks on this host. */
  localSize: number;
}

/** How to place ranks. */
export interface PlanOptions {
  /** Number of ranks; defaults to the total slots of the hosts. */
  np?: number;
  /** `slot`: fill each host's slots in turn; `node`: one rank per host round-robin. */
  mapBy: 'slot' | 'node';
  /** Allow more ranks than slots (never more than a host's max_slots). */
  oversubscribe: boolean;
  /** The plan runs on the local machine only: oversubscription is always allowed. */
  localOnly: boolean;
}

/**
 * Assigns every rank a host.
 *
 * - `mapBy: 'slot'`: host 1 gets ranks up to its slots, then host 2, …; the
 *   ranks of a host are contiguous. Beyond the total slots (oversubscribing)
 *   the extra ranks are dealt round-robin over the hosts still below max_slots,
 *   and the ranks stay contiguous per host.
 * - `mapBy: 'node'`: one rank per host in turn, skipping hosts whose slots are
 *   full; when oversubscribing, the turns go on over hosts below max_slots.
 *
 * Hosts with the same name are merged first (see {@link mergeHosts}).
 * `np` defaults to the total slots; choosing the CPU count for a local run is
 * up to the caller (pass it as `np` or as the local host's slots).
 * @throws HostError when there are no hosts, a host is malformed, `np` is not
 *   a positive integer, `np` exceeds the slots without oversubscription
 *   (`oversubscribe` or `localOnly`), or `np` exceeds the max_slots limits.
 */
export function planPlacement(hosts: HostSpec[], opts: PlanOptions): Placement[] {
  const merged = mergeHosts(hosts.map(checkHost));
  if (merged.length === 0) throw new HostError('no hosts to run on');
  const total = merged.reduce((sum, h) => sum + h.slots, 0);
  const np = opts.np ?? total;
  if (!Number.isSafeInteger(np) || np < 1) {
    throw new HostError(`invalid number of ranks ${String(np)}: expected a positive integer`);
  }
  if (np > total && !opts.oversubscribe && !opts.localOnly) {
    throw new HostError(
      `not enough slots: ${np} ranks requested but the hosts provide ${total} ` +
        `(hosts: ${describeHosts(merged)}); use --oversubscribe or fewer ranks`,
    );
  }
  const limit = maxRanks(merged);
  if (np > limit) {
    throw new HostError(
      `not enough slots: ${np} ranks requested but max_slots allows at most ${limit} ` +
        `(hosts: ${describeHosts(merged)}); use fewer ranks or raise max_slots`,
    );
  }
  const order = opts.mapBy === 'slot' ? mapBySlot(merged, np) : mapByNode(merged, np);
  return withLocalRanks(order.map((i) => merged[i]?.name ?? ''));
}

/** Rejects hand-built host specs that the parsers would never produce. */
function checkHost(h: HostSpec): HostSpec {
  if (!Number.isSafeInteger(h.slots) || h.slots < 1) {
    throw new HostError(`host ${h.name}: slots must be a positive integer, got ${h.slots}`);
  }
  if (h.maxSlots !== undefined && (!Number.isSafeInteger(h.maxSlots) || h.maxSlots < h.slots)) {
    throw new HostError(`host ${h.name}: max_slots=${h.maxSlots} must be an integer of at least slots=${h.slots}`);
  }
  return h;
}

/** Most ranks the hosts accept at all: the sum of max_slots, or Infinity if any host has none. */
function maxRanks(hosts: readonly HostSpec[]): number {
  let sum = 0;
  for (const h of hosts) {
    if (h.maxSlots === undefined) return Infinity;
    sum += h.maxSlots;
  }
  return sum;
}

/** Host index of each rank, map-by slot: per-host counts, then contiguous runs. */
function mapBySlot(hosts: readonly HostSpec[], np: number): number[] {
  const counts = hosts.map(() => 0);
  let left = np;
  hosts.forEach((h, i) => {
    const take = Math.min(h.slots, left);
    counts[i] = take;
    left -= take;
  });
  roundRobin(hosts, counts, left, hardLimit);
  return counts.flatMap((c, i) => Array.from({ length: c }, () => i));
}

/** Host index of each rank, map-by node: round-robin within slots, then within max_slots. */
function mapByNode(hosts: readonly HostSpec[], np: number): number[] {
  const counts = hosts.map(() => 0);
  const total = hosts.reduce((sum, h) => sum + h.slots, 0);
  const first = roundRobin(hosts, counts, Math.min(np, total), (h) => h.slots);
  const rest = roundRobin(hosts, counts, np - first.length, hardLimit);
  return [...first, ...rest];
}

function hardLimit(h: HostSpec): number {
  return h.maxSlots ?? Infinity;
}

/**
 * Deals `n` ranks one per host in host order, cycling, skipping hosts whose
 * count reached `cap(host)`. Updates `counts`; returns the host index of each
 * rank dealt. The caller guarantees the caps leave room for all `n`.
 */
function roundRobin(
  hosts: readonly HostSpec[],
  counts: number[],
  n: number,
  cap: (h: HostSpec) => number,
): number[] {
  const dealt: number[] = [];
  while (dealt.length < n) {
    const before = dealt.length;
    hosts.forEach((h, i) => {
      const c = counts[i] ?? 0;
      if (dealt.length < n && c < cap(h)) {
        counts[i] = c + 1;
        dealt.push(i);
      }
    });
    if (dealt.length === before) throw new Error('placement: no room left (caller did not check limits)');
  }
  return dealt;
}

/** Builds placements from the host name of each rank, adding local rank and size. */
function withLocalRanks(hostOfRank: readonly string[]): Placement[] {
  const size = new Map<string, number>();
  for (const h of hostOfRank) size.set(h, (size.get(h) ?? 0) + 1);
  const next = new Map<string, number>();
  return hostOfRank.map((host, rank) => {
    const localRank = next.get(host) ?? 0;
    next.set(host, localRank + 1);
    return { rank, host, localRank, localSize: size.get(host) ?? 0 };
  });
}

/**
 * The `--display-map` table: a header line, then one line per rank with
 * aligned columns rank, host, local rank. No trailing newline.
 * ```
 * rank  host   local rank
 *    0  node1           0
 *    1  node2           0
 * ```
 */
export function formatMap(plan: readonly Placement[]): string {
  const header = ['rank', 'host', 'local rank'] as const;
  const rows = plan.map((p) => [String(p.rank), p.host, String(p.localRank)] as const);
  const width = (col: 0 | 1 | 2): number =>
    Math.max(header[col].length, ...rows.map((r) => r[col].length));
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  const line = (r: readonly [string, string, string]): string =>
    `${r[0].padStart(w0)}  ${r[1].padEnd(w1)}  ${r[2].padStart(w2)}`;
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Whether `name` is this machine: `localhost`, `127.0.0.1`, `::1`, the host
 * name, or its short form (before the first dot). Case-insensitive. Other
 * loopback addresses such as `127.0.0.2` are deliberately NOT local — tests
 * use them as separate hosts with their own sshd.
 * @param hostname this machine's name; defaults to `os.hostname()`.
 */
export function isLocalHost(name: string, hostname: string = os.hostname()): boolean {
  const n = machineOf(name).toLowerCase();
  const self = hostname.toLowerCase();
  const short = self.split('.')[0] ?? self;
  return n === 'localhost' || n === '127.0.0.1' || n === '::1' || (self !== '' && (n === self || n === short));
}

/** Whether every host is this machine (see {@link isLocalHost}), i.e. a plan that needs no remote shell. */
export function isLocalOnly(hosts: readonly HostSpec[], hostname: string = os.hostname()): boolean {
  return hosts.length > 0 && hosts.every((h) => isLocalHost(h.name, hostname));
}

/**
 * The host concept shared by every host source (--host, --hostfile, Slurm, PBS)
 * and by placement: a named machine with a number of slots, plus the one error
 * class all host handling reports user mistakes with.
 */

import { isIPv6 } from 'node:net';

/** A machine ranks may run on. */
export interface HostSpec {
  /** Host name, IPv4 or IPv6 address (without brackets), as given by the user or the scheduler, maybe after `user@` (see machineOf). */
  name: string;
  /** Ranks the host takes before it counts as oversubscribed (a positive integer). */
  slots: number;
  /** Hard limit on ranks, even with --oversubscribe; absent means no limit. */
  maxSlots?: number;
}

/**
 * A user-facing mistake in host input or placement. The message is a single
 * line meant to be printed as is, e.g. `hostfile hosts.txt line 3: bad slots value "x"`.
 */
export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const NUMERIC_DOTTED = /^[0-9]+(?:\.[0-9]+)*$/;
const MAX_NAME_LENGTH = 253;
const USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

/** The machine a host entry names: `node1` for `alice@node1` (what to reach, bind to, or call the host). */
export function machineOf(name: string): string {
  const at = name.lastIndexOf('@');
  return at < 0 ? name : name.slice(at + 1);
}

/**
 * Tells what is wrong with a host name, or `null` when it is acceptable.
 * Accepted: DNS-style names (letters, digits, `-`, `_`, dot-separated labels;
 * `_` is tolerated because cluster node names sometimes use it), dotted IPv4
 * addresses and IPv6 addresses, each optionally after `user@` (as Open MPI's
 * hostfiles allow: ssh logs in as that user). Names made only of digits and dots
 * must be valid IPv4 addresses.
 */
export function hostNameProblem(name: string): string | null {
  if (name === '') return 'empty host name';
  const at = name.indexOf('@');
  if (at >= 0) {
    const user = name.slice(0, at);
    if (!USER_NAME.test(user)) return `invalid user name "${user}" in "${name}"`;
    return hostNameProblem(name.slice(at + 1));
  }
  if (isIPv6(name)) return null;
  if (name.length > MAX_NAME_LENGTH) return `host name longer than ${MAX_NAME_LENGTH} characters`;
  if (NUMERIC_DOTTED.test(name)) {
    const parts = name.split('.');
    const valid = parts.length === 4 && parts.every((p) => p.length <= 3 && Number(p) <= 255);
    return valid ? null : `invalid IPv4 address "${name}"`;
  }
  if (!HOST_NAME.test(name)) return `invalid host name "${name}"`;
  return null;
}

/**
 * Cuts a `--host` or MPICH hostfile entry into its host and slot count text (undefined
 * when none is given): `name`, `name:slots`, `[ipv6]`, `[ipv6]:slots`, or a bare IPv6
 * address (`fe80::1`; with a slot count it needs the brackets, as `::1:2` is an address).
 */
export function splitHostEntry(entry: string): { name: string; count: string | undefined } {
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    const rest = close < 0 ? '' : entry.slice(close + 1);
    if (close > 0 && (rest === '' || rest.startsWith(':'))) {
      return { name: entry.slice(1, close), count: rest === '' ? undefined : rest.slice(1) };
    }
    return { name: entry, count: undefined };
  }
  if (isIPv6(entry)) return { name: entry, count: undefined };
  const colon = entry.indexOf(':');
  return colon === -1 ? { name: entry, count: undefined } : { name: entry.slice(0, colon), count: entry.slice(colon + 1) };
}

/**
 * Parses a slot count written by a user or a scheduler: decimal digits only,
 * at least 1, at most `Number.MAX_SAFE_INTEGER`. Returns `null` for anything
 * else (`""`, `"0"`, `"-1"`, `"2.5"`, `"x"`, `"1e3"`).
 */
export function parseSlotCount(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && Number.isSafeInteger(n) ? n : null;
}

/**
 * Merges hosts with the same name, keeping first-appearance order, as Open MPI
 * does for repeated hostfile lines and `--host a,a`: slots add up. The merged
 * `maxSlots` is the sum of the entries' `maxSlots` when every entry has one;
 * if any entry has no limit, the merged host has none either.
 * The input is not modified.
 */
export function mergeHosts(hosts: readonly HostSpec[]): HostSpec[] {
  const byName = new Map<string, HostSpec>();
  for (const h of hosts) {
    const seen = byName.get(h.name);
    if (seen === undefined) {
      byName.set(h.name, { ...h });
      continue;
    }
    seen.slots += h.slots;
    if (seen.maxSlots !== undefined && h.maxSlots !== undefined) seen.maxSlots += h.maxSlots;
    else delete seen.maxSlots;
  }
  return [...byName.values()];
}

/** Writes hosts the way --host takes them, with max_slots when set: `a:2, b:4 max_slots=8`. */
export function describeHosts(hosts: readonly HostSpec[], limit = 8): string {
  const shown = hosts.slice(0, limit).map((h) => {
    const max = h.maxSlots === undefined ? '' : ` max_slots=${h.maxSlots}`;
    return `${h.name}:${h.slots}${max}`;
  });
  if (hosts.length > limit) shown.push(`… and ${hosts.length - limit} more`);
  return shown.join(', ');
}

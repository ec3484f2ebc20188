/**
 * `--host h1:2,h2,h3:4` parsing. Each comma-separated entry is a host name or
 * address, optionally followed by `:slots` (an IPv6 address then in brackets,
 * `[fe80::1]:4`); without it the entry is worth 1 slot. Repeated names add their slots, like Open MPI (`--host a,a` is `a`
 * with 2 slots).
 */
import { HostError, hostNameProblem, mergeHosts, parseSlotCount, splitHostEntry, type HostSpec } from './host.js';

/**
 * Parses the argument of `--host`. Errors name the bad entry, e.g.
 * `--host: bad slots value "x" in entry "b:x"`.
 * @throws HostError on an empty argument, an empty entry, a bad name or a bad slot count.
 */
export function parseHostList(arg: string): HostSpec[] {
  if (arg.trim() === '') throw new HostError('--host: no hosts given');
  const hosts = arg.split(',').map((entry) => parseEntry(entry.trim(), arg));
  return mergeHosts(hosts);
}

function parseEntry(entry: string, arg: string): HostSpec {
  if (entry === '') throw new HostError(`--host: empty entry in "${arg}"`);
  const { name, count } = splitHostEntry(entry);
  const problem = hostNameProblem(name);
  if (problem !== null) throw new HostError(`--host: ${problem} in entry "${entry}"`);
  if (count === undefined) return { name, slots: 1 };
  const slots = parseSlotCount(count);
  if (slots === null) {
    throw new HostError(`--host: bad slots value "${count}" in entry "${entry}" (expected a positive integer)`);
  }
  return { name, slots };
}

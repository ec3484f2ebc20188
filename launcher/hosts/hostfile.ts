/**
 * `--hostfile` parsing. Two line forms are accepted, mixed freely:
 *
 * - Open MPI: `node1`, `node1 slots=4`, `node1 slots=4 max_slots=8`
 *   (`count=` is a synonym of `slots=`, `max-slots=` of `max_slots=`;
 *   spaces around `=` are allowed);
 * - MPICH: `node1:4`.
 *
 * IPv6 addresses are host names too: bare in the Open MPI form (`fe80::1 slots=4`),
 * in brackets in MPICH's (`[fe80::1]:4`).
 *
 * `#` starts a comment (whole line or trailing); blank lines are ignored.
 * A host without a slot count has 1 slot. Repeated host names merge, their
 * slots adding up (see {@link mergeHosts}).
 */
import { isIPv6 } from 'node:net';
import { HostError, hostNameProblem, mergeHosts, parseSlotCount, splitHostEntry, type HostSpec } from './host.js';

/**
 * Parses the text of a hostfile. `fileName` is only used in error messages,
 * which name the file and the 1-based line number:
 * `hostfile hosts.txt line 3: bad slots value "x"`.
 * @throws HostError on a malformed line or when the file lists no host.
 */
export function parseHostfile(text: string, fileName: string): HostSpec[] {
  const hosts: HostSpec[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fail = (what: string): never => {
      throw new HostError(`hostfile ${fileName} line ${i + 1}: ${what}`);
    };
    const host = parseHostfileLine(lines[i] ?? '', fail);
    if (host !== null) hosts.push(host);
  }
  if (hosts.length === 0) throw new HostError(`hostfile ${fileName}: no hosts listed`);
  return mergeHosts(hosts);
}

/** Parses one line; `null` for a blank or comment-only line. Reports problems through `fail`. */
function parseHostfileLine(raw: string, fail: (what: string) => never): HostSpec | null {
  const hash = raw.indexOf('#');
  const line = (hash === -1 ? raw : raw.slice(0, hash)).replace(/\s*=\s*/g, '=').trim();
  if (line === '') return null;
  const [first = '', ...rest] = line.split(/\s+/);
  if (first.includes('=')) fail(`missing host name before "${first}"`);
  // `node1:4` or `[fe80::1]:4` is MPICH's form; a bare IPv6 address is a host name.
  if (first.startsWith('[') || (first.includes(':') && !isIPv6(first))) return parseMpichEntry(first, rest, fail);
  checkName(first, fail);
  return { name: first, ...parseKeys(rest, fail) };
}

/** `node1:4` or `[fe80::1]:4` — nothing may follow it on the line. */
function parseMpichEntry(entry: string, rest: string[], fail: (what: string) => never): HostSpec {
  const { name, count = '1' } = splitHostEntry(entry);
  checkName(name, fail);
  const slots = parseSlotCount(count);
  if (slots === null) fail(`bad slots value "${count}" in "${entry}" (expected a positive integer)`);
  if (rest.length > 0) fail(`unexpected "${rest.join(' ')}" after "${entry}"`);
  return { name, slots };
}

/** The `key=value` words after an Open MPI host name. */
function parseKeys(words: string[], fail: (what: string) => never): Omit<HostSpec, 'name'> {
  let slots: number | undefined;
  let maxSlots: number | undefined;
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq === -1) fail(`unexpected "${word}" (expected key=value such as slots=4)`);
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    const kind = keyKind(key);
    if (kind === null) fail(`unknown key "${key}" (expected slots or max_slots)`);
    const n = parseSlotCount(value);
    if (n === null) fail(`bad ${key} value "${value}" (expected a positive integer)`);
    if (kind === 'slots') {
      if (slots !== undefined) fail(`slots given twice`);
      slots = n;
    } else {
      if (maxSlots !== undefined) fail(`max_slots given twice`);
      maxSlots = n;
    }
  }
  const result: Omit<HostSpec, 'name'> = { slots: slots ?? 1 };
  if (maxSlots !== undefined) {
    if (maxSlots < result.slots) fail(`max_slots=${maxSlots} is less than slots=${result.slots}`);
    result.maxSlots = maxSlots;
  }
  return result;
}

function keyKind(key: string): 'slots' | 'max' | null {
  switch (key) {
    case 'slots':
    case 'count':
      return 'slots';
    case 'max_slots':
    case 'max-slots':
      return 'max';
    default:
      return null;
  }
}

function checkName(name: string, fail: (what: string) => never): void {
  const problem = hostNameProblem(name);
  if (problem !== null) fail(problem);
}

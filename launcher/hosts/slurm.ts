/**
 * Hosts and slots of a Slurm allocation, read from the environment Slurm sets
 * (`SLURM_JOB_NODELIST`, `SLURM_TASKS_PER_NODE`, …), including Slurm's
 * compressed notations: host lists like `node[01-04,07]` and counts like `2(x3),1`.
 */
import { HostError, hostNameProblem, mergeHosts, type HostSpec } from './host.js';

/** Expansion stops with an error beyond this many names (guards against `n[0-999999999]`). */
export const MAX_EXPANDED_NODES = 1_000_000;

/**
 * Expands a Slurm compressed host list into host names, in order.
 * Top-level commas separate entries (commas inside brackets do not); a bracket
 * holds comma-separated numbers and `lo-hi` ranges; zero padding is kept
 * (`[08-10]` → `08 09 10`, width taken from `lo`); several brackets in one
 * entry give the cartesian product, leftmost varying slowest
 * (`a[1-2]b[3-4]` → `a1b3 a1b4 a2b3 a2b4`).
 * @throws HostError naming the list on unbalanced or nested brackets, empty
 *   ranges, non-numeric or reversed ranges, or an empty entry.
 */
export function expandNodeList(list: string): string[] {
  const fail = (what: string): never => {
    throw new HostError(`bad Slurm node list "${list}": ${what}`);
  };
  const names: string[] = [];
  for (const entry of splitTopLevel(list.trim(), fail)) {
    if (entry === '') fail('empty entry');
    for (const name of expandEntry(entry, fail)) {
      names.push(name);
      if (names.length > MAX_EXPANDED_NODES) fail(`more than ${MAX_EXPANDED_NODES} nodes`);
    }
  }
  return names;
}

/** Splits on commas outside brackets; checks that brackets balance and do not nest. */
function splitTopLevel(list: string, fail: (what: string) => never): string[] {
  const entries: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '[') {
      if (depth > 0) fail('nested "["');
      depth++;
    } else if (c === ']') {
      if (depth === 0) fail('"]" without "["');
      depth--;
    } else if (c === ',' && depth === 0) {
      entries.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) fail('"[" without "]"');
  entries.push(list.slice(start));
  return entries;
}

/** Expands one entry such as `rack[1-2]-node[01-04,07]` (brackets already balanced). */
function expandEntry(entry: string, fail: (what: string) => never): string[] {
  // Split into alternating literal text and bracket bodies: lit, body, lit, body, …, lit.
  const parts = entry.split(/\[([^\]]*)\]/);
  let names = [''];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const choices = i % 2 === 0 ? [part] : expandBracket(part, fail);
    if (names.length * choices.length > MAX_EXPANDED_NODES) fail(`more than ${MAX_EXPANDED_NODES} nodes`);
    names = names.flatMap((prefix) => choices.map((c) => prefix + c));
  }
  for (const name of names) {
    const problem = hostNameProblem(name);
    if (problem !== null) fail(problem);
  }
  return names;
}

/** Expands the inside of one bracket: `01-04,07` → `01 02 03 04 07`. */
function expandBracket(body: string, fail: (what: string) => never): string[] {
  if (body === '') fail('empty "[]"');
  const out: string[] = [];
  for (const range of body.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(range);
    if (m === null) fail(`bad range "${range}"`);
    const lo = m[1] ?? '';
    const hi = m[2] ?? lo;
    const from = Number(lo);
    const to = Number(hi);
    if (to < from) fail(`range "${range}" goes down`);
    if (to - from + 1 > MAX_EXPANDED_NODES) fail(`more than ${MAX_EXPANDED_NODES} nodes`);
    const width = lo.length;
    for (let n = from; n <= to; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}

/**
 * Expands Slurm's per-node count notation (as in `SLURM_TASKS_PER_NODE` and
 * `SLURM_JOB_CPUS_PER_NODE`): `2(x3),1` → `[2, 2, 2, 1]`. Counts are
 * non-negative integers; repeat factors are positive.
 * @throws HostError naming the text on anything else.
 */
export function expandTasksPerNode(s: string): number[] {
  const counts: number[] = [];
  for (const item of s.trim().split(',')) {
    const m = /^([0-9]+)(?:\(x([0-9]+)\))?$/.exec(item.trim());
    const count = m === null ? NaN : Number(m[1]);
    const times = m === null ? NaN : Number(m[2] ?? '1');
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(times) || times < 1) {
      throw new HostError(`bad Slurm count list "${s}": bad item "${item}" (expected N or N(xM))`);
    }
    if (counts.length + times > MAX_EXPANDED_NODES) {
      throw new HostError(`bad Slurm count list "${s}": more than ${MAX_EXPANDED_NODES} nodes`);
    }
    for (let k = 0; k < times; k++) counts.push(count);
  }
  return counts;
}

/**
 * The hosts of the Slurm allocation this process runs in, or `null` when not
 * inside one (no `SLURM_JOB_ID`/`SLURM_JOBID`, or no node list).
 * Nodes come from `SLURM_JOB_NODELIST` (else `SLURM_NODELIST`); slots from
 * `SLURM_TASKS_PER_NODE`, else `SLURM_JOB_CPUS_PER_NODE`, else 1 per node.
 * Nodes given 0 tasks are left out.
 * @throws HostError when a variable is malformed or the counts do not match the nodes.
 */
export function slurmHosts(env: NodeJS.ProcessEnv): HostSpec[] | null {
  const jobId = nonEmpty(env.SLURM_JOB_ID) ?? nonEmpty(env.SLURM_JOBID);
  const [listVar, list] = firstSet(env, ['SLURM_JOB_NODELIST', 'SLURM_NODELIST']);
  if (jobId === undefined || listVar === undefined || list === undefined) return null;
  const nodes = expandNodeList(list);
  const [countVar, countText] = firstSet(env, ['SLURM_TASKS_PER_NODE', 'SLURM_JOB_CPUS_PER_NODE']);
  const counts = countText === undefined ? nodes.map(() => 1) : expandTasksPerNode(countText);
  if (counts.length !== nodes.length) {
    throw new HostError(
      `Slurm: ${countVar}="${countText}" gives ${counts.length} counts but ` +
        `${listVar}="${list}" lists ${nodes.length} nodes`,
    );
  }
  const hosts = nodes
    .map((name, i) => ({ name, slots: counts[i] ?? 0 }))
    .filter((h) => h.slots > 0);
  if (hosts.length === 0) throw new HostError(`Slurm: ${countVar}="${countText}" gives no node any slot`);
  return mergeHosts(hosts);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** The first of `names` set to a non-empty value, as [name, value]. */
function firstSet(env: NodeJS.ProcessEnv, names: string[]): [string, string] | [undefined, undefined] {
  for (const name of names) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return [name, value];
  }
  return [undefined, undefined];
}

/**
 * Open MPI's and MPICH's single-dash spellings of long options (`-np 4`, `-host a,b`,
 * `-hostfile f`, `-wdir d`), which scripts written for mpiexec use. yargs would read
 * `-host` as the flags -h -o -s -t, and -h is help: the job would print the help and
 * exit 0 having run nothing. Only the launcher's own options, before the script, are
 * rewritten; the script's arguments are left as they are.
 */
import { UsageError } from './usage-error.js';

/** Single-dash (and other) spellings, and the option each one means. */
const SPELLINGS: Readonly<Record<string, string>> = {
  '-np': '--np',
  '-host': '--host',
  '-H': '--host',
  '-hostfile': '--hostfile',
  '-machinefile': '--hostfile',
  '--machinefile': '--hostfile',
  '-wdir': '--wdir',
  '-oversubscribe': '--oversubscribe',
  '-display-map': '--display-map',
  '-tag-output': '--tag-output',
  '-timeout': '--timeout',
};

/** The options that take the next word as their value (so it is not mistaken for the script). */
const TAKES_VALUE = new Set(['n', 'np', 'host', 'hostfile', 'map-by', 'output-dir', 'x', 'env', 'wdir', 'timeout', 'ssh', 'node', 'bind-to', 'launcher']);

/** `argv` with the launcher's options in the spellings yargs knows; UsageError for an unknown single-dash word. */
export function withLongSpellings(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    // The script (or `--`) ends the launcher's options: everything after is the program's.
    if (word === '--' || !word.startsWith('-') || word === '-') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const long = SPELLINGS[name];
    const spelled = long === undefined ? word : long + word.slice(name.length);
    if (long === undefined && /^-[^-].+/.test(name) && !/^-n\d+$/.test(word)) {
      throw new UsageError(`unknown option ${name} (long options take two dashes: -${name})`);
    }
    out.push(spelled);
    const key = (long ?? name).replace(/^-+/, '');
    if (eq < 0 && TAKES_VALUE.has(key) && i + 1 < argv.length) out.push(argv[++i]!);
  }
  return out;
}

/** The word given for the last of `names` in `argv` (`-n 4`, `--np=4`, `-n4`), for messages. */
export function givenValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--' || !word.startsWith('-') || word === '-') break;
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const next = eq < 0 && TAKES_VALUE.has(name.replace(/^-+/, '')) ? argv[++i] : undefined;
    if (names.includes(name)) found = eq < 0 ? next : word.slice(eq + 1);
    else if (/^-n\d/.test(word) && names.includes('-n')) found = word.slice(2);
  }
  return found;
}

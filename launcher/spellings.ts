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

/** One of the launcher's options as written: `name` (before any `=`), its value, and where they sit in argv. */
interface OptionWord {
  word: string;
  name: string;
  /** The value after `=`, or the next word for an option that takes one. */
  value: string | undefined;
  /** The next word was this option's value. */
  tookNext: boolean;
}

/** The launcher's own words, before the script (or `--`), and where the script's part begins. */
function launcherWords(argv: readonly string[]): { options: OptionWord[]; scriptAt: number } {
  const options: OptionWord[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--' || !word.startsWith('-') || word === '-') break;
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const key = (SPELLINGS[name] ?? name).replace(/^-+/, '');
    const tookNext = eq < 0 && TAKES_VALUE.has(key) && i + 1 < argv.length;
    options.push({ word, name, value: eq >= 0 ? word.slice(eq + 1) : tookNext ? argv[i + 1] : undefined, tookNext });
    if (tookNext) i++;
  }
  return { options, scriptAt: i };
}

/** `argv` with the launcher's options in the spellings yargs knows; UsageError for an unknown single-dash word. */
export function withLongSpellings(argv: readonly string[]): string[] {
  const { options, scriptAt } = launcherWords(argv);
  const out: string[] = [];
  for (const { word, name, value, tookNext } of options) {
    const long = SPELLINGS[name];
    if (long === undefined && /^-[^-].+/.test(name) && !/^-n\d+$/.test(word)) {
      throw new UsageError(`unknown option ${name} (long options take two dashes: -${name})`);
    }
    out.push(long === undefined ? word : long + word.slice(name.length));
    if (tookNext) out.push(value!);
  }
  return [...out, ...argv.slice(scriptAt)];
}

/** The word given for the last of `names` in `argv` (`-n 4`, `--np=4`, `-n4`), for messages. */
export function givenValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const { word, name, value } of launcherWords(argv).options) {
    if (names.includes(name)) found = value;
    else if (/^-n\d/.test(word) && names.includes('-n')) found = word.slice(2);
  }
  return found;
}

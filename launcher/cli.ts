/**
 * tsmpiexec: the command line. Parses options, plans where ranks run, and runs the job.
 * Every mistake in the command line is one line naming what is wrong, then the usage,
 * and exit status 2.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { BindingError, resolveBinding, type BindTo } from './binding.js';
import { isRunnable } from './compile.js';
import { makeDirectories } from './directories.js';
import { HostError, type HostSpec } from './hosts/host.js';
import { parseHostfile } from './hosts/hostfile.js';
import { parseHostList } from './hosts/hostlist.js';
import { pbsHosts } from './hosts/pbs.js';
import { formatMap, isLocalHost, isLocalOnly, planPlacement } from './hosts/placement.js';
import { slurmHosts } from './hosts/slurm.js';
import { runJob, type LaunchKind } from './job.js';
import { splitCommand } from './shell-words.js';
import { givenValue, withLongSpellings } from './spellings.js';
import { UsageError } from './usage-error.js';

declare const TSMPI_VERSION: string;

export const USAGE = 'Usage: tsmpiexec [options] <script.ts|.mts|.cts|.tsx|.js|.mjs|.cjs> [script args…]';

/** The longest --timeout: Node's timers fire at once for anything beyond 2^31 - 1 ms. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

interface CliOptions {
  np?: number;
  host?: string;
  hostfile?: string;
  mapBy: 'slot' | 'node';
  oversubscribe: boolean;
  tagOutput: boolean;
  outputDir?: string;
  env: string[];
  wdir?: string;
  timeout?: number;
  displayMap: boolean;
  /** The remote shell command (`--ssh`), split into words. */
  ssh: string[];
  /** Extra node flags for every rank (TSMPI_NODE_ARGS), split into words. */
  nodeArgs: string[];
  node: string;
  launcher?: 'local' | 'ssh' | 'srun';
  tls: boolean;
  bindTo: BindTo;
  script: string;
  scriptArgs: string[];
}

/** A repeated option counts once, with its last value (as Open MPI's mpiexec does). */
function lastOf<T>(v: T | T[]): T {
  return Array.isArray(v) ? v[v.length - 1]! : v;
}

function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('tsmpiexec')
    .usage(`${USAGE}\n\nStarts N ranks of an MPI-style program written with tsmpi.`)
    .parserConfiguration({ 'halt-at-non-option': true, 'camel-case-expansion': true, 'duplicate-arguments-array': true })
    .option('np', { alias: 'n', type: 'number', coerce: lastOf<number>, describe: 'number of ranks (default: the slots of the hosts; locally the CPU count)' })
    .option('host', { type: 'string', describe: 'hosts to run on: h1[:slots],h2[:slots],…' })
    .option('hostfile', { type: 'string', describe: 'file of hosts: Open MPI ("node1 slots=4") or MPICH ("node1:4") lines' })
    .option('map-by', { choices: ['slot', 'node'] as const, default: 'slot' as const, coerce: lastOf, describe: 'fill each host in turn, or round-robin' })
    .option('oversubscribe', { type: 'boolean', default: false, describe: 'allow more ranks than slots on remote hosts' })
    .option('tag-output', { type: 'boolean', default: false, describe: 'prefix every output line with [rank]' })
    .option('output-dir', { type: 'string', describe: 'rank r writes <dir>/rank.r/stdout and stderr' })
    // Not an array option: that would swallow the script name after `-x NAME`; repeat -x instead.
    .option('env', {
      alias: 'x',
      type: 'string',
      default: [] as string[],
      coerce: (v: string | string[]) => [v].flat(),
      describe: 'export NAME or NAME=VALUE to every rank (repeatable)',
    })
    .option('wdir', { type: 'string', describe: 'working directory of the ranks' })
    .option('timeout', { type: 'number', coerce: lastOf<number>, describe: "abort the job after this many seconds, printing each rank's pending operations" })
    .option('display-map', { type: 'boolean', default: false, describe: 'print rank → host before starting' })
    .option('ssh', { type: 'string', default: 'ssh', describe: 'remote shell command, e.g. "ssh -p 2222 -i key"' })
    .option('node', { type: 'string', default: 'node', describe: 'node binary on remote hosts' })
    .option('tls', { type: 'boolean', default: false, describe: 'encrypt TCP traffic between hosts with a per-job certificate' })
    .option('bind-to', {
      choices: ['core', 'none'] as const,
      default: 'none' as const,
      coerce: lastOf,
      describe: 'core: bind each rank started on this host to one CPU, round-robin (Linux, needs taskset)',
    })
    .option('launcher', {
      choices: ['local', 'ssh', 'srun'] as const,
      coerce: lastOf,
      describe: 'how ranks start (default: srun inside Slurm, ssh for other hosts, local here)',
    })
    .version(typeof TSMPI_VERSION === 'string' ? TSMPI_VERSION : 'dev')
    .help()
    .alias('help', 'h')
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): keep them to one.
      throw new UsageError((msg ?? err?.message ?? 'invalid command line').replace(/\s*\n\s*/g, ' '));
    })
    .wrap(Math.min(100, process.stdout.columns || 100));
}

/** Parses argv into options; throws UsageError for any mistake. Returns null after --help/--version. */
export async function parseArgs(given: string[]): Promise<CliOptions | null> {
  const argv = withLongSpellings(given);
  const y = parser(argv);
  let printed = false;
  const args = await y.parseAsync(argv, {}, (err, _argv, output) => {
    if (err) throw new UsageError(err.message);
    if (output) {
      printed = true;
      process.stdout.write(output + '\n');
    }
  });
  if (printed) return null;
  const positional = args._.map(String);
  if (positional.length === 0) throw new UsageError('no script given');
  const [script, ...scriptArgs] = positional;
  // Decimal digits only: yargs reads numbers the JavaScript way (`-n 1e1` would be 10 ranks, `-n 0x2` two).
  const npGiven = givenValue(argv, ['-n', '--np', '--n']);
  if (args.np !== undefined && ((npGiven !== undefined && !/^\d+$/.test(npGiven)) || !Number.isInteger(args.np) || args.np < 1)) {
    throw new UsageError(`-n must be a positive integer, got ${npGiven ?? String(args.np)}`);
  }
  if (args.timeout !== undefined && (!Number.isFinite(args.timeout) || args.timeout <= 0)) {
    throw new UsageError('--timeout must be a positive number of seconds');
  }
  if (args.timeout !== undefined && args.timeout > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout can be at most ${MAX_TIMEOUT_SECONDS} s (24.8 days), got ${args.timeout}`);
  }
  // An empty value (`--hostfile "$HOSTFILE"` with the variable unset) is a mistake, not the option left out.
  for (const [name, value] of [
    ['--host', args.host],
    ['--hostfile', args.hostfile],
    ['--output-dir', args.outputDir],
    ['--wdir', args.wdir],
    ['--node', args.node],
  ] as const) {
    if (value !== undefined && String(value).trim() === '') throw new UsageError(`${name} needs a value, got an empty one`);
  }
  const ssh = wordsOf('--ssh', args.ssh);
  if (!ssh[0]) throw new UsageError('--ssh needs a command, e.g. "ssh -p 2222 -i key"');
  const nodeArgs = wordsOf('TSMPI_NODE_ARGS', process.env.TSMPI_NODE_ARGS ?? '');
  for (const e of args.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/s.test(e)) throw new UsageError(`-x: not a variable name: ${e}`);
  }
  return {
    np: args.np,
    host: args.host,
    hostfile: args.hostfile,
    mapBy: args.mapBy as 'slot' | 'node',
    oversubscribe: args.oversubscribe,
    tagOutput: args.tagOutput,
    outputDir: args.outputDir,
    env: args.env,
    wdir: args.wdir,
    timeout: args.timeout,
    displayMap: args.displayMap,
    ssh,
    nodeArgs,
    node: args.node,
    launcher: args.launcher as CliOptions['launcher'],
    tls: args.tls,
    bindTo: args.bindTo as BindTo,
    script,
    scriptArgs,
  };
}

/** The variables -x exports: NAME takes the launcher's value, NAME=VALUE sets it. */
function exportedEnv(specs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq >= 0) env[spec.slice(0, eq)] = spec.slice(eq + 1);
    else if (process.env[spec] !== undefined) env[spec] = process.env[spec]!;
    // As Open MPI's mpirun does: the job runs, but a misspelt or unset name is said.
    else process.stderr.write(`tsmpiexec: warning: -x ${spec}: ${spec} is not set here, so nothing is exported\n`);
  }
  return env;
}

/** Where the hosts of a job came from: it decides the default way to start ranks. */
type HostSource = 'command line' | 'slurm' | 'pbs' | 'local';

function hostsFrom(opts: CliOptions): { hosts: HostSpec[]; source: HostSource } {
  if (opts.host && opts.hostfile) throw new UsageError('give --host or --hostfile, not both');
  if (opts.host) return { hosts: parseHostList(opts.host), source: 'command line' };
  if (opts.hostfile) {
    let text: string;
    try {
      text = readFileSync(opts.hostfile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read hostfile ${opts.hostfile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { hosts: parseHostfile(text, opts.hostfile), source: 'command line' };
  }
  const slurm = slurmHosts(process.env);
  if (slurm) return { hosts: slurm, source: 'slurm' };
  const pbs = pbsHosts(process.env);
  if (pbs) return { hosts: pbs, source: 'pbs' };
  return { hosts: [{ name: hostname(), slots: availableParallelism() }], source: 'local' };
}

/** How ranks on `host` start: `--launcher` if given; srun inside Slurm; ssh for other hosts. */
function launchKindFor(opts: CliOptions, source: HostSource): (host: string) => LaunchKind {
  if (opts.launcher === 'srun' && !process.env.SLURM_JOB_ID) throw new UsageError('--launcher srun needs a Slurm allocation (no SLURM_JOB_ID)');
  return (host) => {
    if (opts.launcher) return opts.launcher;
    if (source === 'slurm') return 'srun';
    return isLocalHost(host) ? 'local' : 'ssh';
  };
}

function checkScript(opts: CliOptions, cwd: string): string {
  const path = resolve(opts.script);
  const candidates = [path, resolve(cwd, opts.script)];
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  if (!found && candidates.some((p) => existsSync(p) && statSync(p).isDirectory())) throw new UsageError(`cannot run ${opts.script}: it is a directory`);
  if (!found) throw new UsageError(`script not found: ${opts.script}`);
  if (!isRunnable(found)) throw new UsageError(`cannot run ${opts.script}: expected a .ts, .mts, .cts, .tsx, .js, .mjs or .cjs file`);
  return found;
}

/**
 * Creates `--output-dir` and its `rank.N` directories before anything starts: a place
 * that cannot hold them stops the job with one line.
 */
function prepareOutputDir(given: string, ranks: number): string {
  const dir = resolve(given);
  try {
    for (let rank = 0; rank < ranks; rank++) makeDirectories(join(dir, `rank.${rank}`));
  } catch (err) {
    throw new UsageError(`--output-dir: cannot create ${given}: ${(err as Error).message}`);
  }
  return dir;
}

/** Runs tsmpiexec with `argv` (without node and script); resolves the exit status. */
export async function main(argv: string[]): Promise<number> {
  let opts: CliOptions | null;
  try {
    opts = await parseArgs(argv);
    if (!opts) return 0;
    const cwd = opts.wdir ? resolve(opts.wdir) : process.cwd();
    if (opts.wdir && !(existsSync(cwd) && statSync(cwd).isDirectory())) throw new UsageError(`--wdir: no such directory: ${opts.wdir}`);
    const script = checkScript(opts, cwd);
    const { hosts, source } = hostsFrom(opts);
    const localOnly = isLocalOnly(hosts) && source !== 'slurm';
    const plan = planPlacement(hosts, {
      np: opts.np ?? (source === 'local' ? availableParallelism() : undefined),
      mapBy: opts.mapBy,
      oversubscribe: opts.oversubscribe,
      localOnly,
    });
    const outputDir = opts.outputDir ? prepareOutputDir(opts.outputDir, plan.length) : null;
    const launchKind = launchKindFor(opts, source);
    if (opts.displayMap) process.stderr.write(formatMap(plan) + '\n');
    return await runJob({
      script,
      scriptArgs: opts.scriptArgs,
      plan,
      tagOutput: opts.tagOutput,
      outputDir,
      env: exportedEnv(opts.env),
      cwd,
      timeoutSeconds: opts.timeout ?? null,
      forceTcp: process.env.TSMPI_TRANSPORT === 'tcp',
      launchKind,
      sshCommand: opts.ssh,
      nodeArgs: opts.nodeArgs,
      remoteNode: opts.node,
      tls: opts.tls,
      // Only ranks this host starts are bound; with none here, there is nothing to check.
      binding: plan.some((p) => launchKind(p.host) === 'local') ? resolveBinding(opts.bindTo) : null,
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof HostError || err instanceof BindingError) {
      process.stderr.write(`tsmpiexec: ${err.message}\n${USAGE}\nRun 'tsmpiexec --help' for the options.\n`);
      return 2;
    }
    throw err;
  }
}

/** The words of a command-line value, or a usage error naming where the value came from. */
function wordsOf(source: string, value: string): string[] {
  try {
    return splitCommand(value);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
}

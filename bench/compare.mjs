// bench/compare (`npm run bench:compare`): the raw-ws floor, Open MPI through mpi4py and
// tsmpi measured in one go, each measurement repeated and its median taken, then every
// target of issue 5 as a ratio within this run. Prints the tables and writes bench/RESULTS.md.
//
//   node bench/compare.mjs [--reps 5] [--only latency,bw,allreduce,coll8,startup]
//                          [--quick] [--startup-n 8,32,64] [--no-ompi] [--out FILE] [--no-write]
//
// --quick: one repetition and start-up at -n 8 only — a smoke run of minutes, not a result.
// Repetitions are interleaved (every job once, then every job again, in reverse order), so
// a noisy minute on this shared machine spreads over all implementations instead of one.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ANCHOR, ROOT, findPython, hasAnchor, hasMpiexec, mpiexecVersion, runMpi, runProcess, runTsmpi, tail } from './launch.mjs';
import { describeCommit, evaluate, parseRecords, renderResults, sideBySideTable, summarize, tally, targetSpecs, targetTable } from './report.mjs';

const GROUPS = ['latency', 'bw', 'allreduce', 'coll8', 'startup'];
const TRANSPORTS = ['unix', 'tcp'];

// ---- options ----------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { reps: 5, groups: GROUPS, startupNs: [8, 32, 64], ompi: true, out: join(ROOT, 'bench', 'RESULTS.md'), write: true };
  let quick = false;
  let repsGiven = false;
  let nsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i];
    if (flag === '--reps') (opts.reps = positive(value(), flag)), (repsGiven = true);
    else if (flag === '--only') opts.groups = value().split(',');
    else if (flag === '--quick') quick = true;
    else if (flag === '--startup-n') (opts.startupNs = value().split(',').map((s) => positive(s, flag))), (nsGiven = true);
    else if (flag === '--no-ompi') opts.ompi = false;
    else if (flag === '--out') opts.out = value();
    else if (flag === '--no-write') opts.write = false;
    else if (flag === '--help') usage(0);
    else usage(2, `unknown option ${argv[i]}`);
  }
  if (quick && !repsGiven) opts.reps = 1;
  if (quick && !nsGiven) opts.startupNs = [8];
  for (const g of opts.groups) if (!GROUPS.includes(g)) usage(2, `unknown group ${g} (known: ${GROUPS.join(', ')})`);
  return opts;
}

function positive(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(2, `${flag} needs positive integers, got ${text}`);
  return n;
}

function usage(code, why) {
  if (why) process.stderr.write(`bench/compare: ${why}\n`);
  process.stderr.write(
    'usage: node bench/compare.mjs [--reps 5] [--only latency,bw,allreduce,coll8,startup] [--quick]\n' +
      '                              [--startup-n 8,32,64] [--no-ompi] [--out FILE] [--no-write]\n',
  );
  process.exit(code);
}

// ---- the jobs: one program run each, returning tagged records ----------------------

/** A job's records, tagged with who measured them over what; a failure becomes a note. */
function tagged(res, label, impl, transport, notes) {
  if (res.code !== 0) notes.push(`${label} failed (exit ${res.code}${res.signal ? `, ${res.signal}` : ''}): ${tail(res.stderr)}`);
  return parseRecords(res.stdout).map((r) => ({ ...r, impl, transport, mode: r.mode ?? 'buffer' }));
}

/**
 * The floor, one process per transport and kind (as every tsmpi figure comes from its own
 * job): how long a process has been ping-ponging changes its latency on this VM, so no
 * figure may sit later in a process than the tsmpi figure it is compared with.
 */
function floorJobs(groups) {
  const kinds = [];
  // 1 B pairs with Open MPI's smallest latency; 8 B is the target's size.
  if (groups.includes('latency') || groups.includes('coll8')) kinds.push(['latency', ['--sizes', '1,8', '--bw-sizes', '']]);
  if (groups.includes('bw')) kinds.push(['bandwidth', ['--sizes', '', '--bw-sizes', '1M,4M']]);
  // Context for the bandwidth targets (not a target): raw ws when the receiver keeps a
  // window's messages, as every MPI receive hands its data to the program.
  if (groups.includes('bw')) kinds.push(['bandwidth, keeping', ['--sizes', '', '--bw-sizes', '1M,4M', '--keep']]);
  return TRANSPORTS.flatMap((t) =>
    kinds.map(([kind, args]) => ({
      label: `floor (raw ws) ${t} ${kind}`,
      async run(notes) {
        const res = await runProcess(process.execPath, [join(ROOT, 'bench', 'floor.mjs'), '--transport', t, ...args], { timeoutSec: 600 });
        if (res.code !== 0) notes.push(`floor ${t} ${kind} failed (exit ${res.code}): ${tail(res.stderr)}`);
        return parseRecords(res.stdout).map((r) => ({ ...r, impl: 'floor' }));
      },
    })),
  );
}

function tsmpiJobs(groups) {
  const jobs = [];
  const add = (transport, n, bench, args) =>
    jobs.push({
      label: `tsmpi ${transport} ${bench} -n ${n} ${args.join(' ')}`,
      run: async (notes) => tagged(await runTsmpi(n, `bench/${bench}.ts`, args, { transport, timeoutSec: 600 }), `tsmpi ${transport} ${bench} -n ${n}`, 'tsmpi', transport, notes),
    });
  for (const t of TRANSPORTS) {
    if (groups.includes('latency') || groups.includes('coll8')) add(t, 2, 'latency', ['--sizes', '1,8']);
    if (groups.includes('bw')) add(t, 2, 'bw', ['--sizes', '1M,4M']);
    // Context, not a target: the same window received as new arrays (irecv), not into one buffer.
    if (groups.includes('bw')) add(t, 2, 'bw', ['--sizes', '1M,4M', '--mode', 'alloc']);
    if (groups.includes('allreduce')) add(t, 2, 'allreduce', ['--sizes', '8M', '--mode', 'buffer']);
    const n4 = [groups.includes('coll8') ? '8' : '', groups.includes('allreduce') ? '8M' : ''].filter(Boolean);
    if (n4.length) add(t, 4, 'allreduce', ['--sizes', n4.join(','), '--mode', 'buffer']);
    if (groups.includes('coll8')) {
      add(t, 4, 'bcast', ['--sizes', '8', '--mode', 'buffer']);
      add(t, 4, 'barrier', []);
    }
  }
  return jobs;
}

function ompiJobs(groups, python) {
  const ns = [];
  // The anchor's -n 2 run holds the p2p figures and the n=2 allreduce; -n 4 only collectives.
  if (groups.some((g) => ['latency', 'bw', 'allreduce'].includes(g))) ns.push(2);
  if (groups.some((g) => ['allreduce', 'coll8'].includes(g))) ns.push(4);
  return ns.flatMap((n) =>
    ['tcp', 'sm'].map((btl) => ({
      label: `Open MPI ${btl} anchor -n ${n}`,
      run: async (notes) => tagged(await runMpi(n, btl, python, ANCHOR, { timeoutSec: 600 }), `Open MPI ${btl} -n ${n}`, 'ompi', btl, notes),
    })),
  );
}

/** Hello + allreduce: wall time from outside, rank RSS from the program, launcher peak RSS sampled. */
function startupJobs(ns, python) {
  const jobs = [];
  for (const n of ns) {
    jobs.push({
      label: `tsmpi startup -n ${n}`,
      run: async (notes) => {
        const res = await runTsmpi(n, 'bench/startup.ts', [], { timeoutSec: 600, watchMemory: true });
        return startupRecords(res, 'tsmpi', 'unix', n, notes);
      },
    });
    if (process.env.NODE_EXTRA_CA_CERTS) {
      // Context, not a target: Node reads this file at every process start.
      jobs.push({
        label: `tsmpi startup -n ${n} without NODE_EXTRA_CA_CERTS`,
        run: async (notes) => {
          const res = await runTsmpi(n, 'bench/startup.ts', [], { timeoutSec: 600, unset: ['NODE_EXTRA_CA_CERTS'] });
          return startupRecords(res, 'tsmpi', 'unix', n, notes).filter((r) => r.bench === 'startup').map((r) => ({ ...r, mode: 'wall-no-extra-ca' }));
        },
      });
    }
    if (python) {
      jobs.push({
        label: `mpi4py startup -n ${n}`,
        run: async (notes) => {
          const res = await runMpi(n, 'sm', python, join(ROOT, 'bench', 'startup_mpi4py.py'), { timeoutSec: 600, watchMemory: true });
          return startupRecords(res, 'ompi', 'sm', n, notes);
        },
      });
    }
  }
  return jobs;
}

function startupRecords(res, impl, transport, n, notes) {
  const base = { impl, transport, bytes: 0, n };
  const out = res.peakMB ? [{ ...base, bench: 'rss', mode: 'launcher', MB: res.peakMB }] : [];
  if (res.code !== 0) {
    notes.push(`${impl} startup -n ${n} failed (exit ${res.code}): ${tail(res.stderr)}`);
    return out;
  }
  const line = parseRecords(res.stdout).find((r) => r.bench === 'startup');
  out.push({ ...base, bench: 'startup', mode: 'wall', sec: res.sec });
  if (typeof line?.rssMB === 'number') out.push({ ...base, bench: 'rss', mode: 'rank', MB: line.rssMB });
  return out;
}

// ---- the run -----------------------------------------------------------------------

function planJobs(opts, notes) {
  const python = opts.ompi ? findPython() : undefined;
  const ompi = opts.ompi && hasMpiexec() && python !== undefined;
  if (opts.ompi && !ompi) notes.push('Open MPI + mpi4py not found (mpiexec, python3 with mpi4py and numpy): its columns are empty.');
  if (ompi && !hasAnchor()) notes.push(`the anchor ${ANCHOR} is missing: Open MPI's micro-benchmark columns are empty.`);
  const jobs = [...floorJobs(opts.groups), ...tsmpiJobs(opts.groups)];
  if (ompi && hasAnchor()) jobs.push(...ompiJobs(opts.groups, python));
  if (opts.groups.includes('startup')) jobs.push(...startupJobs(opts.startupNs, ompi ? python : undefined));
  return { jobs, ompi, python };
}

/** One untimed start of each start-up program, so no repetition pays for a cold disk or compile cache. */
async function warmUp(opts, python) {
  if (!opts.groups.includes('startup')) return;
  await runTsmpi(2, 'bench/startup.ts', [], { timeoutSec: 120 });
  if (python) await runMpi(2, 'sm', python, join(ROOT, 'bench', 'startup_mpi4py.py'), { timeoutSec: 120 });
}

async function runAll(jobs, reps, notes) {
  const records = [];
  for (let rep = 1; rep <= reps; rep++) {
    const order = rep % 2 === 1 ? jobs : [...jobs].reverse();
    for (const job of order) {
      const t0 = Date.now();
      const got = await job.run(notes);
      records.push(...got);
      process.stderr.write(`compare: rep ${rep}/${reps}  ${job.label}  ${((Date.now() - t0) / 1000).toFixed(1)} s, ${got.length} figures\n`);
    }
  }
  return records;
}

/** What NODE_EXTRA_CA_CERTS costs every Node process here, measured now. */
function extraCaNote() {
  const withIt = medianStartMs(process.env);
  const without = medianStartMs(Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')));
  return (
    `this environment sets NODE_EXTRA_CA_CERTS, which every Node process reads and parses at start ` +
    `(\`node -e 0\` median ${withIt.toFixed(0)} ms with it, ${without.toFixed(0)} ms without, in this run), so every rank pays for it. ` +
    'The "startup wall-no-extra-ca" rows are the same jobs with it unset: context, not the targets, which use the environment as given.'
  );
}

function medianStartMs(env) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[3];
}

function meta(opts, ompiVersion, loadStart, gitAtStart, notes) {
  return {
    date: new Date().toISOString(),
    // The code measured is the code at the start; a commit made meanwhile is named, not claimed.
    commit: describeCommit(gitAtStart, gitState()),
    cpu: `${cpuModel()} × ${cpus().length}`,
    node: process.version,
    openmpi: ompiVersion,
    reps: opts.reps,
    load: `${loadStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    command: `node bench/compare.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    notes: [
      'what limits the targets not met, with the measurements behind it: bench/LIMITS.md.',
      'raw ws = `bench/floor.mjs`: `ws` ping-pong / streaming between two processes, no headers or matching, client mask all-zero (as tsmpi sends).',
      'tsmpi "bandwidth buffer" rows receive each window into one buffer (`irecvInto`), as the anchor\'s `Irecv(buf)` does, beside the floor\'s receiver that drops each message; the targets compare these. "bandwidth alloc" rows: tsmpi receives each message as a new typed array (`irecv`), which the program holds until the window completes; the raw ws columns there are the floor\'s streaming with `--keep`, whose receiver holds each window\'s 64 messages until it acks. Context, not targets.',
      'tsmpi latency "typed array" sends a Uint8Array; "small object" sends `{ payload: Uint8Array }` (structured clone), like the anchor\'s pickled dict.',
      'start-up walls are measured around the whole `tsmpiexec` / `mpiexec` process; Open MPI start-up uses its default (shared-memory) transport.',
      'tsmpi and the floor warm up 10 000 round trips before latencies up to 1 KiB; a process times its first small collective after 20 000 warm-up calls (5000 for later ones), split by a barrier, large collectives after 25 calls and bandwidth after 10 windows (OSU\'s skip for large messages is 10): JIT, this VM\'s scheduling and a rank\'s heap take that long to settle (figures in bench/options.mjs and bench/common.ts); the anchor keeps its own 50-iteration warm-up for latency and none for bandwidth and collectives.',
      'Open MPI runs with PMIX_MCA_psec=native: with munge installed but munged not running, PMIx otherwise spends ~2.2 s retrying it at every start.',
      ...(process.env.NODE_EXTRA_CA_CERTS ? [extraCaNote()] : []),
      ...notes,
    ],
  };
}

/** HEAD's short hash and a digest of how tracked files differ from it ('' when clean). */
function gitState() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const diff = execFileSync('git', ['diff', 'HEAD'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const changed = diff ? createHash('sha256').update(diff).digest('hex') : '';
    return { sha, changed };
  } catch {
    return { sha: 'unknown', changed: '' };
  }
}

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const notes = [];
  const loadStart = loadavg()[0];
  const gitAtStart = gitState();
  // Measure the checkout as it is: tsmpiexec runs dist/, which may predate the sources.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const { jobs, ompi, python } = planJobs(opts, notes);
  await warmUp(opts, ompi ? python : undefined);
  const records = await runAll(jobs, opts.reps, notes);
  const summary = summarize(records);
  const specs = targetSpecs({ startupNs: opts.startupNs }).filter((s) => opts.groups.includes(s.group));
  const rows = evaluate(specs, summary);
  const t = tally(rows);
  process.stdout.write(`\nTargets (ratio = tsmpi / reference, medians of ${opts.reps}): ${t.met} met, ${t.missed} not met, ${t.unmeasured} not measured\n\n`);
  process.stdout.write(targetTable(rows) + '\n\nSide by side (medians)\n\n' + sideBySideTable(summary) + '\n');
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
  if (opts.write) {
    writeFileSync(opts.out, renderResults(meta(opts, ompi ? mpiexecVersion() : undefined, loadStart, gitAtStart, notes), rows, summary));
    process.stdout.write(`\nwrote ${opts.out}\n`);
  }
}

await main();

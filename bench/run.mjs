// The bench suite (`npm run bench`): every bench program through tsmpiexec — point-to-point
// at n=2, collectives at n=4 — on the Unix-socket path and on TCP, printing their JSON lines.
//
//   node bench/run.mjs [--transport unix,tcp] [--only latency,bw,…] [--n-coll 4]
//                      [bench options: --sizes 8,1M  --max-bytes 64K  --iters N  --warmup N]
//
// Bench options pass through to every program; the output is one JSON object per line,
// each with `transport`. Exit status 1 when any program failed (the others still run).
import { runTsmpi, tail } from './launch.mjs';

const P2P = ['latency', 'bw', 'bibw'];
const COLLECTIVES = ['barrier', 'bcast', 'reduce', 'allreduce', 'allgather', 'alltoall'];
const PASS_THROUGH = new Set(['--sizes', '--max-bytes', '--min-bytes', '--iters', '--warmup', '--mode', '--window']);

function parseArgs(argv) {
  const opts = { transports: ['unix', 'tcp'], only: [...P2P, ...COLLECTIVES], nColl: 4, pass: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i];
    if (flag === '--transport') opts.transports = value().split(',');
    else if (flag === '--only') opts.only = value().split(',');
    else if (flag === '--n-coll') opts.nColl = Number(value());
    else if (PASS_THROUGH.has(flag)) opts.pass.push(flag, value());
    else if (flag === '--help') usage(0);
    else usage(2, `unknown option ${argv[i]}`);
  }
  for (const name of opts.only) if (!P2P.includes(name) && !COLLECTIVES.includes(name)) usage(2, `unknown bench ${name}`);
  return opts;
}

function usage(code, why) {
  if (why) process.stderr.write(`bench/run: ${why}\n`);
  process.stderr.write(
    'usage: node bench/run.mjs [--transport unix,tcp] [--only latency,bw,bibw,barrier,bcast,reduce,allreduce,allgather,alltoall]\n' +
      '                          [--n-coll 4] [--sizes …] [--max-bytes …] [--iters N] [--warmup N] [--mode …] [--window N]\n',
  );
  process.exit(code);
}

const opts = parseArgs(process.argv.slice(2));
let failed = 0;
for (const transport of opts.transports) {
  for (const bench of opts.only) {
    const n = P2P.includes(bench) ? 2 : opts.nColl;
    // Some options belong to some programs only (--mode, --window); run them anyway.
    const res = await runTsmpi(n, `bench/${bench}.ts`, opts.pass, { transport, echo: true });
    if (res.code !== 0) {
      failed++;
      process.stderr.write(`bench/run: ${bench} -n ${n} on ${transport} failed (exit ${res.code}): ${tail(res.stderr)}\n`);
    }
  }
}
process.exit(failed ? 1 : 0);

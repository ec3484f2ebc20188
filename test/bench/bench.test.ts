/**
 * The bench suite cannot rot: every bench program runs once at tiny sizes through
 * tsmpiexec (as `npm run bench` would run it), and its JSON lines must be well-formed
 * with positive figures. Benchmarks are not timed tests: nothing here checks a speed.
 * The pure parts of bench/compare.mjs (medians, ratios, targets, tables) are unit-tested.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';
import {
  bandwidthIters,
  bandwidthWarmup,
  benchOptions,
  collectiveIters,
  collectiveWarmup,
  formatRecord,
  latencyIters,
  latencyWarmup,
  parseSize,
  powersOfTwo,
  schedule,
} from '../../bench/options.mjs';
import {
  evaluate,
  formatBytes,
  formatValue,
  markdownTable,
  median,
  meets,
  parseRecords,
  ratio,
  renderResults,
  rounds,
  best,
  shortfall,
  sideBySideTable,
  spread,
  summarize,
  tally,
  targetSpecs,
  targetTable,
  verdict,
  formatRatio,
  describeCommit,
  type ParsedRecord,
  type TaggedRecord,
} from '../../bench/report.mjs';

const TINY = ['--iters', '3', '--warmup', '1'];

/** Every line of a bench program's output, checked to be a well-formed result. */
function results(stdout: string, n: number): ParsedRecord[] {
  const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
  const recs = lines.map((l) => JSON.parse(l) as ParsedRecord);
  for (const r of recs) checkRecord(r, n);
  return recs;
}

function checkRecord(r: ParsedRecord, n: number): void {
  expect(typeof r.bench).toBe('string');
  expect(typeof r.mode).toBe('string');
  expect(Number.isInteger(r.bytes) && (r.bytes as number) >= 0).toBe(true);
  expect(r.n).toBe(n);
  expect(['unix', 'tcp']).toContain(r.transport);
  const figures = (['usec', 'MBps', 'rssMB'] as const).filter((k) => r[k] !== undefined);
  expect(figures).toHaveLength(1);
  const figure = r[figures[0]];
  expect(typeof figure === 'number' && Number.isFinite(figure) && figure > 0).toBe(true);
}

/** bench, mode and bytes of each line, in order: what a program was asked to measure. */
const shape = (recs: ParsedRecord[]) => recs.map((r) => `${r.bench} ${r.mode} ${r.bytes}`);

interface Case {
  program: string;
  n: number;
  args: string[];
  expected: string[];
}

const CASES: Case[] = [
  {
    program: 'latency',
    n: 2,
    args: ['--sizes', '1,8'],
    expected: ['latency buffer 1', 'latency buffer 8', 'latency object 1', 'latency object 8'],
  },
  { program: 'bw', n: 2, args: ['--sizes', '1,1K', '--window', '4'], expected: ['bandwidth buffer 1', 'bandwidth buffer 1024'] },
  { program: 'bw', n: 3, args: ['--sizes', '1K', '--window', '4', '--mode', 'alloc,buffer'], expected: ['bandwidth alloc 1024', 'bandwidth buffer 1024'] },
  { program: 'bibw', n: 2, args: ['--sizes', '1K', '--window', '4', '--mode', 'buffer,alloc'], expected: ['bibw buffer 1024', 'bibw alloc 1024'] },
  { program: 'barrier', n: 3, args: [], expected: ['barrier buffer 0'] },
  { program: 'bcast', n: 3, args: ['--sizes', '1,64'], expected: ['bcast buffer 1', 'bcast buffer 64', 'bcast object 8'] },
  { program: 'reduce', n: 3, args: ['--sizes', '1,8,64'], expected: ['reduce buffer 8', 'reduce buffer 64'] },
  {
    program: 'allreduce',
    n: 3,
    args: ['--sizes', '8,64'],
    expected: ['allreduce buffer 8', 'allreduce buffer 64', 'allreduce object 8'],
  },
  { program: 'allreduce', n: 2, args: ['--sizes', '8,64', '--mode', 'alloc'], expected: ['allreduce alloc 8', 'allreduce alloc 64'] },
  { program: 'allgather', n: 3, args: ['--sizes', '1,64'], expected: ['allgather buffer 1', 'allgather buffer 64'] },
  { program: 'alltoall', n: 3, args: ['--sizes', '1,64'], expected: ['alltoall buffer 1', 'alltoall buffer 64'] },
  { program: 'startup', n: 2, args: [], expected: ['startup object 8'] },
];

describe.concurrent('bench programs through tsmpiexec, tiny sizes', () => {
  for (const c of CASES) {
    it(`${c.program} -n ${c.n}`, async () => {
      const args = c.program === 'startup' ? [] : [...c.args, ...TINY];
      const res = await tsmpiexec(['-n', String(c.n), '--timeout', '50', `bench/${c.program}.ts`, ...args]);
      expect(res.exitCode, res.stderr).toBe(0);
      expect(shape(results(res.stdout, c.n))).toEqual(c.expected);
    });
  }

  it('--max-bytes trims the default sizes', async () => {
    const res = await tsmpiexec(['-n', '2', '--timeout', '50', 'bench/latency.ts', '--max-bytes', '4', '--mode', 'buffer', ...TINY]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(shape(results(res.stdout, 2))).toEqual(['latency buffer 1', 'latency buffer 2', 'latency buffer 4']);
  });

  it('a mistyped option fails the job instead of running the full suite', async () => {
    const res = await tsmpiexec(['-n', '2', '--timeout', '50', 'bench/latency.ts', '--size', '8']);
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/unknown option --size/);
  });

  it('floor.mjs: raw ws latency and streaming on tcp and unix', async () => {
    const res = await execa(process.execPath, ['bench/floor.mjs', '--sizes', '8', '--bw-sizes', '1K', '--window', '4', ...TINY], {
      cwd: ROOT,
      reject: false,
      timeout: 30_000,
    });
    expect(res.exitCode, res.stderr).toBe(0);
    const recs = results(res.stdout, 2);
    expect(recs.map((r) => `${r.transport} ${r.bench} ${r.mode} ${r.bytes}`)).toEqual([
      'tcp latency raw 8',
      'tcp bandwidth raw 1024',
      'unix latency raw 8',
      'unix bandwidth raw 1024',
    ]);
  });

  it('floor.mjs --keep streams to a receiver that keeps each window (mode raw-keep)', async () => {
    const res = await execa(process.execPath, ['bench/floor.mjs', '--transport', 'unix', '--sizes', '', '--bw-sizes', '1K', '--window', '4', '--keep', ...TINY], {
      cwd: ROOT,
      reject: false,
      timeout: 30_000,
    });
    expect(res.exitCode, res.stderr).toBe(0);
    const recs = results(res.stdout, 2);
    expect(recs.map((r) => `${r.transport} ${r.bench} ${r.mode} ${r.bytes}`)).toEqual(['unix bandwidth raw-keep 1024']);
  });

  it('run.mjs runs the suite programs on the transport asked for', async () => {
    const res = await execa(
      process.execPath,
      ['bench/run.mjs', '--only', 'latency,barrier', '--transport', 'tcp', '--n-coll', '2', '--sizes', '8', '--mode', 'buffer', ...TINY],
      { cwd: ROOT, reject: false, timeout: 50_000 },
    );
    expect(res.exitCode, res.stderr).toBe(0);
    const recs = results(res.stdout, 2);
    expect(recs.map((r) => `${r.transport} ${r.bench} ${r.bytes}`)).toEqual(['tcp latency 8', 'tcp barrier 0']);
  });
});

describe('bench options', () => {
  it('parses sizes with units', () => {
    expect(parseSize('8')).toBe(8);
    expect(parseSize('1K')).toBe(1024);
    expect(parseSize('4MiB')).toBe(4 << 20);
    expect(() => parseSize('4G')).toThrow(/not a size/);
  });

  it('default sizes are powers of two from the minimum to --max-bytes', () => {
    expect(powersOfTwo(1, 16)).toEqual([1, 2, 4, 8, 16]);
    expect(benchOptions([]).sizes).toHaveLength(25); // 1 B … 16 MiB
    expect(benchOptions(['--max-bytes', '64'], { minBytes: 8 }).sizes).toEqual([8, 16, 32, 64]);
    expect(benchOptions(['--sizes', '8,1M,32M', '--max-bytes', '16M']).sizes).toEqual([8, 1 << 20]);
    expect(benchOptions(['--sizes=']).sizes).toEqual([]);
  });

  it('rejects unknown options and bad counts', () => {
    expect(() => benchOptions(['--size', '8'])).toThrow(/unknown option/);
    expect(() => benchOptions(['--iters', '0'])).toThrow(/positive/);
    expect(() => benchOptions(['--iters'])).toThrow(/needs a value/);
  });

  it('schedules follow the anchor, and --iters/--warmup override them', () => {
    expect([latencyIters(8), latencyIters(64 << 10), latencyIters(4 << 20)]).toEqual([2000, 500, 50]);
    expect([collectiveIters(8), collectiveIters(1 << 20), collectiveIters(8 << 20)]).toEqual([1000, 100, 10]);
    expect(bandwidthIters(1 << 20)).toBe(16);
    expect(bandwidthIters(16 << 20)).toBe(3);
    expect(bandwidthIters(1)).toBe(100);
    expect(schedule({ iters: undefined, warmup: undefined }, 2000)).toEqual({ iters: 2000, warmup: 50 });
    expect(schedule({ iters: 3, warmup: 0 }, 2000)).toEqual({ iters: 3, warmup: 0 });
    expect(schedule({ iters: 30, warmup: undefined }, 2000, 2000)).toEqual({ iters: 30, warmup: 3 });
    // Small messages need long warm-ups here: JIT and VM scheduling (see options.mjs).
    expect(schedule({ iters: undefined, warmup: undefined }, latencyIters(8), latencyWarmup(8))).toEqual({ iters: 2000, warmup: 10_000 });
    // The first small collective of a process warms up to 20 000 calls, later ones 5000;
    // large ones 25 (heap growth); bandwidth 10 windows (OSU's skip for large messages).
    expect([collectiveWarmup(8), collectiveWarmup(8 << 20), collectiveWarmup(8), collectiveWarmup(1024)]).toEqual([20_000, 25, 5000, 5000]);
    expect(bandwidthWarmup()).toBe(10);
  });

  it('formats a result with significant digits, so tiny figures stay positive', () => {
    const line = formatRecord({ bench: 'bandwidth', mode: 'buffer', bytes: 1, n: 2, MBps: 0.000123456 });
    expect(JSON.parse(line).MBps).toBe(0.00012346);
  });
});

describe('compare report', () => {
  it('median, ratio, goals', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(ratio(50, 40)).toBe(1.25);
    expect(ratio(undefined, 40)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
    expect(meets(1.25, { cmp: '<=', limit: 1.25 })).toBe(true);
    expect(meets(0.89, { cmp: '>=', limit: 0.9 })).toBe(false);
    expect(meets(undefined, { cmp: '<=', limit: 1 })).toBeUndefined();
    expect(shortfall(2.5, { cmp: '<=', limit: 1.25 })).toBe(2);
    expect(shortfall(0.45, { cmp: '>=', limit: 0.9 })).toBe(2);
    expect(rounds(4)).toBe(2);
    expect(rounds(5)).toBe(3);
    expect(rounds(2)).toBe(1);
  });

  it('finds result lines among other output, even glued behind another line', () => {
    const text = [
      'hello from rank 1 of 2',
      'hello from rank 0 of 2{"bench": "startup", "mode": "object", "bytes": 8, "n": 2, "rssMB": 23.9}',
      '{"bench":"latency","mode":"buffer","bytes":8,"n":2,"usec":12.5}',
      '{"bench":"latency", torn',
    ].join('\n');
    expect(parseRecords(text).map((r) => r.bench)).toEqual(['startup', 'latency']);
  });

  it('summarizes repetitions by their median', () => {
    const rec = (usec: number): TaggedRecord => ({ impl: 'tsmpi', transport: 'unix', bench: 'latency', mode: 'buffer', bytes: 8, n: 2, usec });
    const summary = summarize([rec(30), rec(10), rec(20), { ...rec(5), transport: 'tcp' }]);
    expect(summary.size).toBe(2);
    const unix = [...summary.values()].find((e) => e.transport === 'unix');
    expect(unix?.value).toBe(20);
    expect(unix?.values).toEqual([30, 10, 20]);
    expect(unix?.metric).toBe('usec');
  });

  it('evaluates every target of the issue from one run', () => {
    const rows = evaluate(targetSpecs(), summarize(syntheticRun()));
    const byWhat = new Map(rows.map((r) => [r.what, r]));
    expect(rows).toHaveLength(4 + 4 + 4 + 6 + 3 + 2); // latency, bw, allreduce, 8 B collectives, walls, memory
    // 8 B latency 40 µs against a 20 µs floor: 2.0 > 1.25.
    expect(byWhat.get('8 B latency, typed array, unix')).toMatchObject({ ratio: 2, met: false });
    // 4 MiB at 950 MB/s against 1000: 0.95 ≥ 0.9.
    expect(byWhat.get('bandwidth 4 MiB, tcp')).toMatchObject({ ratio: 0.95, met: true });
    // allreduce 8 MiB 9 ms against Open MPI tcp's 10 ms.
    expect(byWhat.get('allreduce 8 MiB float64, n=4, unix')).toMatchObject({ ratio: 0.9, met: true });
    // barrier 100 µs against 2 × 40 µs: 1.25 ≤ 1.3.
    expect(byWhat.get('barrier, n=4, unix')).toMatchObject({ reference: 80, ratio: 1.25, met: true });
    expect(byWhat.get('hello + allreduce wall, -n 64')).toMatchObject({ ratio: 1.5, met: false });
    // The largest rank RSS over the start-up runs counts.
    expect(byWhat.get('rank RSS after init() (largest rank, -n 8/32/64)')).toMatchObject({ value: 66, met: false });
    expect(byWhat.get('launcher RSS (peak), -n 64')).toMatchObject({ value: 80, met: true });
    expect(tally(rows).unmeasured).toBe(0);
  });

  it('reports how much the repetitions behind each side of a ratio disagree', () => {
    expect(spread([10, 20, 15])).toBe(2);
    expect(spread([10])).toBeUndefined();
    const lat = (impl: string, mode: string, usec: number): TaggedRecord => ({ impl, transport: 'unix', bench: 'latency', mode, bytes: 8, n: 2, usec });
    const run = [lat('floor', 'raw', 10), lat('floor', 'raw', 30), lat('floor', 'raw', 20), lat('tsmpi', 'buffer', 20), lat('tsmpi', 'buffer', 22)];
    const [row] = evaluate(targetSpecs().slice(0, 1), summarize(run));
    expect(row).toMatchObject({ value: 21, reference: 20, valueSpread: 1.1, refSpread: 3, bestRatio: 2 });
    expect(targetTable([row])).toContain('1.10 / 3.00');
    expect(best('MBps', [1, 3, 2])).toBe(3);
    expect(best('usec', [1, 3, 2])).toBe(1);
  });

  it('a target whose figures are missing is "not measured", never met', () => {
    const rows = evaluate(targetSpecs({ startupNs: [8] }), summarize([]));
    expect(rows.every((r) => r.met === undefined)).toBe(true);
    expect(verdict(rows[0])).toBe('not measured');
    expect(targetTable(rows)).toContain('—');
  });

  it('formats figures, tables and RESULTS.md', () => {
    expect(formatValue(12.345, 'usec')).toBe('12.3 µs');
    expect(formatValue(12345, 'usec')).toBe('12.35 ms');
    expect(formatValue(1234.4, 'MBps')).toBe('1234 MB/s');
    expect(formatValue(undefined, 'sec')).toBe('—');
    expect(formatBytes(8 << 20)).toBe('8 MiB');
    expect(formatBytes(1536)).toBe('1536 B');
    expect(verdict({ met: false, ratio: 2.5, goal: { cmp: '<=', limit: 1.25 } })).toBe('NOT met (2.00× off)');
    // A miss that two decimals would round away keeps a third.
    expect(verdict({ met: false, ratio: 0.8956, goal: { cmp: '>=', limit: 0.9 } })).toBe('NOT met (1.005× off)');
    expect(formatRatio(0.8956, { cmp: '>=', limit: 0.9 })).toBe('0.896');
    expect(formatRatio(0.8856, { cmp: '>=', limit: 0.9 })).toBe('0.89');
    expect(formatRatio(1.3049, { cmp: '<=', limit: 1.3 })).toBe('1.305');
    // The commit is the one measured at the start; what moved during the run is said, not hidden.
    expect(describeCommit({ sha: 'a1', changed: '' }, { sha: 'a1', changed: '' })).toBe('a1');
    expect(describeCommit({ sha: 'a1', changed: 'x' }, { sha: 'a1', changed: 'x' })).toBe('a1 (with uncommitted changes)');
    expect(describeCommit({ sha: 'a1', changed: '' }, { sha: 'a1', changed: 'y' })).toBe('a1; tracked files changed during the run');
    expect(describeCommit({ sha: 'a1', changed: 'x' }, { sha: 'b2', changed: '' })).toBe('a1 (with uncommitted changes); HEAD was b2 by the end of the run');
    expect(markdownTable(['a', 'bb'], [['xyz', 1]])).toBe('| a   | bb |\n|-----|----|\n| xyz | 1  |');

    const summary = summarize(syntheticRun());
    const rows = evaluate(targetSpecs(), summary);
    const side = sideBySideTable(summary);
    expect(side).toMatch(/latency buffer 8 B\s+\| 2\s+\| 20\.0 µs/); // floor raw figures share the buffer row
    expect(side).not.toContain('latency buffer 64 B'); // Open MPI alone: nothing to compare
    // The floor's keeping receiver shares the row of tsmpi's receives as new arrays.
    expect(side).toMatch(/bandwidth alloc 1 MiB\s+\| 2\s+\| 700 MB\/s\s+\| 700 MB\/s\s+\|.*\| 650 MB\/s\s+\| 650 MB\/s/);
    expect(side).not.toContain('raw-keep');
    const md = renderResults(
      { date: '2025-01-01T00:00:00Z', commit: 'abc1234', cpu: 'AMD EPYC × 2', node: 'v20.20.2', reps: 3, command: 'node bench/compare.mjs', notes: ['n1'] },
      rows,
      summary,
    );
    for (const s of ['abc1234', 'AMD EPYC × 2', 'v20.20.2', '## Targets', 'NOT met', '- n1']) expect(md).toContain(s);
  });
});

/** One figure for every target, chosen so that the expected ratios are exact. */
function syntheticRun(): TaggedRecord[] {
  const MiB = 1 << 20;
  const out: TaggedRecord[] = [];
  const add = (impl: string, transport: string, bench: string, mode: string, bytes: number, n: number, fig: Partial<TaggedRecord>) =>
    out.push({ impl, transport, bench, mode, bytes, n, ...fig });
  for (const t of ['unix', 'tcp']) {
    add('floor', t, 'latency', 'raw', 8, 2, { usec: 20 });
    add('tsmpi', t, 'latency', 'buffer', 8, 2, { usec: 40 });
    add('tsmpi', t, 'latency', 'object', 8, 2, { usec: 45 });
    for (const mib of [1, 4]) {
      add('floor', t, 'bandwidth', 'raw', mib * MiB, 2, { MBps: 1000 });
      add('tsmpi', t, 'bandwidth', 'buffer', mib * MiB, 2, { MBps: 950 });
      add('floor', t, 'bandwidth', 'raw-keep', mib * MiB, 2, { MBps: 700 });
      add('tsmpi', t, 'bandwidth', 'alloc', mib * MiB, 2, { MBps: 650 });
    }
    for (const n of [2, 4]) add('tsmpi', t, 'allreduce', 'buffer', 8 * MiB, n, { usec: 9000 });
    add('tsmpi', t, 'allreduce', 'buffer', 8, 4, { usec: 90 });
    add('tsmpi', t, 'bcast', 'buffer', 8, 4, { usec: 60 });
    add('tsmpi', t, 'barrier', 'buffer', 0, 4, { usec: 100 });
  }
  for (const n of [2, 4]) add('ompi', 'tcp', 'allreduce', 'buffer', 8 * MiB, n, { usec: 10000 });
  add('ompi', 'tcp', 'latency', 'buffer', 64, 2, { usec: 1 }); // Open MPI alone: not in the side-by-side
  for (const [n, rss] of [
    [8, 55],
    [32, 66],
    [64, 60],
  ]) {
    add('tsmpi', 'unix', 'startup', 'wall', 0, n, { sec: 1.5 * n });
    add('ompi', 'sm', 'startup', 'wall', 0, n, { sec: n });
    add('tsmpi', 'unix', 'rss', 'rank', 0, n, { MB: rss });
  }
  add('tsmpi', 'unix', 'rss', 'launcher', 0, 64, { MB: 80 });
  return out;
}

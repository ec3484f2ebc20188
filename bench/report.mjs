// The pure parts of bench/compare.mjs: reading result lines, medians over repetitions,
// the issue's targets as ratios, and the Markdown tables. No processes, no clock, no
// files, so test/bench/bench.test.ts can check every number the table shows.

/** The fields a result line may measure with, in the order they are looked for. */
export const METRICS = ['usec', 'MBps', 'sec', 'MB'];

/** Implementations and transports, as the side-by-side table shows them. */
export const COLUMNS = [
  { impl: 'floor', transport: 'unix', label: 'raw ws unix' },
  { impl: 'floor', transport: 'tcp', label: 'raw ws tcp' },
  { impl: 'ompi', transport: 'sm', label: 'Open MPI sm' },
  { impl: 'ompi', transport: 'tcp', label: 'Open MPI tcp' },
  { impl: 'tsmpi', transport: 'unix', label: 'tsmpi unix' },
  { impl: 'tsmpi', transport: 'tcp', label: 'tsmpi tcp' },
];

const BENCH_ORDER = ['latency', 'bandwidth', 'bibw', 'barrier', 'bcast', 'reduce', 'allreduce', 'allgather', 'alltoall', 'startup', 'rss'];

// ---- reading and summarising --------------------------------------------------------

/**
 * The result objects in a program's output. Other lines (hello lines, logs) are skipped;
 * a result glued behind another rank's unterminated output is still found.
 */
export function parseRecords(text) {
  const out = [];
  for (const line of String(text).split('\n')) {
    const at = line.indexOf('{"bench"');
    if (at < 0) continue;
    try {
      const rec = JSON.parse(line.slice(at, line.lastIndexOf('}') + 1));
      if (typeof rec.bench === 'string') out.push(rec);
    } catch {
      /* a torn line is not a result */
    }
  }
  return out;
}

/** The middle value (mean of the two middle ones for an even count); undefined for none. */
export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** value / reference, or undefined when either is missing or the reference is not positive. */
export function ratio(value, reference) {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return undefined;
  return value / reference;
}

/** Whether a ratio meets a goal `{ cmp: '<=' | '>=', limit }`; undefined when there is no ratio. */
export function meets(r, goal) {
  if (r === undefined) return undefined;
  return goal.cmp === '<=' ? r <= goal.limit : r >= goal.limit;
}

/** How far a ratio is from its goal, as a factor ≥ 1 when the goal is missed (1.5 = 50 % off). */
export function shortfall(r, goal) {
  if (r === undefined || r <= 0) return undefined;
  return goal.cmp === '<=' ? r / goal.limit : goal.limit / r;
}

/** The identity of one measurement across repetitions. */
export function keyOf(rec) {
  return [rec.impl, rec.transport, rec.bench, rec.mode, rec.bytes, rec.n].join('|');
}

/** Which metric field a record carries. */
export function metricOf(rec) {
  return METRICS.find((m) => typeof rec[m] === 'number');
}

/**
 * Repeated measurements grouped by identity, each with the median of its values:
 * Map key → { impl, transport, bench, mode, bytes, n, metric, values, value }.
 */
export function summarize(records) {
  const groups = new Map();
  for (const rec of records) {
    const metric = metricOf(rec);
    if (metric === undefined) continue;
    const key = keyOf(rec);
    let entry = groups.get(key);
    if (!entry) {
      const { impl, transport, bench, mode, bytes, n } = rec;
      entry = { impl, transport, bench, mode, bytes, n, metric, values: [] };
      groups.set(key, entry);
    }
    entry.values.push(rec[metric]);
  }
  for (const entry of groups.values()) {
    entry.value = median(entry.values);
    entry.best = best(entry.metric, entry.values);
  }
  return groups;
}

/** The best repetition: the fastest time, the highest bandwidth (noise only ever makes a figure worse). */
export function best(metric, values) {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return undefined;
  return metric === 'MBps' ? Math.max(...xs) : Math.min(...xs);
}

/** A lookup into a summary: the median for one measurement, or undefined. */
export function getter(summary) {
  return (impl, transport, bench, mode, bytes, n) => summary.get(keyOf({ impl, transport, bench, mode, bytes, n }))?.value;
}

// ---- the issue's targets ------------------------------------------------------------

const MiB = 1024 * 1024;
const TRANSPORTS = ['unix', 'tcp'];

/** ⌈log2 n⌉: the rounds of a tree or dissemination collective over n ranks. */
export function rounds(n) {
  return Math.max(1, Math.ceil(Math.log2(n)));
}

function maxDefined(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length ? Math.max(...xs) : undefined;
}

/**
 * Every target of the issue's table, one row per figure. `value` and `reference` read
 * medians through a getter; `group` is the compare.mjs --only group that measures it.
 */
export function targetSpecs({ startupNs = [8, 32, 64] } = {}) {
  return [
    ...latencySpecs(),
    ...bandwidthSpecs(),
    ...allreduceSpecs(),
    ...smallCollectiveSpecs(4),
    ...startupSpecs(startupNs),
    ...memorySpecs(startupNs),
  ];
}

function latencySpecs() {
  const modes = [
    ['buffer', 'typed array'],
    ['object', 'small object'],
  ];
  return TRANSPORTS.flatMap((t) =>
    modes.map(([mode, label]) => ({
      group: 'latency',
      what: `8 B latency, ${label}, ${t}`,
      unit: 'usec',
      value: (g) => g('tsmpi', t, 'latency', mode, 8, 2),
      reference: (g) => g('floor', t, 'latency', 'raw', 8, 2),
      refLabel: `raw ws ${t}`,
      goal: { cmp: '<=', limit: 1.25 },
    })),
  );
}

function bandwidthSpecs() {
  return TRANSPORTS.flatMap((t) =>
    [1, 4].map((mib) => ({
      group: 'bw',
      what: `bandwidth ${mib} MiB, ${t}`,
      unit: 'MBps',
      value: (g) => g('tsmpi', t, 'bandwidth', 'buffer', mib * MiB, 2),
      reference: (g) => g('floor', t, 'bandwidth', 'raw', mib * MiB, 2),
      refLabel: `raw ws streaming ${t}`,
      goal: { cmp: '>=', limit: 0.9 },
    })),
  );
}

function allreduceSpecs() {
  return TRANSPORTS.flatMap((t) =>
    [2, 4].map((n) => ({
      group: 'allreduce',
      what: `allreduce 8 MiB float64, n=${n}, ${t}`,
      unit: 'usec',
      value: (g) => g('tsmpi', t, 'allreduce', 'buffer', 8 * MiB, n),
      reference: (g) => g('ompi', 'tcp', 'allreduce', 'buffer', 8 * MiB, n),
      refLabel: 'Open MPI tcp',
      goal: { cmp: '<=', limit: 1.0 },
    })),
  );
}

function smallCollectiveSpecs(n) {
  const benches = [
    ['allreduce', 8],
    ['bcast', 8],
    ['barrier', 0],
  ];
  return TRANSPORTS.flatMap((t) =>
    benches.map(([bench, bytes]) => ({
      group: 'coll8',
      what: `${bytes ? '8 B ' : ''}${bench}, n=${n}, ${t}`,
      unit: 'usec',
      value: (g) => g('tsmpi', t, bench, 'buffer', bytes, n),
      reference: (g) => {
        const lat = g('tsmpi', t, 'latency', 'buffer', 8, 2);
        return lat === undefined ? undefined : rounds(n) * lat;
      },
      refLabel: `${rounds(n)} × own 8 B latency ${t}`,
      goal: { cmp: '<=', limit: 1.3 },
    })),
  );
}

function startupSpecs(ns) {
  return ns.map((n) => ({
    group: 'startup',
    what: `hello + allreduce wall, -n ${n}`,
    unit: 'sec',
    value: (g) => g('tsmpi', 'unix', 'startup', 'wall', 0, n),
    reference: (g) => g('ompi', 'sm', 'startup', 'wall', 0, n),
    refLabel: 'mpiexec + mpi4py',
    goal: { cmp: '<=', limit: 1.0 },
  }));
}

function memorySpecs(ns) {
  const largest = Math.max(...ns);
  return [
    {
      group: 'startup',
      what: `rank RSS after init() (largest rank, -n ${ns.join('/')})`,
      unit: 'MB',
      value: (g) => maxDefined(ns.map((n) => g('tsmpi', 'unix', 'rss', 'rank', 0, n))),
      reference: () => 60,
      refLabel: 'limit',
      goal: { cmp: '<=', limit: 1.0 },
    },
    {
      group: 'startup',
      what: `launcher RSS (peak), -n ${largest}`,
      unit: 'MB',
      value: (g) => g('tsmpi', 'unix', 'rss', 'launcher', 0, largest),
      reference: () => 100,
      refLabel: 'limit',
      goal: { cmp: '<=', limit: 1.0 },
    },
  ];
}

/**
 * The specs' figures from a summary: { group, what, unit, value, reference, refLabel,
 * goal, ratio, met, valueSpread, refSpread }. A spread is max/min over the repetitions
 * of the figures a side was computed from (the worst of them): on a shared machine it
 * says how far to trust a ratio.
 */
export function evaluate(specs, summary) {
  return specs.map((spec) => {
    const [value, valueSpread] = traced(summary, spec.value, 'value');
    const [reference, refSpread] = traced(summary, spec.reference, 'value');
    const r = ratio(value, reference);
    // The same ratio from each side's best repetition: when the machine flips between
    // fast and slow phases, medians can land on different phases; best-of cannot.
    const bestRatio = ratio(traced(summary, spec.value, 'best')[0], traced(summary, spec.reference, 'best')[0]);
    const { group, what, unit, refLabel, goal } = spec;
    return { group, what, unit, value, reference, refLabel, goal, ratio: r, met: meets(r, goal), valueSpread, refSpread, bestRatio };
  });
}

/** Runs `read` with a getter of `field` that notes the entries it reads: [result, their worst spread]. */
function traced(summary, read, field) {
  const entries = [];
  const result = read((impl, transport, bench, mode, bytes, n) => {
    const entry = summary.get(keyOf({ impl, transport, bench, mode, bytes, n }));
    if (entry) entries.push(entry);
    return entry?.[field];
  });
  return [result, maxDefined(entries.map((e) => spread(e.values)))];
}

/** max/min of repeated figures; undefined for fewer than two. */
export function spread(values) {
  const xs = values.filter((v) => Number.isFinite(v) && v > 0);
  return xs.length < 2 ? undefined : Math.max(...xs) / Math.min(...xs);
}

// ---- formatting ---------------------------------------------------------------------

/** A figure with its unit: µs below a millisecond, ms above; MB/s; s; MB. */
export function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '—';
  switch (unit) {
    case 'usec':
      return value < 1000 ? `${value.toFixed(1)} µs` : `${(value / 1000).toFixed(2)} ms`;
    case 'MBps':
      return `${value.toFixed(0)} MB/s`;
    case 'sec':
      return `${value.toFixed(2)} s`;
    case 'MB':
      return `${value.toFixed(1)} MB`;
    default:
      return String(value);
  }
}

/** 0 → "0", 1024 → "1 KiB", 8388608 → "8 MiB". */
export function formatBytes(bytes) {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

function formatGoal(goal) {
  return `${goal.cmp === '<=' ? '≤' : '≥'} ${goal.limit}`;
}

/** "met", "NOT met (2.30× off)", or "not measured". */
export function verdict(row) {
  if (row.met === undefined) return 'not measured';
  if (row.met) return 'met';
  const off = shortfall(row.ratio, row.goal);
  // "1.00× off" would read as met: a miss by less than half a percent gets a third decimal.
  return `NOT met (${off.toFixed(off < 1.005 ? 3 : 2)}× off)`;
}

/**
 * The commit a run measured, as at its start ({ sha, changed: digest of `git diff HEAD`,
 * '' when clean}), and what changed in the checkout while it ran.
 */
export function describeCommit(start, end) {
  let text = start.changed ? `${start.sha} (with uncommitted changes)` : start.sha;
  if (end.sha !== start.sha) text += `; HEAD was ${end.sha} by the end of the run`;
  else if (end.changed !== start.changed) text += '; tracked files changed during the run';
  return text;
}

/** A ratio to two decimals, or three where two would round onto the goal's limit (a missed 0.8956 is not "0.90"). */
export function formatRatio(ratio, goal) {
  const two = ratio.toFixed(2);
  return Number(two) === goal.limit ? ratio.toFixed(3) : two;
}

/** A Markdown table with padded columns (readable as plain text too). */
export function markdownTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The targets table: tsmpi's figure, the reference, their ratio (of medians: the verdict
 * follows it, as the issue asks), the ratio of best repetitions, and the noise.
 */
export function targetTable(rows) {
  const fmt = (x) => (x === undefined ? '–' : x.toFixed(2));
  return markdownTable(
    ['target', 'tsmpi', 'reference', 'ratio', 'goal', 'verdict', 'best-of-reps ratio', 'max/min over reps (tsmpi / ref)'],
    rows.map((r) => [
      r.what,
      formatValue(r.value, r.unit),
      `${formatValue(r.reference, r.unit)} (${r.refLabel})`,
      r.ratio === undefined ? '—' : formatRatio(r.ratio, r.goal),
      formatGoal(r.goal),
      verdict(r),
      fmt(r.bestRatio),
      `${fmt(r.valueSpread)} / ${fmt(r.refSpread)}`,
    ]),
  );
}

function benchRank(bench) {
  const i = BENCH_ORDER.indexOf(bench);
  return i < 0 ? BENCH_ORDER.length : i;
}

/**
 * The floor's "raw" figures sit in the same row as everyone's typed-array ("buffer")
 * figures, and its "raw-keep" streaming (the receiver holds each window) beside tsmpi's
 * "alloc" bandwidth (each message received as a new array, held until the window ends).
 */
function rowMode(entry) {
  if (entry.mode === 'raw') return 'buffer';
  return entry.mode === 'raw-keep' ? 'alloc' : entry.mode;
}

/** The run's medians, one row per measurement tsmpi or the floor made, one column per implementation/transport. */
export function sideBySideTable(summary) {
  const rows = new Map();
  for (const e of summary.values()) {
    const id = [e.bench, rowMode(e), e.bytes, e.n].join('|');
    if (!rows.has(id)) rows.set(id, { bench: e.bench, mode: rowMode(e), bytes: e.bytes, n: e.n, metric: e.metric, cells: new Map() });
    rows.get(id).cells.set(`${e.impl}|${e.transport}`, e.value);
  }
  // Open MPI's anchor measures more than the suite compares; a row with no tsmpi or floor
  // figure beside it says nothing here.
  const shown = [...rows.values()].filter((r) => [...r.cells.keys()].some((k) => !k.startsWith('ompi|')));
  const sorted = shown.sort(
    (a, b) => benchRank(a.bench) - benchRank(b.bench) || a.mode.localeCompare(b.mode) || a.n - b.n || a.bytes - b.bytes,
  );
  return markdownTable(
    ['measurement', 'n', ...COLUMNS.map((c) => c.label)],
    sorted.map((r) => [
      `${r.bench} ${r.mode}${r.bytes ? ' ' + formatBytes(r.bytes) : ''}`,
      r.n,
      ...COLUMNS.map((c) => formatValue(r.cells.get(`${c.impl}|${c.transport}`), r.metric)),
    ]),
  );
}

/** The count of targets met, missed and not measured. */
export function tally(rows) {
  return {
    met: rows.filter((r) => r.met === true).length,
    missed: rows.filter((r) => r.met === false).length,
    unmeasured: rows.filter((r) => r.met === undefined).length,
  };
}

/** bench/RESULTS.md: the run's circumstances, the targets, and every median side by side. */
export function renderResults(meta, rows, summary) {
  const t = tally(rows);
  const facts = [
    ['date', meta.date],
    ['commit', meta.commit],
    ['CPU', meta.cpu],
    ['Node', meta.node],
    ['Open MPI', meta.openmpi ?? 'not installed'],
    ['repetitions', `${meta.reps} (medians shown)`],
    ['load average (1 min) at start → end', meta.load ?? '—'],
    ['command', `\`${meta.command}\``],
  ];
  const parts = [
    '# tsmpi benchmark results',
    '',
    'One run of `bench/compare.mjs`: the raw-ws floor (`bench/floor.mjs`), Open MPI through mpi4py',
    '(`../shared/anchors/mpi4py_osu.py`, `bench/startup_mpi4py.py`) and tsmpi (`bench/*.ts`), each',
    'measurement repeated and its median taken. Ratios are tsmpi / reference within this run;',
    'the machine is shared, so absolute figures from different runs do not compare.',
    '',
    markdownTable(['', ''], facts),
    '',
    `## Targets — ${t.met} met, ${t.missed} not met${t.unmeasured ? `, ${t.unmeasured} not measured` : ''}`,
    '',
    'Verdicts follow the ratio of medians, as the issue asks. "best-of-reps ratio" compares each',
    "side's best repetition; \"max/min over reps\" says how much each side's repetitions disagreed —",
    'where it is far above 1, the ratio reflects the machine as much as tsmpi.',
    '',
    targetTable(rows),
    '',
    '## Every figure, side by side (medians)',
    '',
    'Latency is half the round trip; bandwidth counts payload bytes; collectives are the slowest',
    "rank's time per call; `raw ws` rows pair with tsmpi's typed-array (buffer) rows.",
    '',
    sideBySideTable(summary),
  ];
  if (meta.notes?.length) parts.push('', '## Notes', '', ...meta.notes.map((n) => `- ${n}`));
  return parts.join('\n') + '\n';
}

// Types for report.mjs (plain JavaScript so that compare.mjs runs on Node without a build step).

export type Metric = 'usec' | 'MBps' | 'sec' | 'MB';
export type Impl = 'floor' | 'ompi' | 'tsmpi';

/** A result line tagged with who produced it and over what. */
export interface TaggedRecord {
  impl: string;
  transport: string;
  bench: string;
  mode: string;
  bytes: number;
  n: number;
  usec?: number;
  MBps?: number;
  sec?: number;
  MB?: number;
}

/** A result line as a program printed it. */
export interface ParsedRecord {
  bench: string;
  mode?: string;
  bytes?: number;
  n?: number;
  transport?: string;
  usec?: number;
  MBps?: number;
  rssMB?: number;
  [field: string]: unknown;
}

export interface SummaryEntry {
  impl: string;
  transport: string;
  bench: string;
  mode: string;
  bytes: number;
  n: number;
  metric: Metric;
  values: number[];
  /** The median of `values`. */
  value: number | undefined;
  /** The best of `values`: the lowest time, the highest bandwidth. */
  best: number | undefined;
}

export type Summary = Map<string, SummaryEntry>;
export type Getter = (impl: string, transport: string, bench: string, mode: string, bytes: number, n: number) => number | undefined;

export interface Goal {
  cmp: '<=' | '>=';
  limit: number;
}

export interface TargetSpec {
  group: string;
  what: string;
  unit: Metric;
  value: (g: Getter) => number | undefined;
  reference: (g: Getter) => number | undefined;
  refLabel: string;
  goal: Goal;
}

export interface TargetRow {
  group: string;
  what: string;
  unit: Metric;
  value: number | undefined;
  reference: number | undefined;
  refLabel: string;
  goal: Goal;
  ratio: number | undefined;
  met: boolean | undefined;
  /** max/min over repetitions of the figures behind `value` (undefined: fewer than two). */
  valueSpread: number | undefined;
  /** The same for `reference`. */
  refSpread: number | undefined;
  /** tsmpi's best repetition / the reference's best repetition. */
  bestRatio: number | undefined;
}

export interface ResultsMeta {
  date: string;
  commit: string;
  cpu: string;
  node: string;
  openmpi?: string;
  reps: number;
  load?: string;
  command: string;
  notes?: string[];
}

export declare const METRICS: readonly Metric[];
export declare const COLUMNS: ReadonlyArray<{ impl: Impl; transport: string; label: string }>;

export declare function parseRecords(text: string): ParsedRecord[];
export declare function median(values: readonly number[]): number | undefined;
export declare function ratio(value: number | undefined, reference: number | undefined): number | undefined;
export declare function meets(r: number | undefined, goal: Goal): boolean | undefined;
export declare function shortfall(r: number | undefined, goal: Goal): number | undefined;
export declare function keyOf(rec: Pick<TaggedRecord, 'impl' | 'transport' | 'bench' | 'mode' | 'bytes' | 'n'>): string;
export declare function metricOf(rec: Partial<Record<Metric, unknown>>): Metric | undefined;
export declare function summarize(records: readonly TaggedRecord[]): Summary;
export declare function getter(summary: Summary): Getter;
export declare function rounds(n: number): number;
export declare function spread(values: readonly number[]): number | undefined;
export declare function best(metric: Metric, values: readonly number[]): number | undefined;
export declare function targetSpecs(opts?: { startupNs?: number[] }): TargetSpec[];
export declare function evaluate(specs: readonly TargetSpec[], summary: Summary): TargetRow[];
export declare function formatValue(value: number | undefined, unit: Metric): string;
export declare function formatBytes(bytes: number): string;
export declare function verdict(row: Pick<TargetRow, 'met' | 'ratio' | 'goal'>): string;
export declare function formatRatio(ratio: number, goal: Goal): string;
export declare function describeCommit(start: { sha: string; changed: string }, end: { sha: string; changed: string }): string;
export declare function markdownTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string;
export declare function targetTable(rows: readonly TargetRow[]): string;
export declare function sideBySideTable(summary: Summary): string;
export declare function tally(rows: readonly TargetRow[]): { met: number; missed: number; unmeasured: number };
export declare function renderResults(meta: ResultsMeta, rows: readonly TargetRow[], summary: Summary): string;

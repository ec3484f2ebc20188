/**
 * Remembers what a compiled program was built from, so the next job can reuse the bundle
 * without starting esbuild (~27 ms before any rank can start) when nothing it depends on
 * has changed.
 *
 * Next to the bundles, each entry file has a manifest: which compiler built it, and the
 * size and mtime of every file that shaped the bundle (its sources, the files it imports
 * by absolute path, the tsconfig.json/jsconfig.json/package.json that govern them and
 * the configs they extend), or that the file was absent, and the mtime of every source
 * directory (a file added beside a source can change what an import resolves to).
 * Checking it costs a few stats. Not seen: a changed symlink or package install that
 * leaves every recorded file as it was, and edits that keep a file's size and mtime.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { writeFileAtomically } from '../src/atomicWrite.js';

/** Size and mtime of a file, or null when there is no file there. */
type Stamp = { size: number; mtimeMs: number } | null;

interface Manifest {
  format: typeof FORMAT;
  entry: string;
  workingDir: string;
  /** tsmpi and esbuild as in {@link compilerIdentity}: another compiler may compile differently. */
  compiler: string;
  /** The bundle's file name in the cache directory. */
  bundle: string;
  files: Record<string, Stamp>;
}

/** Bumped when the manifest's meaning changes, so older manifests are ignored. */
const FORMAT = 1;

/**
 * Files changed this soon before a build may have changed after esbuild read them, with
 * a stamp that still looks current (as in git's "racy clean" case): their manifest is not
 * saved. Local file systems stamp with a clock at most a tick behind; network ones use
 * the server's clock, hence a margin of seconds.
 */
const RACY_MARGIN_MS = 2000;

/**
 * This launcher's file as loaded: a rebuilt tsmpi may compile differently at the same
 * version (the build options are part of the launcher bundle, dist/launcher.js). Stamped
 * at load, not at build time, so that a launcher rebuilt while this job runs is not taken
 * for this one.
 */
const LAUNCHER_STAMP = stampOf(fileURLToPath(import.meta.url));

/**
 * Where the manifest for `entry` built from `workingDir` lives in `cacheDir`. The working
 * directory is part of the key because the bundle's source map names sources relative
 * to it: a job started elsewhere gets (and caches) its own bundle, as it would uncached.
 */
export function manifestPathFor(entry: string, workingDir: string, cacheDir: string): string {
  const key = createHash('sha256').update(entry).update('\0').update(workingDir).digest('hex').slice(0, 16);
  return join(cacheDir, `${basename(entry, extname(entry))}-${key}.json`);
}

/**
 * The bundle previously built for `entry` (an absolute path) from `workingDir`, if its
 * manifest shows that nothing it was built from has changed; undefined means build it.
 */
export function cachedBundle(entry: string, workingDir: string, cacheDir: string): string | undefined {
  try {
    const manifest = readManifest(manifestPathFor(entry, workingDir, cacheDir));
    if (!manifest || manifest.entry !== entry || manifest.workingDir !== workingDir) return undefined;
    if (manifest.compiler !== compilerIdentity()) return undefined;
    for (const [file, stamp] of Object.entries(manifest.files)) {
      if (!sameStamp(stampOf(file), stamp)) return undefined;
    }
    const bundle = join(cacheDir, manifest.bundle);
    return existsSync(bundle) ? bundle : undefined;
  } catch {
    // An unreadable manifest, package.json or file only costs a rebuild.
    return undefined;
  }
}

/** What a build of `entry` produced, for {@link saveManifest}. */
export interface BuiltBundle {
  entry: string;
  cacheDir: string;
  /** The bundle's path in `cacheDir`. */
  bundle: string;
  metafile: Metafile;
  /** esbuild's working directory: metafile paths are relative to it. */
  workingDir: string;
  /** Date.now() before the build started. */
  startedAt: number;
}

/** Records what the bundle was built from, so that the next job can reuse it. */
export function saveManifest(built: BuiltBundle): void {
  try {
    const files = stampsOf(filesShaping(built));
    // Stamped during the build: the bundle may hold an older version than the stamp says.
    if (Object.values(files).some((s) => s !== null && s.mtimeMs > built.startedAt - RACY_MARGIN_MS)) return;
    const manifest: Manifest = {
      format: FORMAT,
      entry: built.entry,
      workingDir: built.workingDir,
      compiler: compilerIdentity(),
      bundle: basename(built.bundle),
      files,
    };
    writeFileAtomically(manifestPathFor(built.entry, built.workingDir, built.cacheDir), JSON.stringify(manifest));
  } catch {
    // The manifest only saves time; without it the next job builds again.
  }
}

function readManifest(path: string): Manifest | undefined {
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Partial<Manifest>;
  const wellFormed =
    m.format === FORMAT &&
    typeof m.entry === 'string' &&
    typeof m.workingDir === 'string' &&
    typeof m.compiler === 'string' &&
    typeof m.bundle === 'string' &&
    basename(m.bundle) === m.bundle &&
    typeof m.files === 'object' &&
    m.files !== null;
  return wellFormed ? (m as Manifest) : undefined;
}

/**
 * Every file whose change could change the bundle: the sources esbuild read, the files
 * the bundle imports by absolute path (tsmpi's dist/index.js, other packages), and the
 * config files esbuild consults for each source directory.
 */
function filesShaping(built: BuiltBundle): Set<string> {
  const files = new Set<string>([built.entry]);
  const sourceDirs = new Set<string>([dirname(built.entry)]);
  for (const input of Object.keys(built.metafile.inputs)) {
    const path = resolve(built.workingDir, input);
    files.add(path);
    sourceDirs.add(dirname(path));
  }
  for (const output of Object.values(built.metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && imported.path.startsWith('file:')) files.add(fileURLToPath(imported.path));
    }
  }
  for (const dir of sourceDirs) {
    files.add(dir);
    for (const config of configCandidates(dir)) {
      files.add(config);
      for (const base of extendedConfigs(config)) files.add(base);
    }
  }
  return files;
}

/**
 * The configs a tsconfig/jsconfig extends, transitively (esbuild follows `extends`).
 * Throws when an `extends` cannot be followed, so that no manifest is saved rather
 * than one that misses a file.
 */
function extendedConfigs(config: string, seen = new Set<string>()): string[] {
  if (!/[jt]sconfig\.json$/.test(config) || seen.has(config) || !existsSync(config)) return [];
  seen.add(config);
  const out: string[] = [];
  for (const target of extendsOf(readFileSync(config, 'utf8'))) {
    const base = resolveExtends(target, dirname(config));
    out.push(base, ...extendedConfigs(base, seen));
  }
  return out;
}

/** The `extends` value(s) of a tsconfig (JSON with comments), found without a full parse. */
function extendsOf(text: string): string[] {
  const m = /"extends"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])/.exec(text);
  if (!m) return [];
  const value: unknown = JSON.parse(m[1]!);
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Where an `extends` points: a path relative to the config, or a package's file. */
function resolveExtends(target: string, fromDir: string): string {
  if (target.startsWith('.') || target.startsWith('/')) {
    const path = resolve(fromDir, target);
    return existsSync(path) || path.endsWith('.json') ? path : `${path}.json`;
  }
  return createRequire(join(fromDir, 'tsconfig.json')).resolve(target);
}

/**
 * The config files esbuild may read for sources in `dir`: the nearest tsconfig.json (or
 * jsconfig.json) and package.json, and every closer place one could appear.
 */
function configCandidates(dir: string): string[] {
  const candidates: string[] = [];
  let needTsconfig = true;
  let needPackage = true;
  for (let d = dir; needTsconfig || needPackage; d = dirname(d)) {
    if (needTsconfig) {
      const ts = join(d, 'tsconfig.json');
      const js = join(d, 'jsconfig.json');
      candidates.push(ts, js);
      needTsconfig = !existsSync(ts) && !existsSync(js);
    }
    if (needPackage) {
      const pkg = join(d, 'package.json');
      candidates.push(pkg);
      needPackage = !existsSync(pkg);
    }
    if (dirname(d) === d) break;
  }
  return candidates;
}

function stampsOf(files: Set<string>): Record<string, Stamp> {
  const stamps: Record<string, Stamp> = {};
  for (const file of files) stamps[file] = stampOf(file);
  return stamps;
}

function stampOf(path: string): Stamp {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? { size: st.size, mtimeMs: st.mtimeMs } : null;
}

function sameStamp(a: Stamp, b: Stamp | undefined): boolean {
  if (a === null || b === null || b === undefined) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * What compiles: tsmpi's and esbuild's versions, read from their package.json files
 * (installed packages need not carry fresh mtimes, and importing esbuild just to ask
 * would cost what the cache saves), and this launcher's stamp.
 */
function compilerIdentity(): string {
  const tsmpiPackage = fileURLToPath(new URL('../package.json', import.meta.url));
  const esbuildPackage = createRequire(import.meta.url).resolve('esbuild/package.json');
  const launcher = LAUNCHER_STAMP ? `${LAUNCHER_STAMP.size}:${LAUNCHER_STAMP.mtimeMs}` : 'unknown';
  return `tsmpi ${versionIn(tsmpiPackage)} (launcher ${launcher}), esbuild ${versionIn(esbuildPackage)}`;
}

function versionIn(packageJson: string): string {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
  return String(version);
}

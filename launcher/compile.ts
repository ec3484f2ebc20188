/**
 * Turns a TypeScript program into one JavaScript file, once per job, so that ranks do
 * not each pay for a transpile at start-up (esbuild takes milliseconds; a TypeScript
 * loader in every rank costs ~0.2 s of CPU each).
 *
 * Packages stay external and are imported by absolute path, so the output can live
 * anywhere and still load exactly the modules the script would have loaded.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { writeFileAtomically } from '../src/atomicWrite.js';
import { cachedBundle, saveManifest } from './compile-cache.js';
import { makeDirectories } from './directories.js';

/** The first esbuild error as "file:line:column: text". */
function describeBuildErrors(errors: Message[] | undefined): string | undefined {
  const first = errors?.[0];
  if (!first) return undefined;
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
  const more = errors!.length > 1 ? ` (and ${errors!.length - 1} more errors)` : '';
  return `${where}${first.text}${more}`;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const RUNNABLE = new Set(['.js', '.mjs', '.cjs', ...TYPESCRIPT]);
const BUILTINS = new Set(builtinModules);

/** Whether `script` has an extension tsmpiexec can run. */
export function isRunnable(script: string): boolean {
  return RUNNABLE.has(extname(script));
}

/**
 * The JavaScript file ranks run for `script` (compiled into `cacheDir` for TypeScript, or
 * into `fallbackDir` when `cacheDir` cannot be written, e.g. a read-only installation).
 */
export async function prepareScript(script: string, cacheDir: string, fallbackDir?: string): Promise<string> {
  const path = resolve(script);
  if (!TYPESCRIPT.has(extname(path))) return path;
  // Most jobs run a program that has not changed since the last one: a few stats tell,
  // where even loading esbuild would cost more.
  const workingDir = process.cwd();
  const cached = cachedBundle(path, workingDir, cacheDir);
  if (cached) return cached;
  const startedAt = Date.now();
  const { build, stop } = await import('esbuild');
  const result = await build({
    entryPoints: [path],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    // esbuild writes sources relative to the working directory, and node resolves them
    // against the bundle's own place in the cache: the root makes them the real files.
    sourceRoot: pathToFileURL(workingDir + sep).href,
    // Stack traces need only the mappings; without the sources inlined the bundle is a
    // fraction of the size every rank reads and scans at start-up (node reads a
    // source from its file when it shows an error's line).
    sourcesContent: false,
    logLevel: 'silent',
    // The files it read, for the cache manifest (paths relative to absWorkingDir).
    metafile: true,
    absWorkingDir: workingDir,
    // Only the conditions node itself matches (node, import or require, default): esbuild
    // would otherwise add bundlers' "module" and could pick a file node never loads.
    conditions: [],
    banner: { js: bundlePreamble(path) },
    define: PER_FILE_NAMES,
    plugins: [externalPackages(), perFileNames()],
  }).catch((err: { errors?: Message[] }) => {
    throw new Error(`cannot compile ${script}: ${describeBuildErrors(err.errors) ?? String(err)}`);
  }).finally(() => {
    // One build per job: the esbuild service process need not live as long as the job.
    void stop();
  });
  const code = result.outputFiles[0].contents;
  const hash = createHash('sha256').update(path).update(code).digest('hex').slice(0, 16);
  const name = `${basename(path, extname(path))}-${hash}.mjs`;
  let out: string;
  try {
    out = writeBundle(cacheDir, name, code);
  } catch (err) {
    if (!fallbackDir || !isUnwritable(err)) throw err;
    return writeBundle(fallbackDir, name, code);
  }
  saveManifest({ entry: path, cacheDir, bundle: out, metafile: result.metafile, workingDir, startedAt });
  return out;
}

/** Writes `code` as `dir/name` unless that bundle is already there (same name, same content). */
function writeBundle(dir: string, name: string, code: Uint8Array): string {
  const out = join(dir, name);
  if (!existsSync(out)) {
    makeDirectories(dir, 0o700);
    writeFileAtomically(out, code);
  }
  return out;
}

function isUnwritable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  // ENOENT and EEXIST: a directory on the way cannot be made there (a file in its place, /proc).
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'EEXIST';
}

/** Where compiled programs are kept: the project's node_modules/.cache, else `fallback`. */
export function cacheDirFor(script: string, fallback: string): string {
  let dir = dirname(resolve(script));
  for (;;) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'tsmpi');
    const parent = dirname(dir);
    if (parent === dir) return fallback;
    dir = parent;
  }
}

/** Bare imports resolve as the script's own would, then stay external by absolute path. */
function externalPackages(): Plugin {
  return {
    name: 'tsmpi-external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'tsmpi-inner') return undefined;
        if (isBuiltin(args.path)) return { external: true };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'tsmpi-inner',
        });
        if (found.errors.length > 0 || !found.path) {
          // A dynamic import may be optional (inside try/catch); a static one must resolve now,
          // not fail in every rank from the cache directory with a confusing path.
          if (args.kind === 'dynamic-import' || args.kind === 'require-call') return { external: true };
          return { errors: [{ text: `cannot find package "${args.path}" (is it installed?)` }] };
        }
        // TypeScript reached through a bare name (tsconfig paths, workspaces) is the user's own source: bundle it.
        if (TYPESCRIPT.has(extname(found.path))) return { path: found.path };
        // require() takes a path, import a URL.
        const requires = args.kind === 'require-call' || args.kind === 'require-resolve';
        return { path: requires ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);
}

/**
 * What every bundle runs first, before any of its modules: `require` (esbuild's output
 * calls it for the CommonJS code it bundles and for require-calls it leaves external),
 * resolving as from the program's own file; `process.argv[1]` naming the program, as
 * node or tsx would, not its bundle; and the maker of each file's own `import.meta`.
 */
function bundlePreamble(entry: string): string {
  const file = JSON.stringify(entry);
  return [
    "import { createRequire as __tsmpiCreateRequire } from 'node:module';",
    `const require = __tsmpiCreateRequire(${file});`,
    `process.argv[1] = ${file};`,
    'function __tsmpiImportMeta(url, dirname, filename) {',
    '  // Relative to the file; a package as from the bundle, whose node_modules lookup reaches the project\'s.',
    "  const resolve = (specifier) => (/^(\\.{1,2}(\\/|$)|\\/)/.test(specifier) ? new URL(specifier, url).href : import.meta.resolve(specifier));",
    '  return { url, dirname, filename, resolve };',
    '}',
  ].join('\n');
}

/**
 * Names that differ from file to file, which esbuild would otherwise leave to mean the
 * bundle's: each becomes a variable that {@link perFileNames} declares in every file that
 * uses the name. esbuild substitutes only where the name is not the file's own, and
 * renames the variables per file, so no two files share one.
 */
const PER_FILE_NAMES = {
  'import.meta': '__tsmpi_import_meta',
  __dirname: '__tsmpi_dirname',
  __filename: '__tsmpi_filename',
};

/** Declares each file's own `import.meta`, `__dirname` and `__filename` (see {@link PER_FILE_NAMES}). */
function perFileNames(): Plugin {
  return {
    name: 'tsmpi-per-file-names',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!/import\.meta|__dirname|__filename/.test(source)) return undefined;
        const [file, dir, url] = [args.path, dirname(args.path), pathToFileURL(args.path).href].map((s) => JSON.stringify(s));
        const declarations =
          `;const __tsmpi_import_meta = __tsmpiImportMeta(${url}, ${dir}, ${file}), ` +
          `__tsmpi_dirname = ${dir}, __tsmpi_filename = ${file};`;
        // Without a line break, so that line numbers stay the file's.
        const at = declarationsAt(source);
        const contents = source.slice(0, at) + declarations + source.slice(at);
        return { contents, loader: loaderFor(args.path), resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * Where declarations may go in front of a file's code: at its start, after a `#!` line
 * and after a "use strict" directive (which must stay first to count). At the start, a
 * first line holding only a comment keeps the columns of all code exact.
 */
function declarationsAt(source: string): number {
  const shebang = source.startsWith('#!') ? (source.indexOf('\n') + 1 || source.length) : 0;
  const directive = /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(['"])use strict\1/.exec(source.slice(shebang));
  return shebang + (directive ? directive[0].length : 0);
}

function loaderFor(path: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const ext = extname(path);
  if (ext === '.tsx' || ext === '.jsx') return ext === '.tsx' ? 'tsx' : 'jsx';
  return TYPESCRIPT.has(ext) ? 'ts' : 'js';
}

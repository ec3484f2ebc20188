// Builds dist/: the runtime (dist/runtime.cjs, behind the ES module dist/index.js) and
// the launcher (dist/launcher.js) as single bundles — one file each loads faster at
// rank start-up than a tree of modules — plus TypeScript declarations for users'
// editors and `tsc`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Build beside dist/ and swap it in at the end, so jobs that are running while a
// build happens never find dist/ half-written.
const out = `dist.building-${process.pid}`;
rmSync(out, { recursive: true, force: true });
// The runtime ships without source maps: with --enable-source-maps every rank would
// parse them at start-up. Users' own programs keep theirs (inline, made per job).
// Dependencies are bundled too: resolving and compiling a tree of package modules
// costs every rank (and the launcher) tens of milliseconds at start-up, which adds up
// at -n 32 on two cores. Bundled CommonJS code (ws, msgpackr) needs a real `require`
// for Node's built-ins, hence the banner. Optional native add-ons stay external.
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __tsmpiCreateRequire } from 'node:module'; const require = __tsmpiCreateRequire(import.meta.url);" },
  external: ['bufferutil', 'utf-8-validate', 'msgpackr-extract', 'esbuild'],
};
/** Leaves the launcher's dynamic import of spawn-remote.js to be resolved beside it at run time. */
const remoteSpawnersApart = {
  name: 'remote-spawners-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/spawn-remote\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

// The runtime is CommonJS, and dist/index.js an ES module that loads it and re-exports
// its names, through a V8 code cache (src/loader/codeCache.ts). Every rank loads the
// 400 KB bundle: as CommonJS it costs ~2 ms less CPU than as an ES module, and with the
// cache, which holds the code earlier runs compiled, several ms less again (-n 32 on two
// cores, the whole job: 3.8 → 3.5 s of CPU, 2.0 → 1.8 s wall). Nothing in the runtime needs ES module
// semantics: no top-level await, no import.meta, no dynamic import (which code run
// from a cache could not do; the build refuses it).
const runtimeCjs = { ...common, format: 'cjs', banner: {}, entryPoints: ['src/index.ts'] };
const [runtimeNames] = await Promise.all([
  exportNames('src/index.ts'),
  build({ ...runtimeCjs, outfile: `${out}/runtime.cjs` }),
  build({ ...common, entryPoints: ['src/loader/codeCache.ts'], outfile: `${out}/code-cache.js` }),
  build({ ...common, entryPoints: ['src/runtime/boot.ts'], outfile: `${out}/rank-boot.js` }),
  build({
    ...common,
    entryPoints: ['launcher/main.ts'],
    outfile: `${out}/launcher.js`,
    define: { TSMPI_VERSION: JSON.stringify(pkg.version) },
    plugins: [remoteSpawnersApart],
  }),
  // What only jobs with remote hosts need (the ssh/srun spawners and execa under them)
  // is a file of its own, loaded on first use: a local job does not compile it at
  // start-up. A fixed name (no content hash) keeps a launcher that started before a
  // rebuild able to load it.
  build({ ...common, entryPoints: ['launcher/spawn-remote.ts'], outfile: `${out}/spawn-remote.js` }),
]);
const runtimeSource = readFileSync(`${out}/runtime.cjs`, 'utf8');
if (/\bimport\s*\(/.test(runtimeSource)) throw new Error('dist/runtime.cjs uses dynamic import(), which code loaded from a V8 code cache cannot');
writeFileSync(`${out}/index.js`, facade(runtimeNames, createHash('sha256').update(runtimeSource).digest('hex').slice(0, 16)));
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
renameSync(out, 'dist');

/** The names an entry point exports (of values; types have none at run time). */
async function exportNames(entry) {
  const result = await build({ ...common, entryPoints: [entry], write: false, metafile: true, outfile: 'names.js' });
  return Object.values(result.metafile.outputs)[0].exports;
}

/**
 * dist/index.js: the package's ES module entry, over the CommonJS runtime. The cache is
 * named by the runtime's digest; rank 0 (or a program started without tsmpiexec) writes
 * it as it exits (see loadWithCodeCache for when).
 */
function facade(names, digest) {
  return [
    '// The package entry. The runtime itself is CommonJS (dist/runtime.cjs), loaded with a V8',
    '// code cache: see scripts/build.mjs and src/loader/codeCache.ts.',
    "import { fileURLToPath } from 'node:url';",
    "import { loadWithCodeCache } from './code-cache.js';",
    'const { exports: runtime } = loadWithCodeCache(',
    "  fileURLToPath(new URL('./runtime.cjs', import.meta.url)),",
    `  fileURLToPath(new URL('./runtime-${digest}.v8cache', import.meta.url)),`,
    "  (process.env.TSMPI_RANK ?? '0') === '0',",
    ');',
    `export const { ${names.join(', ')} } = runtime;`,
    '',
  ].join('\n');
}

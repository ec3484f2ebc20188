// Builds dist/: the runtime (dist/index.js) and the launcher (dist/launcher.js) as
// single ESM bundles — one file each loads faster at rank start-up than a tree of
// modules — plus TypeScript declarations for users' editors and `tsc`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync } from 'node:fs';

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

await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], outfile: `${out}/index.js` }),
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
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
renameSync(out, 'dist');

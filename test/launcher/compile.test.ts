import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { manifestPathFor } from '../../launcher/compile-cache.js';
import { prepareScript } from '../../launcher/compile.js';

// Counts esbuild builds, the work the cache exists to skip.
const esbuildCalls = vi.hoisted(() => ({ builds: 0 }));
vi.mock('esbuild', async (importOriginal) => {
  const esbuild = await importOriginal<typeof import('esbuild')>();
  return {
    ...esbuild,
    build: ((options: Parameters<typeof esbuild.build>[0]) => {
      esbuildCalls.builds++;
      return esbuild.build(options);
    }) as typeof esbuild.build,
  };
});

let project: string;
let cacheDir: string;
let entry: string;

/**
 * Writes a file as if edited a minute ago: files changed within seconds of a build are
 * not trusted (they may have changed while esbuild read them), so no manifest is saved.
 */
function writeOld(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  const then = Date.now() / 1000 - 60;
  utimesSync(path, then, then);
  // Source directories are recorded too (a new file there can change an import).
  for (let dir = dirname(path); dir.startsWith(project); dir = dirname(dir)) utimesSync(dir, then, then);
}

/** Compiles the program and says how many esbuild builds that took. */
/** Points '@words' at words-b.ts in `config` (a tsconfig file of the project) and expects one rebuild that uses it. */
async function expectRebuildWhenWordsPointAtB(config: string): Promise<void> {
  writeOld(join(project, config), JSON.stringify({ compilerOptions: { paths: { '@words': ['./lib/words-b.ts'] } } }));
  const second = await prepare();
  expect(second.builds).toBe(1);
  expect(readFileSync(second.bundle, 'utf8')).toContain('words b');
}

async function prepare(): Promise<{ bundle: string; builds: number }> {
  const before = esbuildCalls.builds;
  const bundle = await prepareScript(entry, cacheDir);
  return { bundle, builds: esbuildCalls.builds - before };
}

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'tsmpi-compile-test-'));
  cacheDir = join(project, 'node_modules', '.cache', 'tsmpi');
  entry = join(project, 'main.ts');
  // An entry, a local module, a module found through tsconfig paths, and a package.
  writeOld(entry, [
    "import { greeting } from './lib/greet.js';",
    "import { farewell } from '@words';",
    "import { shout } from 'fake-package';",
    'console.log(shout(greeting), farewell);',
  ].join('\n'));
  writeOld(join(project, 'lib/greet.ts'), "export const greeting: string = 'hello one';\n");
  writeOld(join(project, 'lib/words-a.ts'), "export const farewell: string = 'words a';\n");
  writeOld(join(project, 'lib/words-b.ts'), "export const farewell: string = 'words b';\n");
  writeOld(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { '@words': ['./lib/words-a.ts'] } } }));
  writeOld(join(project, 'package.json'), JSON.stringify({ name: 'compile-test', type: 'module' }));
  writeOld(join(project, 'node_modules/fake-package/package.json'), JSON.stringify({ name: 'fake-package', main: 'index.js' }));
  writeOld(join(project, 'node_modules/fake-package/index.js'), 'exports.shout = (s) => s.toUpperCase();\n');
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

describe('prepareScript cache', () => {
  it('reuses the bundle of an unchanged program without running esbuild', async () => {
    const first = await prepare();
    expect(first.builds).toBe(1);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const manifest = manifestPathFor(entry, process.cwd(), cacheDir);
    const written = statSync(manifest);

    const second = await prepare();
    expect(second).toEqual({ bundle: first.bundle, builds: 0 });
    // Not rewritten either: the same file, untouched.
    expect(statSync(manifest)).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
  });

  it('rebuilds when a module the entry imports changes', async () => {
    const first = await prepare();
    expect((await prepare()).builds).toBe(0);
    writeFileSync(join(project, 'lib/greet.ts'), "export const greeting: string = 'hello, two';\n");

    const second = await prepare();
    expect(second.builds).toBe(1);
    expect(second.bundle).not.toBe(first.bundle);
    expect(readFileSync(second.bundle, 'utf8')).toContain('hello, two');
  });

  it('rebuilds when tsconfig.json changes', async () => {
    await prepare();
    expect((await prepare()).builds).toBe(0);
    await expectRebuildWhenWordsPointAtB('tsconfig.json');
  });

  it('rebuilds when a config that tsconfig.json extends changes', async () => {
    writeOld(join(project, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { paths: { '@words': ['./lib/words-a.ts'] } } }));
    writeOld(join(project, 'tsconfig.json'), '{\n  // comments are allowed here\n  "extends": "./tsconfig.base.json"\n}\n');
    const first = await prepare();
    expect(readFileSync(first.bundle, 'utf8')).toContain('words a');
    expect((await prepare()).builds).toBe(0);
    await expectRebuildWhenWordsPointAtB('tsconfig.base.json');
  });

  it('rebuilds when a file added beside a source changes what an import resolves to', async () => {
    await prepare();
    expect((await prepare()).builds).toBe(0);
    // './lib/greet.js' resolved to greet.ts while there was no greet.js.
    writeFileSync(join(project, 'lib/greet.js'), "export const greeting = 'hello from js';\n");
    const then = Date.now() / 1000 - 60;
    utimesSync(join(project, 'lib/greet.js'), then, then);

    const second = await prepare();
    expect(second.builds).toBe(1);
    expect(readFileSync(second.bundle, 'utf8')).toContain('hello from js');
  });

  it('compiles into the fallback directory when the cache directory cannot be written', async () => {
    // A path under a file: unwritable even for root, which ignores permission bits.
    const unwritable = join(entry, 'tsmpi');
    const fallback = join(project, 'job-cache');
    const bundle = await prepareScript(entry, unwritable, fallback);
    expect(dirname(bundle)).toBe(fallback);
    expect(readFileSync(bundle, 'utf8')).toContain('hello one');
  });

  it('rebuilds, without an error, when the manifest is corrupt', async () => {
    const first = await prepare();
    writeFileSync(manifestPathFor(entry, process.cwd(), cacheDir), '{"format": 1, "entry": tru');

    expect(await prepare()).toEqual({ bundle: first.bundle, builds: 1 });
    // The rebuild wrote a good manifest again.
    expect((await prepare()).builds).toBe(0);
  });

  it('rebuilds a bundle made by another tsmpi or esbuild', async () => {
    await prepare();
    const manifest = manifestPathFor(entry, process.cwd(), cacheDir);
    const recorded = JSON.parse(readFileSync(manifest, 'utf8')) as { compiler: string };
    expect(recorded.compiler).toMatch(/^tsmpi \S+ \(launcher .*\), esbuild \d+\.\d+\.\d+$/);
    writeFileSync(manifest, JSON.stringify({ ...recorded, compiler: recorded.compiler.replace(/esbuild .*/, 'esbuild 0.0.1') }));

    expect((await prepare()).builds).toBe(1);
  });

  it('reports a compile error in a program that compiled before', async () => {
    await prepare();
    writeOld(entry, 'const x: number = ;\n');
    await expect(prepare()).rejects.toThrow(/^cannot compile .*main\.ts: .*main\.ts:1:19: Unexpected ";"$/);
  });

  it('reports a package removed since the program last compiled', async () => {
    await prepare();
    rmSync(join(project, 'node_modules/fake-package'), { recursive: true });
    await expect(prepare()).rejects.toThrow(/cannot find package "fake-package"/);
  });

  it('does not trust files changed just before the build', async () => {
    // Its stamp could match a later edit that the bundle does not hold.
    writeFileSync(join(project, 'lib/greet.ts'), "export const greeting: string = 'hello now';\n");
    expect((await prepare()).builds).toBe(1);
    expect((await prepare()).builds).toBe(1);
  });
});

/** Compiles `entry` and runs the bundle with node (no tsmpi in it): its output, parsed as JSON. */
async function runCompiled(args: string[] = []): Promise<Record<string, unknown>> {
  const bundle = await prepareScript(entry, cacheDir);
  return JSON.parse(execFileSync(process.execPath, [bundle, ...args], { cwd: project, encoding: 'utf8' })) as Record<string, unknown>;
}

describe('a compiled program sees what node would show it', () => {
  it("gives each file its own import.meta, __dirname and __filename, and leaves strings alone", async () => {
    writeOld(entry, [
      "import { where } from './lib/where.js';",
      'console.log(JSON.stringify({',
      '  url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename,',
      "  resolved: import.meta.resolve('./data/config.json'),",
      '  dn: __dirname, fn: __filename,',
      "  text: 'import.meta.url and __dirname', template: `at ${import.meta.url}`,",
      '  where,',
      '}));',
    ].join('\n'));
    writeOld(join(project, 'lib/where.ts'), [
      '#!/usr/bin/env node',
      '// a comment before the code',
      "const __dirname = 'its own';",
      'export const where = { url: import.meta.url, dn: __dirname };',
    ].join('\n'));
    const shown = await runCompiled();
    const lib = join(project, 'lib');
    expect(shown).toEqual({
      url: pathToFileURL(entry).href,
      dirname: project,
      filename: entry,
      resolved: pathToFileURL(join(project, 'data/config.json')).href,
      dn: project,
      fn: entry,
      text: 'import.meta.url and __dirname',
      template: `at ${pathToFileURL(entry).href}`,
      // A file's own declaration of a name wins, as anywhere in JavaScript.
      where: { url: pathToFileURL(join(lib, 'where.ts')).href, dn: 'its own' },
    });
  });

  it('has require for the CommonJS it bundles, and for packages and built-ins from there', async () => {
    writeOld(entry, ["import legacy from './lib/legacy.cjs';", 'console.log(JSON.stringify(legacy));'].join('\n'));
    writeOld(join(project, 'lib/legacy.cjs'), [
      "'use strict';",
      "const { sep } = require('node:path');",
      "const { shout } = require('fake-package');",
      'exports.sep = sep;',
      "exports.shouted = shout('quiet');",
      'exports.strict = (function () { return this === undefined; })();',
      'exports.dn = __dirname;',
    ].join('\n'));
    expect(await runCompiled()).toEqual({ sep: '/', shouted: 'QUIET', strict: true, dn: join(project, 'lib') });
  });

  it('keeps line and column of code below a leading comment exact in stack traces', async () => {
    writeOld(entry, ['// a program that fails at once', '  throw new Error(import.meta.url);'].join('\n'));
    const bundle = await prepareScript(entry, cacheDir);
    const r = spawnSync(process.execPath, ['--enable-source-maps', bundle], { cwd: project, encoding: 'utf8' });
    expect(r.stderr).toContain(`${entry}:2:9`);
  });

  it('names the program, not its bundle, in process.argv[1]', async () => {
    writeOld(entry, 'console.log(JSON.stringify(process.argv.slice(1)));');
    expect(await runCompiled(['--flag', 'x'])).toEqual([entry, '--flag', 'x']);
  });

  it("picks a package's files by the conditions node matches, not a bundler's \"module\"", async () => {
    writeOld(join(project, 'node_modules/dual/package.json'), JSON.stringify({
      name: 'dual',
      exports: { '.': { module: './module.js', import: './import.mjs', default: './default.js' } },
    }));
    writeOld(join(project, 'node_modules/dual/module.js'), "export const which = 'module';\n");
    writeOld(join(project, 'node_modules/dual/import.mjs'), "export const which = 'import';\n");
    writeOld(join(project, 'node_modules/dual/default.js'), "exports.which = 'default';\n");
    writeOld(entry, "import { which } from 'dual';\nconsole.log(JSON.stringify({ which }));");
    expect(await runCompiled()).toEqual({ which: 'import' });
  });
});

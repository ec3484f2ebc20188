/**
 * makeDirectories: `mkdir -p` that throws where Node's recursive mkdir would spin
 * (the /proc case runs in a child process, so a regression fails instead of hanging).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectories } from '../../launcher/directories.js';

const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-dirs-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('makeDirectories', () => {
  it('creates every missing level with the mode asked for, and accepts one that exists', () => {
    const deep = join(scratch, 'a', 'b', 'c');
    makeDirectories(deep, 0o700);
    for (const dir of [join(scratch, 'a'), join(scratch, 'a', 'b'), deep]) {
      expect(statSync(dir).isDirectory(), dir).toBe(true);
      expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
    }
    expect(() => makeDirectories(deep)).not.toThrow();
    expect(() => makeDirectories(join(scratch, 'a', '..', 'a', 'b'))).not.toThrow();
  });

  it('refuses a file in the way', () => {
    const file = join(scratch, 'plain');
    writeFileSync(file, 'x');
    expect(() => makeDirectories(file)).toThrow(/EEXIST/);
    expect(() => makeDirectories(join(file, 'below'))).toThrow(/ENOTDIR/);
  });

  it.runIf(process.platform === 'linux')('throws, and does not spin, where the kernel cannot make a directory (/proc)', () => {
    const url = new URL('../../launcher/directories.ts', import.meta.url).pathname;
    // The launcher's own code, bundled by esbuild into a one-off program run with a time limit.
    const code = `import { makeDirectories } from ${JSON.stringify(url)};
      try { makeDirectories('/proc/tsmpi-no-such/rank.0'); console.log('created'); } catch (e) { console.log(e.code); }`;
    const script = join(scratch, 'proc.mts');
    writeFileSync(script, code);
    const bundled = join(scratch, 'proc.mjs');
    buildSync({ entryPoints: [script], bundle: true, platform: 'node', format: 'esm', outfile: bundled, logLevel: 'error' });
    const run = spawnSync(process.execPath, [bundled], { timeout: 10_000, encoding: 'utf8' });
    expect(run.signal, 'it ran past its time limit').toBeNull();
    expect(run.stdout.trim()).toBe('ENOENT');
  });
});

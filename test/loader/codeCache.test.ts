import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWithCodeCache } from '../../src/loader/codeCache.js';
import { ROOT } from '../helpers/tsmpiexec.js';

const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A CommonJS module that uses require, and functions the load compiles. */
const SOURCE = `const { join } = require('node:path');
function square(x) { return x * x; }
module.exports = { squares: [1, 2, 3].map(square), joined: join('a', 'b'), file: __filename };
`;

function moduleFile(name: string): string {
  const file = join(scratch, name);
  writeFileSync(file, SOURCE);
  return file;
}

/** Loads `file` in a fresh node process through the built loader; prints how the cache went. */
function loadInChild(file: string, cacheFile: string): string {
  const loader = join(ROOT, 'dist', 'code-cache.js');
  const script = `import { loadWithCodeCache } from ${JSON.stringify(loader)};
const { exports, cache } = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheFile)}, true);
console.log(cache, exports.squares.join(','));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
}

describe('loadWithCodeCache', () => {
  it('runs a CommonJS file with require, __filename and module.exports', () => {
    const file = moduleFile('plain.cjs');
    const loaded = loadWithCodeCache(file, null, false);
    expect(loaded).toEqual({ exports: { squares: [1, 4, 9], joined: join('a', 'b'), file }, cache: 'none' });
  });

  it('writes a cache at exit, which the next process uses', () => {
    const file = moduleFile('cached.cjs');
    const cacheFile = join(scratch, 'cached.v8cache');
    expect(loadInChild(file, cacheFile)).toBe('none 1,4,9');
    expect(statSync(cacheFile).size).toBeGreaterThan(0);
    expect(loadInChild(file, cacheFile)).toBe('used 1,4,9');
  });

  it('ignores a cache V8 refuses, and writes a good one in its place', () => {
    const file = moduleFile('refused.cjs');
    const cacheFile = join(scratch, 'refused.v8cache');
    writeFileSync(cacheFile, Buffer.alloc(4096, 7));
    expect(loadInChild(file, cacheFile)).toBe('rejected 1,4,9');
    expect(loadInChild(file, cacheFile)).toBe('used 1,4,9');
  });

  it('goes without a cache where it cannot write one', () => {
    const dir = mkdtempSync(join(scratch, 'readonly-'));
    const file = moduleFile('readonly.cjs');
    chmodSync(dir, 0o500);
    try {
      const cacheFile = join(dir, 'never.v8cache');
      // Running as root ignores the mode; then the cache is written and used, as elsewhere.
      const first = loadInChild(file, cacheFile);
      expect(first).toBe('none 1,4,9');
      expect(loadInChild(file, cacheFile)).toBe(existsSync(cacheFile) ? 'used 1,4,9' : 'none 1,4,9');
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('the package entry', () => {
  it('names the runtime cache by a digest of the runtime, so a cache never meets other code', () => {
    const entry = readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8');
    const digest = createHash('sha256').update(readFileSync(join(ROOT, 'dist', 'runtime.cjs'), 'utf8')).digest('hex').slice(0, 16);
    expect(entry).toContain(`./runtime-${digest}.v8cache`);
  });
});

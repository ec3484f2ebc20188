/**
 * Loads a CommonJS bundle with a V8 code cache beside it. Every rank loads the whole
 * runtime at start-up; with the code its first run compiled already in the cache, a
 * rank skips most of that compilation (-n 32 on two cores: 3.8 → 3.5 s of CPU for the job).
 *
 * V8 checks a cache only against the source's length, V8's version and its flags, so
 * the cache file is named by a digest of the source, which the build computes: a
 * cache can never be applied to other code. A cache V8 refuses (another Node, other
 * flags) is ignored, and rewritten by the process that saves caches.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { writeFileAtomically } from '../atomicWrite.js';

/** How a load went, for tests. */
export interface Loaded {
  exports: unknown;
  /** 'used' when V8 took the cache, 'rejected' when it refused one, 'none' when there was none. */
  cache: 'used' | 'rejected' | 'none';
}

/** A cache this much larger than the one read is written in its place. */
const GROWTH_TO_REWRITE = 1.1;

/**
 * Runs the CommonJS file `file` (which must not use dynamic `import()`) and returns its
 * exports. With `cacheFile`, compiled code is read from there. With `saveCache` too, when
 * the process is about to exit, the code it has compiled by then (what it read from the
 * cache included) is written there if there was no usable cache or if it holds over a
 * tenth more: the cache grows to cover what programs use, not only what the first one
 * did. Serializing takes ~1-2 ms. Writing fails silently (a read-only install simply
 * goes without).
 */
export function loadWithCodeCache(file: string, cacheFile: string | null, saveCache: boolean): Loaded {
  const cachedData = cacheFile ? readIfPresent(cacheFile) : undefined;
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const body = script.runInThisContext() as (e: unknown, r: NodeRequire, m: typeof module, f: string, d: string) => void;
  body(module.exports, createRequire(file), module, file, dirname(file));
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  if (cacheFile && saveCache) {
    const usableBytes = cache === 'used' ? cachedData!.length : 0;
    process.once('beforeExit', () => {
      const data = script.createCachedData();
      if (data.length > usableBytes * GROWTH_TO_REWRITE) writeQuietly(cacheFile, data);
    });
  }
  return { exports: module.exports, cache };
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** A cache is an optimization: a read-only or full disk simply goes without one. */
function writeQuietly(path: string, data: Buffer): void {
  try {
    writeFileAtomically(path, data);
  } catch {
    // nothing to do
  }
}

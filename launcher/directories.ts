/**
 * Creating a directory and its missing parents, as `mkdir -p` does.
 *
 * Node 20's own `mkdirSync(path, { recursive: true })` never returns where the kernel
 * answers ENOENT for a directory whose parent exists (under /proc, for one): it retries
 * the parent, finds it, and tries the child again, forever. This walks up once to the
 * first directory that exists and creates the rest downwards, so any refusal is thrown.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Creates `path` and any missing parents with `mode`; an existing directory is fine. */
export function makeDirectories(path: string, mode = 0o777): void {
  const missing: string[] = [];
  let dir = resolve(path);
  while (!createdOrPresent(dir, mode)) {
    const parent = dirname(dir);
    if (parent === dir) break;
    missing.push(dir);
    dir = parent;
  }
  // Another process may make a level meanwhile (two jobs with one new --output-dir).
  for (const child of missing.reverse()) if (!createdOrPresent(child, mode)) mkdirSync(child, { mode });
}

/** Whether `dir` now exists as a directory; false when its parent is missing. */
function createdOrPresent(dir: string, mode: number): boolean {
  try {
    mkdirSync(dir, { mode });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return true;
    throw err;
  }
}

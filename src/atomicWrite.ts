/**
 * Writing a file so that readers see the old file or the new one, never part of one:
 * several jobs (or several ranks) may write the same cache file at once.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `data` to `path` through a temporary file beside it and a rename; the temporary file goes if that fails. */
export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  // Not the pid alone: processes in different containers may share the directory.
  const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

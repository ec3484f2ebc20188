/**
 * What a failing rank prints, and what it tells tsmpiexec: the error and where in the
 * program it happened, without tsmpi's own stack frames in the way.
 */
import { dirname } from 'node:path';
import { MpiError } from '../errors.js';

/** The first line of an error, as the launcher names the cause ("TypeError: …"). */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0];
}

/** Whether `err` is another rank's failure, as the progress engine raises it. */
export function isPeerFailure(err: unknown): err is MpiError {
  return err instanceof MpiError && err.errorClass === 'ERR_PROC_FAILED';
}

/**
 * The whole text of an error for stderr: its message and the program's own stack
 * frames. tsmpi's frames are left out where the program has any (an MpiError's stack
 * is mostly argument checks and the progress engine); an error with no frame of the
 * program's is shown whole. Another rank's failure is one line: its stack never shows
 * a line of the program, and tsmpiexec names the rank, host and cause.
 */
export function errorText(err: unknown): string {
  if (isPeerFailure(err)) return firstLine(err);
  if (!(err instanceof Error) || err.stack === undefined) return String(err);
  const lines = err.stack.split('\n');
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  if (firstFrame < 0 || OWN_DIR === undefined) return err.stack;
  const frames = lines.slice(firstFrame);
  const programs = frames.filter((frame) => !frame.includes(OWN_DIR!) && !frame.includes('(node:internal/'));
  return programs.length === 0 ? err.stack : [...lines.slice(0, firstFrame), ...programs].join('\n');
}

const FRAME = /^\s+at /;

/** The directory tsmpi's code runs from (dist/ when installed), with a trailing slash. */
const OWN_DIR = ownDirectory();

function ownDirectory(): string | undefined {
  const frame = new Error().stack?.split('\n').find((line) => FRAME.test(line));
  const file = frame && /\(?(?:file:\/\/)?(\/[^():]+):\d+:\d+\)?$/.exec(frame)?.[1];
  return file ? `${dirname(file)}/` : undefined;
}

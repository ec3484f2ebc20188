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
  return OWN_DIR === undefined ? err.stack : withProgramFramesOnly(err.stack, OWN_DIR);
}

/**
 * `stack` without the frames of code under `ownDir` (and Node's), when it has frames
 * of the program's own: a frame that names a file outside `ownDir`. Without any, the
 * stack is returned whole, so an error inside tsmpi still shows where it happened.
 */
export function withProgramFramesOnly(stack: string, ownDir: string): string {
  const lines = stack.split('\n');
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  if (firstFrame < 0) return stack;
  const frames = lines.slice(firstFrame);
  const isOwn = (frame: string) => frame.includes(ownDir);
  if (!frames.some((frame) => !isOwn(frame) && PROGRAM_FILE.test(frame))) return stack;
  // Node's own frames (node:events, <anonymous>, native) stay only between the program's.
  const kept = frames.filter((frame) => !isOwn(frame) && !/\(node:internal\/|at node:internal\//.test(frame));
  return [...lines.slice(0, firstFrame), ...kept].join('\n');
}

const FRAME = /^\s+at /;
/** A frame in a file: `/path/file.ts:12:5` or `file:///path/file.ts:12:5` (in parentheses or not). */
const PROGRAM_FILE = /(?:\(|at )(?:file:\/\/)?\/[^()]*:\d+:\d+\)?$/;

/** The directory tsmpi's code runs from (dist/ when installed), with a trailing slash. */
const OWN_DIR = ownDirectory();

function ownDirectory(): string | undefined {
  const frame = new Error().stack?.split('\n').find((line) => FRAME.test(line));
  const file = frame && /\(?(?:file:\/\/)?(\/[^():]+):\d+:\d+\)?$/.exec(frame)?.[1];
  return file ? `${dirname(file)}/` : undefined;
}

/**
 * Forwards rank output line by line, so two ranks never interleave inside one line,
 * optionally prefixing each line with the rank or writing it to per-rank files.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { makeDirectories } from './directories.js';

export interface OutputOptions {
  tag: boolean;
  outputDir: string | null;
  /** Called with each non-empty line the rank writes to stderr. */
  onErrorLine?: (line: string) => void;
  /** Lines of the rank's stderr that are not passed on (nor to onErrorLine). */
  dropErrorLine?: (line: string) => boolean;
}

const NEWLINE = 0x0a;

/** Per output target, the forwarder whose line was written in part and is still open there. */
const openLines = new WeakMap<Writable, LineForwarder>();

/** Paused rank streams, waiting for their target to drain; and whether holding back has stopped. */
const heldBack = new Set<Readable>();
let holdingBackStopped = false;

/**
 * The job is being stopped: rank output is no longer held back for a slow reader (a
 * pager the user has not scrolled would otherwise keep stopped ranks' pipes, and the
 * launcher, waiting). What they wrote still goes out, buffered.
 */
export function stopHoldingBack(): void {
  holdingBackStopped = true;
  for (const stream of heldBack) stream.resume();
  heldBack.clear();
}

/**
 * A line still unterminated this long after its first byte is written as far as it
 * goes: a prompt ("name? ") or a progress bar redrawn with "\r" shows at once, at the
 * risk of another rank's line landing inside it, as with mpiexec.
 */
export const PARTIAL_LINE_MS = 100;

/**
 * Splits a stream into whole lines and writes each one at once to `out`. Works on bytes,
 * so what a rank writes arrives unchanged, whatever its encoding (a newline byte never
 * occurs inside a UTF-8 character); only `onLine` sees the lines decoded. Without a
 * prefix the bytes are exactly the rank's; with one, an unterminated last line gets a
 * newline, so the next tagged line starts on its own.
 */
export class LineForwarder {
  /** The bytes of the current line not written yet, in the chunks they came in. */
  private partial: Buffer[] = [];
  /** Part of the current line was written already (it stayed unterminated too long). */
  private lineStarted = false;
  /** What was written of the current line, for `onLine`. */
  private startedText = '';
  private partialTimer: NodeJS.Timeout | null = null;
  private readonly prefix: Buffer;

  constructor(
    private readonly out: Writable,
    prefix: string,
    private readonly onLine?: (line: string) => void,
    private readonly drop?: (line: string) => boolean,
  ) {
    this.prefix = Buffer.from(prefix);
  }

  /** Takes a chunk of the rank's output; false when `out` wants the writer to wait for 'drain'. */
  push(chunk: Buffer): boolean {
    const end = chunk.lastIndexOf(NEWLINE);
    if (end < 0) {
      this.partial.push(chunk);
      this.armPartialTimer();
      return !this.needsDrain();
    }
    this.partial.push(chunk.subarray(0, end + 1));
    let whole: Buffer = Buffer.concat(this.partial);
    this.partial = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
    this.clearPartialTimer();
    if (this.partial.length) this.armPartialTimer();
    if (this.drop) whole = withoutLines(whole, this.drop);
    if (whole.length === 0) return !this.needsDrain();
    if (this.onLine) {
      for (const line of (this.startedText + whole.toString('utf8')).split('\n')) if (line.trim()) this.onLine(line);
    }
    const continuing = this.lineStarted;
    this.lineStarted = false;
    this.startedText = '';
    return this.write(this.prefix.length ? prefixEachLine(whole, this.prefix, continuing) : whole);
  }

  /** Writes what is left of an unterminated last line. */
  end(): void {
    this.clearPartialTimer();
    const rest = Buffer.concat(this.partial);
    this.partial = [];
    if (this.drop?.(rest.toString('utf8'))) return;
    const text = this.startedText + rest.toString('utf8');
    if (text.trim()) this.onLine?.(text);
    if (!rest.length && !this.lineStarted) return;
    const head = this.lineStarted ? [] : [this.prefix];
    const tail = this.prefix.length ? [Buffer.of(NEWLINE)] : [];
    this.lineStarted = false;
    this.startedText = '';
    this.write(Buffer.concat([...head, rest, ...tail]));
  }

  /**
   * Writes `bytes`, which end the current line unless `leavesLineOpen`. With a prefix,
   * another rank's line left open on the same target is ended first, so that every
   * line still carries the tag of the rank that wrote it (its rest is tagged again).
   * Output to a stream that failed (a reader that went away) is dropped, and never
   * waited for.
   */
  private write(bytes: Buffer, leavesLineOpen = false): boolean {
    if (this.out.destroyed || this.out.writableEnded) return true;
    const open = openLines.get(this.out);
    if (this.prefix.length && open && open !== this) open.interruptLine();
    if (leavesLineOpen) openLines.set(this.out, this);
    else if (openLines.get(this.out) === this) openLines.delete(this.out);
    return this.out.write(bytes);
  }

  /** Another rank writes where this one's line was left open: the line ends here, and its rest is tagged anew. */
  private interruptLine(): void {
    this.out.write(Buffer.of(NEWLINE));
    this.lineStarted = false;
    openLines.delete(this.out);
  }

  /** The target holds more than it wants (back-pressure), and can still take output at all. */
  private needsDrain(): boolean {
    return this.out.writableNeedDrain && !this.out.destroyed && !holdingBackStopped;
  }

  private armPartialTimer(): void {
    // Lines that srun's own lines are filtered from stay whole: a piece cannot be judged.
    if (this.partialTimer || this.drop) return;
    this.partialTimer = setTimeout(() => this.writePartial(), PARTIAL_LINE_MS);
    this.partialTimer.unref();
  }

  private clearPartialTimer(): void {
    if (this.partialTimer) clearTimeout(this.partialTimer);
    this.partialTimer = null;
  }

  private writePartial(): void {
    this.partialTimer = null;
    if (!this.partial.length) return;
    const piece = Buffer.concat(this.partial);
    this.partial = [];
    if (this.onLine) this.startedText += piece.toString('utf8');
    const bytes = this.lineStarted ? piece : Buffer.concat([this.prefix, piece]);
    this.lineStarted = true;
    this.write(bytes, true);
  }
}

/** `lines` (whole lines, each ending in a newline) without those `drop` picks. */
function withoutLines(lines: Buffer, drop: (line: string) => boolean): Buffer {
  const kept: Buffer[] = [];
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf(NEWLINE, start) + 1;
    const line = lines.subarray(start, end);
    if (!drop(line.subarray(0, line.length - 1).toString('utf8'))) kept.push(line);
    start = end;
  }
  return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
}

/**
 * `lines` (whole lines, each ending in a newline) with `prefix` before each, empty ones
 * too, except the first when it `continues` a line whose start was written already.
 */
function prefixEachLine(lines: Buffer, prefix: Buffer, continues: boolean): Buffer {
  const parts: Buffer[] = [];
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf(NEWLINE, start) + 1;
    if (start > 0 || !continues) parts.push(prefix);
    parts.push(lines.subarray(start, end));
    start = end;
  }
  return Buffer.concat(parts);
}

/** Resolves once `target` drained, or can take no more at all (closed, failed). One listener per target, however many wait. */
const drains = new WeakMap<Writable, Promise<void>>();
function drained(target: Writable): Promise<void> {
  let waiting = drains.get(target);
  if (!waiting) {
    waiting = new Promise<void>((resolve) => {
      const done = (): void => {
        target.off('drain', done);
        target.off('close', done);
        target.off('error', done);
        drains.delete(target);
        resolve();
      };
      target.on('drain', done);
      target.on('close', done);
      target.on('error', done);
    });
    drains.set(target, waiting);
  }
  return waiting;
}

/** Connects a rank's stdout and stderr to the launcher's, or to files under `outputDir`. */
export function forwardRankOutput(rank: number, stdout: Readable, stderr: Readable, opts: OutputOptions): Promise<void> {
  const prefix = opts.tag ? `[${rank}] ` : '';
  let outTarget: Writable = process.stdout;
  let errTarget: Writable = process.stderr;
  const files: WriteStream[] = [];
  if (opts.outputDir) {
    const dir = join(opts.outputDir, `rank.${rank}`);
    makeDirectories(dir);
    outTarget = createWriteStream(join(dir, 'stdout'));
    errTarget = createWriteStream(join(dir, 'stderr'));
    files.push(outTarget as WriteStream, errTarget as WriteStream);
  }
  const pump = (stream: Readable, target: Writable, onLine?: (line: string) => void, drop?: (line: string) => boolean) =>
    new Promise<void>((resolve) => {
      const lines = new LineForwarder(target, prefix, onLine, drop);
      stream.on('data', (chunk: Buffer) => {
        // A reader slower than the ranks holds them up, as with mpiexec: the launcher stops
        // reading the rank's pipe, which fills, so the rank's own output waits in the rank
        // (in its memory: Node writes to pipes without blocking), not in the launcher.
        if (lines.push(chunk) || holdingBackStopped) return;
        stream.pause();
        heldBack.add(stream);
        void drained(target).then(() => {
          heldBack.delete(stream);
          stream.resume();
        });
      });
      stream.on('error', () => {});
      stream.on('close', () => {
        lines.end();
        resolve();
      });
    });
  return Promise.all([pump(stdout, outTarget), pump(stderr, errTarget, opts.onErrorLine, opts.dropErrorLine)]).then(async () => {
    await Promise.all(files.map((f) => new Promise<void>((r) => f.end(r))));
  });
}

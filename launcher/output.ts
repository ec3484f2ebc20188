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

/**
 * Splits a stream into whole lines and writes each one at once to `out`. Works on bytes,
 * so what a rank writes arrives unchanged, whatever its encoding (a newline byte never
 * occurs inside a UTF-8 character); only `onLine` sees the lines decoded.
 */
export class LineForwarder {
  /** The start of the current line, in the chunks it came in (joined once its end comes). */
  private partial: Buffer[] = [];
  private readonly prefix: Buffer;

  constructor(
    private readonly out: Writable,
    prefix: string,
    private readonly onLine?: (line: string) => void,
    private readonly drop?: (line: string) => boolean,
  ) {
    this.prefix = Buffer.from(prefix);
  }

  push(chunk: Buffer): void {
    const end = chunk.lastIndexOf(NEWLINE);
    if (end < 0) {
      this.partial.push(chunk);
      return;
    }
    this.partial.push(chunk.subarray(0, end + 1));
    let whole: Buffer = Buffer.concat(this.partial);
    this.partial = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
    if (this.drop) whole = withoutLines(whole, this.drop);
    if (whole.length === 0) return;
    if (this.onLine) for (const line of whole.toString('utf8').split('\n')) if (line.trim()) this.onLine(line);
    this.out.write(this.prefix.length ? prefixEachLine(whole, this.prefix) : whole);
  }

  /** Writes what is left of an unterminated last line. */
  end(): void {
    const rest = Buffer.concat(this.partial);
    if (rest.length && !this.drop?.(rest.toString('utf8'))) {
      const text = rest.toString('utf8');
      if (text.trim()) this.onLine?.(text);
      this.out.write(Buffer.concat([this.prefix, rest, Buffer.of(NEWLINE)]));
    }
    this.partial = [];
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

/** `lines` (whole lines, each ending in a newline) with `prefix` before each, empty ones too. */
function prefixEachLine(lines: Buffer, prefix: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf(NEWLINE, start) + 1;
    parts.push(prefix, lines.subarray(start, end));
    start = end;
  }
  return Buffer.concat(parts);
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
      stream.on('data', (chunk: Buffer) => lines.push(chunk));
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

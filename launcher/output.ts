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
}

/** Splits a stream into whole lines and writes each one at once to `out`. */
export class LineForwarder {
  private partial = '';

  constructor(
    private readonly out: Writable,
    private readonly prefix: string,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial = text;
      return;
    }
    this.partial = text.slice(end + 1);
    const whole = text.slice(0, end + 1);
    if (this.onLine) for (const line of whole.split('\n')) if (line.trim()) this.onLine(line);
    this.out.write(this.prefix ? whole.replace(/^(?=.)/gm, this.prefix).replace(/^(?=\n)/gm, this.prefix) : whole);
  }

  /** Writes what is left of an unterminated last line. */
  end(): void {
    if (this.partial) {
      if (this.partial.trim()) this.onLine?.(this.partial);
      this.out.write(this.prefix + this.partial + '\n');
    }
    this.partial = '';
  }
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
  const pump = (stream: Readable, target: Writable, onLine?: (line: string) => void) =>
    new Promise<void>((resolve) => {
      const lines = new LineForwarder(target, prefix, onLine);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => lines.push(chunk));
      stream.on('error', () => {});
      stream.on('close', () => {
        lines.end();
        resolve();
      });
    });
  return Promise.all([pump(stdout, outTarget), pump(stderr, errTarget, opts.onErrorLine)]).then(async () => {
    await Promise.all(files.map((f) => new Promise<void>((r) => f.end(r))));
  });
}

/** LineForwarder: whole lines at once, byte for byte, with an optional prefix on each. */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { LineForwarder, PARTIAL_LINE_MS } from '../../launcher/output.js';

function collector(): { out: Writable; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(Buffer.from(chunk));
      done();
    },
  });
  return { out, writes };
}

const flushed = (w: Writable) => new Promise((resolve) => w.end(resolve));

describe('LineForwarder', () => {
  it('writes only whole lines, each write ending in a newline, and the unterminated rest at the end as it is', async () => {
    const { out, writes } = collector();
    const f = new LineForwarder(out, '');
    for (const piece of ['hel', 'lo\nwor', 'ld\n\nta', 'il']) f.push(Buffer.from(piece));
    f.end();
    await flushed(out);
    // Byte for byte: no newline is added to the rank's last line.
    expect(writes.map((w) => w.toString())).toEqual(['hello\n', 'world\n\n', 'tail']);
  });

  it('writes a line left unterminated for a while (a prompt), and continues it without a second prefix', async () => {
    vi.useFakeTimers();
    try {
      const { out, writes } = collector();
      const seen: string[] = [];
      const f = new LineForwarder(out, '[0] ', (line) => seen.push(line));
      f.push(Buffer.from('name? '));
      expect(writes).toEqual([]);
      vi.advanceTimersByTime(PARTIAL_LINE_MS);
      expect(writes.map(String)).toEqual(['[0] name? ']);
      f.push(Buffer.from('alice\nnext\npartial'));
      f.end();
      expect(writes.map(String)).toEqual(['[0] name? ', 'alice\n[0] next\n', '[0] partial\n']);
      expect(seen).toEqual(['name? alice', 'next', 'partial']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('with tags, a line another rank interrupts ends there, and its rest is tagged again', () => {
    vi.useFakeTimers();
    try {
      const { out, writes } = collector();
      const [zero, one] = [new LineForwarder(out, '[0] '), new LineForwarder(out, '[1] ')];
      zero.push(Buffer.from('name? '));
      vi.advanceTimersByTime(PARTIAL_LINE_MS);
      one.push(Buffer.from('hi\n'));
      zero.push(Buffer.from('alice\n'));
      expect(Buffer.concat(writes).toString()).toBe('[0] name? \n[1] hi\n[0] alice\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('says when the target is full for output without newlines too', () => {
    const slow = new Writable({ highWaterMark: 4, write: (_chunk, _enc, done) => setTimeout(done, 10) });
    const f = new LineForwarder(slow, '');
    expect(f.push(Buffer.from('0123456789\n'))).toBe(false);
    expect(f.push(Buffer.from('\r progress 10 %'))).toBe(false);
  });

  it('says when the target is full, and drops output for a target that failed instead of waiting', () => {
    const slow = new Writable({ highWaterMark: 4, write: (_chunk, _enc, done) => setTimeout(done, 10) });
    const f = new LineForwarder(slow, '');
    expect(f.push(Buffer.from('0123456789\n'))).toBe(false);
    const gone = new Writable({ write: (_chunk, _enc, done) => done() });
    gone.destroy();
    expect(new LineForwarder(gone, '').push(Buffer.from('lost\n'))).toBe(true);
  });

  it('joins a long line that came in many chunks once, in one write', async () => {
    const { out, writes } = collector();
    const f = new LineForwarder(out, '');
    for (let i = 0; i < 20_000; i++) f.push(Buffer.from('x'));
    f.push(Buffer.from('\nnext'));
    f.end();
    await flushed(out);
    expect(writes.map((w) => w.length)).toEqual([20_001, 4]);
    expect(writes[0]!.toString()).toBe('x'.repeat(20_000) + '\n');
  });

  it('passes bytes through unchanged: invalid UTF-8, NUL, and a character split between chunks', async () => {
    const { out, writes } = collector();
    const f = new LineForwarder(out, '');
    const euro = Buffer.from('€\n'); // e2 82 ac 0a
    f.push(Buffer.of(0xff, 0x00, 0x80, 0x0a));
    f.push(euro.subarray(0, 1));
    f.push(euro.subarray(1));
    f.end();
    await flushed(out);
    expect(Buffer.concat(writes)).toEqual(Buffer.concat([Buffer.of(0xff, 0x00, 0x80, 0x0a), euro]));
  });

  it('prefixes every line, empty ones too, and hands each non-blank line to onLine decoded', async () => {
    const { out, writes } = collector();
    const seen: string[] = [];
    const f = new LineForwarder(out, '[3] ', (line) => seen.push(line));
    f.push(Buffer.from('a\n\n  \nb'));
    f.push(Buffer.from('€ c'));
    f.end();
    await flushed(out);
    expect(Buffer.concat(writes).toString()).toBe('[3] a\n[3] \n[3]   \n[3] b€ c\n');
    expect(seen).toEqual(['a', 'b€ c']);
  });
});

describe('LineForwarder dropping lines', () => {
  it('leaves out the lines `drop` picks, across chunks and at the end, and keeps the rest byte for byte', async () => {
    const { out, writes } = collector();
    const seen: string[] = [];
    const f = new LineForwarder(out, '', (line) => seen.push(line), (line) => line.startsWith('srun: error:'));
    for (const piece of ['keep \xff\n', 'srun: error: n1: ta', 'sk 0: Killed\nalso kept\n', 'srun: error: at the end']) f.push(Buffer.from(piece, 'latin1'));
    f.end();
    await flushed(out);
    expect(Buffer.concat(writes).toString('latin1')).toBe('keep \xff\nalso kept\n');
    expect(seen).toEqual(['keep \ufffd', 'also kept']);
  });
});

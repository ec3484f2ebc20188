import { describe, expect, it } from 'vitest';
import { program, TRANSPORTS, tsmpiexec } from '../helpers/tsmpiexec.js';

const CHECKS = [
  'ring of every value kind',
  'ANY_SOURCE fan-in with Status',
  '1000 un-awaited sends arrive in call order',
  '0 B, 64 KiB, eager-limit and 16 MiB typed arrays intact',
  'ssend completes only after the matching receive',
  'cancel of an unmatched irecv',
  'PROC_NULL',
  'probe and iprobe',
  'error classes for bad rank, tag and value',
  'self send',
  'recvInto: sizes, one buffer for a window, shorter, too long (with its status), wrong kind, count, cancel, self, PROC_NULL, bad buffers',
];

describe.each(TRANSPORTS)('point-to-point over $name', ({ env }) => {
  it.each([1, 2, 3, 5, 8])('passes every check with -n %i', async (n) => {
    const r = await tsmpiexec(['-n', String(n), program('p2p-suite.ts')], { env, timeoutMs: 120_000 });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(CHECKS.map((c) => `ok ${c}`));
  });

  it('a flood of 1 GiB to a receiver that waits 5 s arrives whole without growing its memory', async () => {
    const r = await tsmpiexec(['-n', '2', program('flood.ts')], { env, timeoutMs: 120_000 });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    const { bytes, peakMB } = JSON.parse(r.stdout.trim());
    expect(bytes).toBe(1 << 30);
    expect(peakMB).toBeLessThan(300);
  });
});

describe('a rank busy in its own code before its first message', () => {
  // Longer than the listener's 5 s handshake timeout, and than the 10 s a connecting rank
  // once waited for an answer: both used to fail the job, blaming the other rank.
  it.each([
    ['sender', 6000, 'unix'],
    ['receiver', 11000, 'tcp'],
  ] as const)('only delays the message (%s computes %i ms, %s)', async (who, ms, transport) => {
    const env = TRANSPORTS.find((t) => t.name === transport)!.env;
    const r = await tsmpiexec(['-n', '2', '--timeout', '60', program('busy-first.ts'), who, String(ms)], { env, timeoutMs: 90_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`rank 1 got hello 2 after ${who} computed ${ms} ms`);
    expect(r.stderr).not.toMatch(/failed|ERR_/);
  });
});

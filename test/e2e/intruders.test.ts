/**
 * Intruders against a live job: rank 0 of test/programs/intruder-attack.ts attacks the
 * coordinator (in tsmpiexec) and rank 1 with handshakes lacking the secret or carrying
 * a wrong secret, a forged proof, a proof made for another endpoint or a replayed one,
 * and with raw sockets sending garbage, half a request or nothing. Every attempt must
 * be refused (HTTP 401, or the connection closed without a WebSocket), be logged on
 * tsmpiexec's stderr, and leave the job unharmed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { program, tsmpiexec, TRANSPORTS, type RunResult } from '../helpers/tsmpiexec.js';
import type { Outcome } from '../programs/intruder-attack.js';

interface Report {
  transport: string;
  outcomes: Outcome[];
  jobDirMode: string;
  jobDirEntries: string[];
  tcpListeners: { ranks: Array<Array<{ address: string; port: number }>>; launcher: Array<{ address: string; port: number }> };
  cmdlines: { checked: number; leaks: number[] };
  secretVisibleAfterInit: boolean;
}

function reportOf(r: RunResult): Report {
  const line = r.stdout.split('\n').find((l) => l.startsWith('INTRUDER '));
  if (!line) throw new Error(`no report from the intruder; exit ${r.exitCode}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(line.slice('INTRUDER '.length)) as Report;
}

/** The refusal log lines of one endpoint: tsmpiexec's own (coordinator) or rank 1's. */
function refusals(stderr: string, target: string): string[] {
  const prefix = target === 'coordinator' ? /^tsmpiexec: refused a connection from / : /^tsmpi: rank 1 refused a connection from /;
  return stderr.split('\n').filter((l) => prefix.test(l));
}

const TARGETS = ['coordinator', 'rank:1'];
const CREDENTIAL_ATTACKS = ['no credentials', 'wrong secret', 'forged proof', 'other endpoint', 'replay'];

describe.each(TRANSPORTS)('intruders against a live job of 3 ranks ($name)', ({ name, env }) => {
  let r: RunResult;
  let report: Report;
  const outcome = (attack: string, target: string): Outcome => {
    const o = report.outcomes.find((x) => x.attack === attack && x.target === target);
    if (!o) throw new Error(`no outcome for ${attack} against ${target}`);
    return o;
  };

  beforeAll(async () => {
    r = await tsmpiexec(['-n', '3', program('intruder-attack.ts')], { env, timeoutMs: 90_000 });
    report = reportOf(r);
  }, 100_000);

  it('the job goes on unharmed: ring and allreduce afterwards, exit code 0', () => {
    expect(r.exitCode, r.stderr).toBe(0);
    for (let rank = 0; rank < 3; rank++) expect(r.stdout).toContain(`rank ${rank}: ring and allreduce ok after the intruder`);
    // Nothing on stderr but the refusals: no rank complained or failed.
    const other = r.stderr.split('\n').filter((l) => l && !/refused a connection/.test(l));
    expect(other).toEqual([]);
    expect(report.transport).toBe(name);
  });

  it.each(TARGETS)('refuses handshakes without a correct, fresh proof with HTTP 401 (%s)', (target) => {
    for (const attack of CREDENTIAL_ATTACKS) {
      const o = outcome(attack, target);
      expect(o, `${attack} against ${target}`).toMatchObject({ opened: false, status: 401 });
    }
  });

  it.each(TARGETS)('refuses the first use of a handshake for a client that does not exist (%s)', (target) => {
    // Authenticated, so a WebSocket may open, but the server closes it at once (we wait 3 s).
    const o = outcome('replay (first use)', target);
    expect(o.closedByServer).toBe(true);
    expect(o.ms).toBeLessThan(3000);
  });

  it.each(TARGETS)('answers garbage and plain HTTP without a WebSocket (%s)', (target) => {
    const garbage = outcome('garbage', target);
    expect(garbage.opened).toBe(false);
    expect(garbage.closedByServer).toBe(true);
    if (garbage.status !== undefined) expect(garbage.status).toBeGreaterThanOrEqual(400);
    const plain = outcome('plain http', target);
    expect(plain.opened).toBe(false);
    expect(plain.status).toBe(404);
  });

  it.each(TARGETS)('drops a client that sends nothing, or half a request, after the handshake timeout (%s)', (target) => {
    for (const attack of ['silent', 'half request']) {
      const o = outcome(attack, target);
      expect(o.opened, attack).toBe(false);
      expect(o.closedByServer, `${attack}: closed by the server`).toBe(true);
      // The timeout is ~5 s: not dropped at once, and well before we would give up (15 s).
      expect(o.ms, attack).toBeGreaterThan(3000);
      expect(o.ms, attack).toBeLessThan(8000);
    }
  });

  it.each(TARGETS)('logs every refusal on the launcher stderr, naming the reason (%s)', (target) => {
    const lines = refusals(r.stderr, target);
    const count = (reason: string) => lines.filter((l) => l.endsWith(`: ${reason}`)).length;
    expect(count('no credentials')).toBe(1);
    expect(count('wrong secret')).toBe(2); // the wrong secret and the forged proof
    expect(count(`credentials are for "${target === 'coordinator' ? 'rank:1' : 'rank:2'}"`)).toBe(1);
    expect(count('replayed handshake')).toBe(1);
    // silent and half request; the plain HTTP request's idle keep-alive connection is
    // usually dropped by the same timer too (or by Node's keep-alive timeout, unlogged).
    expect(count('no handshake within the timeout')).toBeGreaterThanOrEqual(2);
    expect(count('no handshake within the timeout')).toBeLessThanOrEqual(3);
    if (target === 'coordinator') expect(count('unexpected client "rank:99"')).toBe(1);
    // Each line names where the connection came from. (The coordinator's "unexpected
    // client" line names "coordinator" instead of the peer: coordinator.ts accept().)
    const remote = name === 'tcp' ? /from 127\.0\.0\.1:\d+: / : /from unix socket: /;
    for (const l of lines) if (!/unexpected client/.test(l)) expect(l).toMatch(remote);
  });

  it('keeps the job directory private (0700) and the secret off every command line', () => {
    expect(report.jobDirMode).toBe('700');
    if (name === 'unix') expect(report.jobDirEntries.sort()).toEqual(['coordinator.sock', 'r0.sock', 'r1.sock', 'r2.sock']);
    expect(report.cmdlines.checked).toBeGreaterThan(3);
    expect(report.cmdlines.leaks).toEqual([]);
    expect(report.secretVisibleAfterInit).toBe(false);
  });

  it('listens on TCP only where the job uses it, and only on the job address', () => {
    const all = [...report.tcpListeners.ranks.flat(), ...report.tcpListeners.launcher];
    if (name === 'unix') {
      expect(all).toEqual([]);
    } else {
      for (const ranks of report.tcpListeners.ranks) expect(ranks).toHaveLength(1);
      expect(report.tcpListeners.launcher).toHaveLength(1);
      for (const l of all) expect(l.address).toBe('127.0.0.1');
    }
  });
});

describe('intruders that the runtime does not withstand yet', () => {
  // Node hands header bytes 0x80-0xFF over as latin1 characters, so a proof of the right
  // length in characters can be a different length in bytes: it must be refused (401),
  // not crash the comparison.
  it.each(['rank:1', 'coordinator'])('refuses a proof with a non-ASCII byte with 401, and the job goes on (%s)', async (target) => {
    const r = await tsmpiexec(['-n', '3', program('intruder-attack.ts'), 'latin1-proof', target]);
    expect(r.exitCode, r.stderr).toBe(0);
    const o = reportOf(r).outcomes[0]!;
    expect(o).toMatchObject({ opened: false, status: 401 });
    expect(refusals(r.stderr, target)).toHaveLength(1);
  });

  // Bytes that are not HTTP are refused like every other bad client, and logged.
  it('logs a connection that sends garbage instead of HTTP', async () => {
    const r = await tsmpiexec(['-n', '3', program('intruder-attack.ts'), 'garbage']);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const o of reportOf(r).outcomes) expect(o.opened).toBe(false);
    expect(refusals(r.stderr, 'coordinator')).toHaveLength(1);
    expect(refusals(r.stderr, 'rank:1')).toHaveLength(1);
  });
});

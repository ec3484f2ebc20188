// Jobs across two "hosts" (127.0.0.2 and 127.0.0.3) reached over a real sshd.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSH_HOSTS, sshdMissing, startSshd, type Sshd } from '../helpers/sshd.js';
import { program, tsmpiexec } from '../helpers/tsmpiexec.js';

const missing = sshdMissing();
if (missing) console.warn(`skipping multi-host tests: ${missing}`);

interface Report {
  rank: number;
  host: string;
  hosts: string[];
  transports: string[];
  total: number;
  sharedSize: number;
  localRank: string;
  localSize: string;
  x: string | null;
  digestOk: boolean | null;
}

function reports(stdout: string): Report[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Report)
    .sort((a, b) => a.rank - b.rank);
}

describe.skipIf(missing !== null)('several hosts over ssh', () => {
  let sshd: Sshd;
  const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-multihost-'));
  beforeAll(() => {
    sshd = startSshd();
  });
  afterAll(() => {
    sshd?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  const hostArg = () => ['--ssh', sshd.sshCommand, '--host', SSH_HOSTS.map((h) => `${h}:2`).join(',')];

  it('runs hello, ring, allreduce and a 16 MiB message across two hosts, Unix within a host and TCP across', async () => {
    const r = await tsmpiexec([...hostArg(), '-n', '4', '-x', 'TSMPI_TEST_VAR=over ssh', program('multihost.ts')]);
    expect(tsmpiErrors(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    const all = twoRanksOnEachHost(r.stdout);
    for (const a of all) {
      expect(a.total).toBe(10);
      expect(a.x).toBe('over ssh');
      expect(a.localRank).toBe(String(a.rank % 2));
      expect(a.localSize).toBe('2');
    }
    expect(all[3].digestOk).toBe(true);
    const ring = await tsmpiexec([...hostArg(), '-n', '4', 'examples/ring.ts', '2']);
    expect(ring.exitCode).toBe(0);
    expect(ring.stdout).toContain('lap 1: token came back after 3 hops (expected 3)');
  });

  it('keeps the secret off every command line, ssh included', async () => {
    const r = await tsmpiexec([...hostArg(), '-n', '4', program('secret.ts')]);
    expect(tsmpiErrors(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (let rank = 0; rank < 4; rank++) expect(r.stdout).toMatch(new RegExp(`rank ${rank}: secret on none of \\d+ command lines`));
  });

  it('--tls encrypts the job: wss everywhere, no plaintext answers, and the job still works', async () => {
    const r = await tsmpiexec([...hostArg(), '--tls', '-n', '4', program('tls-check.ts')]);
    // The only complaint: the plaintext probe, refused and logged.
    expect(tsmpiErrors(r.stderr)).toEqual([expect.stringMatching(/^tsmpiexec: refused a connection from .*: malformed request/)]);
    expect(r.exitCode).toBe(0);
    const all = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => (a.rank as number) - (b.rank as number));
    expect(all.map((a) => a.scheme)).toEqual(['wss', 'wss', 'wss', 'wss']);
    expect(all.every((a) => a.total === 6)).toBe(true);
    expect(all[0].plaintextGotHttp).toBe(false);
    expect(all[3].bigOk).toBe(true);
  });

  it('maps by node and reads an Open MPI hostfile', async () => {
    const file = join(scratch, 'hosts');
    writeFileSync(file, `# two hosts\n${SSH_HOSTS[0]} slots=2\n\n${SSH_HOSTS[1]} slots=2 max_slots=4\n`);
    const r = await tsmpiexec(['--ssh', sshd.sshCommand, '--hostfile', file, '--map-by', 'node', '-n', '3', program('multihost.ts')]);
    expect(r.exitCode).toBe(0);
    expect(reports(r.stdout).map((a) => a.host)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.2']);
  });

  it('reads user@host hostfile lines: ssh logs in as that user, and the ranks know the host', async () => {
    const file = join(scratch, 'hosts-with-user');
    const user = userInfo().username;
    writeFileSync(file, `${user}@${SSH_HOSTS[0]} slots=2\n${user}@${SSH_HOSTS[1]} slots=2\n`);
    const r = await tsmpiexec(['--ssh', sshd.sshCommand, '--hostfile', file, '-n', '4', program('multihost.ts')]);
    expect(tsmpiErrors(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    twoRanksOnEachHost(r.stdout);
  });

  it('runs inside a PBS job from $PBS_NODEFILE', async () => {
    const nodefile = join(scratch, 'pbs_nodefile');
    writeFileSync(nodefile, [SSH_HOSTS[0], SSH_HOSTS[0], SSH_HOSTS[1], SSH_HOSTS[1]].join('\n') + '\n');
    const r = await tsmpiexec(['--ssh', sshd.sshCommand, program('multihost.ts')], {
      env: { PBS_NODEFILE: nodefile, PBS_JOBID: '1.test' },
    });
    expect(r.exitCode).toBe(0);
    const all = reports(r.stdout);
    expect(all).toHaveLength(4);
    expect(all.map((a) => a.host)).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3']);
  });

  it('a remote rank that fails ends the job, naming the rank and its host', async () => {
    const r = await tsmpiexec([...hostArg(), '-n', '4', program('fail.ts'), 'exit', '3', '7']);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/rank 3 on 127\.0\.0\.3 exited with code 7/);
  });

  it('a remote rank killed by a signal is named so, the job exits 128 + N, and no job directory stays on any host', async () => {
    const before = remoteJobDirs();
    const r = await tsmpiexec([...hostArg(), '-n', '4', program('fail.ts'), 'kill', '3']);
    expect(r.exitCode, r.stderr).toBe(137);
    expect(r.stderr).toMatch(/rank 3 on 127\.0\.0\.3 was killed by signal SIGKILL/);
    // The remote shell that waits for the rank says nothing of its own ("Killed").
    expect(r.stderr).not.toMatch(/^Killed$/m);
    expect(tsmpiErrors(r.stderr), r.stderr).toEqual([expect.stringMatching(/^tsmpiexec: rank 3 on 127\.0\.0\.3 was killed by signal SIGKILL$/)]);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && remoteJobDirs().some((d) => !before.includes(d))) await new Promise((res) => setTimeout(res, 100));
    expect(remoteJobDirs().filter((d) => !before.includes(d))).toEqual([]);
  });

  it('a remote program that throws before init is named as the program failing, not ssh', async () => {
    const early = join(scratch, 'early.mjs');
    writeFileSync(early, "throw new Error('boom before init');\n");
    const r = await tsmpiexec([...hostArg(), '-n', '2', early]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/rank \d on 127\.0\.0\.2 exited with code 1: Error: boom before init/);
    expect(r.stderr).not.toContain('could not be started');
  });

  it('Ctrl-C in the terminal (to the whole process group) reports what the ranks wait on and exits 130', async () => {
    const marker = `tsmpi-marker-${randomBytes(6).toString('hex')}`;
    // As a shell's foreground job: tsmpiexec leads its own process group, and Ctrl-C
    // reaches every process in it, ssh clients included unless they are in one of their own.
    const args = [...hostArg(), '-n', '4', program('multihost.ts'), marker, '60000'].map((a) => `'${a}'`).join(' ');
    const job = execa('sh', ['-c', `setsid "${process.execPath}" bin/tsmpiexec.js ${args} & echo $!; wait $!`], { reject: false, timeout: 60_000 });
    let pid = 0;
    job.stdout!.on('data', (chunk: Buffer) => (pid ||= Number(chunk.toString().split('\n')[0])));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await countProcesses(marker)) < 4) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 500));
    expect(pid).toBeGreaterThan(0);
    process.kill(-pid, 'SIGINT');
    const result = await job;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toContain('received SIGINT; stopping all ranks. What each rank was waiting on:');
    expect(result.stderr).not.toMatch(/exited with code 255/);
  });

  it('Ctrl-C leaves no process of the job on any host', async () => {
    const marker = `tsmpi-marker-${randomBytes(6).toString('hex')}`;
    const job = execa(process.execPath, ['bin/tsmpiexec.js', ...hostArg(), '-n', '4', program('multihost.ts'), marker, '60000'], {
      reject: false,
    });
    const deadline = Date.now() + 20_000;
    let running = 0;
    while (Date.now() < deadline) {
      running = await countProcesses(marker);
      if (running >= 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(running).toBeGreaterThanOrEqual(4);
    job.kill('SIGINT');
    const result = await job;
    expect(result.exitCode).toBe(130);
    const gone = Date.now() + 5000;
    while (Date.now() < gone && (await countProcesses(marker)) > 0) await new Promise((r) => setTimeout(r, 100));
    expect(await countProcesses(marker)).toBe(0);
  });

  it('an unreachable host fails the job within 15 s, naming it', async () => {
    const r = await tsmpiexec(['--ssh', sshd.sshCommand, '--host', `${SSH_HOSTS[0]}:1,127.0.0.9:1`, '-n', '2', program('multihost.ts')]);
    expect(r.exitCode).not.toBe(0);
    expect(r.durationMs).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/rank 1 on 127\.0\.0\.9 could not be started over ssh: .*127\.0\.0\.9/);
  });

  it("a refused login is named by ssh's reason, not by a warning printed before it", async () => {
    const port = /-p (\d+)/.exec(sshd.sshCommand)![1];
    // No LogLevel=ERROR: ssh warns that the identity file is missing and that it added the host key.
    const ssh = `ssh -p ${port} -i ${join(scratch, 'no-such-key')} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes`;
    const r = await tsmpiexec(['--ssh', ssh, '--host', `${SSH_HOSTS[0]}:1`, '-n', '1', program('multihost.ts')]);
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/rank 0 on 127\.0\.0\.2 could not be started over ssh: .*Permission denied/);
  });

  it('a missing node binary on the remote host is reported with the host', async () => {
    const r = await tsmpiexec([...hostArg(), '--node', '/nonexistent/node', '-n', '2', program('multihost.ts')]);
    expect(r.exitCode).not.toBe(0);
    expect(r.durationMs).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/rank \d on 127\.0\.0\.\d could not be started over ssh: .*\/nonexistent\/node/);
  });
});

/**
 * The reports of a 4-rank job placed two per host, checked for what that placement
 * means: the hosts in rank order, shared-memory groups of two, and Unix sockets within
 * a host, TCP across.
 */
function twoRanksOnEachHost(stdout: string): Report[] {
  const all = reports(stdout);
  expect(all.map((a) => a.host)).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3']);
  for (const a of all) {
    expect(a.sharedSize).toBe(2);
    expect(a.transports).toEqual(a.hosts.map((h, peer) => (peer === a.rank ? 'self' : h === a.host ? 'unix' : 'tcp')));
  }
  return all;
}

/** The job directories of ranks on "other hosts" (/tmp/tsmpi-XXXXXX-hN) that exist now. */
function remoteJobDirs(): string[] {
  return readdirSync('/tmp').filter((f) => /^tsmpi-.{6}-h\d+$/.test(f));
}

/**
 * Lines tsmpi or a rank wrote to stderr. The remote login shell may print noise of
 * its own (sshd makes bash read ~/.bashrc), which says nothing about tsmpi.
 */
function tsmpiErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^(tsmpiexec|tsmpi):|^\[rank \d+\]/.test(l));
}

/** Rank processes (node running the boot script) whose command line carries `marker`. */
async function countProcesses(marker: string): Promise<number> {
  const r = await execa('pgrep', ['-f', '-c', `rank-boot\\.js.*${marker}`], { reject: false });
  return Number(r.stdout.trim() || '0');
}

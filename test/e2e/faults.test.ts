// Hangs explain themselves, and nothing outlives a job that is stopped.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, program, ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';

async function countRanks(marker: string): Promise<number> {
  const r = await execa('pgrep', ['-f', '-c', `\\.mjs ${marker}`], { reject: false });
  return Number(r.stdout.trim() || '0');
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

/** Starts a deadlocking job of n ranks and waits until every rank is about to block. */
async function startDeadlock(n: number) {
  const marker = `tsmpi-hang-${randomBytes(5).toString('hex')}`;
  const job = execa(process.execPath, [BIN, '-n', String(n), program('deadlock.ts'), marker], { cwd: ROOT, reject: false });
  let out = '';
  job.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  expect(await waitFor(async () => (out.match(/^ready /gm) ?? []).length === n, 30_000)).toBe(true);
  const jobDir = /^ready \d+ (\S+)$/m.exec(out)![1];
  expect(existsSync(jobDir)).toBe(true);
  // the ranks are now entering their blocking calls
  await new Promise((r) => setTimeout(r, 300));
  return { job, marker, jobDir };
}

describe('hang diagnosis', () => {
  it('--timeout names the pending receive and groups the ranks waiting in the collective', async () => {
    const r = await tsmpiexec(['-n', '5', '--timeout', '3', program('deadlock.ts')]);
    expect(r.exitCode).toBe(124);
    expect(r.stderr).toContain('did not finish within 3 s');
    expect(r.stderr).toMatch(/ranks 0,2-4 \([^)]*\): allreduce\(SUM\) #\d+ on world/);
    expect(r.stderr).toMatch(/rank 1 \([^)]*\): recv\(source=0, tag=5\) on world/);
    expect(r.durationMs).toBeLessThan(12_000);
  });

  it('names the root of a rooted collective', async () => {
    const r = await tsmpiexec(['-n', '4', '--timeout', '3', '-x', 'TSMPI_TEST_BCAST_ROOT=1', program('deadlock.ts')]);
    expect(r.exitCode).toBe(124);
    expect(r.stderr).toMatch(/ranks 0,2,3 \([^)]*\): bcast\(root=1\) #\d+ on world/);
    expect(r.stderr).toMatch(/rank 1 \([^)]*\): recv\(source=0, tag=5\) on world/);
  });

  it('leaves an open window\'s background service out of the report', async () => {
    const r = await tsmpiexec(['-n', '3', '--timeout', '3', '-x', 'TSMPI_TEST_WINDOW=1', program('deadlock.ts')]);
    expect(r.exitCode).toBe(124);
    expect(r.stderr).toMatch(/rank 1 \([^)]*\): recv\(source=0, tag=5\) on world/);
    expect(r.stderr).toMatch(/ranks 0,2 \([^)]*\): allreduce\(SUM\) #\d+ on world/);
    expect(r.stderr).not.toContain('ANY_SOURCE');
  });

  it('names a waiting probe, and ranks waiting in init() for one that is still starting', async () => {
    const probing = await tsmpiexec(['-n', '2', '--timeout', '3', program('no-init.ts'), 'none', 'probe']);
    expect(probing.exitCode).toBe(124);
    expect(probing.stderr).toMatch(/rank 0 \([^)]*\): probe\(source=1, tag=9\) on world/);
    // Rank 2 sleeps before init(): ranks 0 and 1 wait for it there.
    const starting = await tsmpiexec(['-n', '3', '--timeout', '3', '-x', 'TSMPI_TEST_SLEEP_RANK=2', program('no-init.ts'), 'none']);
    expect(starting.exitCode).toBe(124);
    expect(starting.stderr).toMatch(/ranks 0,1 \([^)]*\): init\(\) \(waiting for the other ranks to call it\)/);
    expect(starting.stderr).toMatch(/rank 2 \([^)]*\): has not called init\(\) yet/);
  });

  it.each(['SIGQUIT', 'SIGINT'] as const)('%s prints the report and stops every rank', async (signal) => {
    const { job, marker } = await startDeadlock(3);
    job.kill(signal);
    const r = await job;
    expect(r.exitCode).toBe(signal === 'SIGINT' ? 130 : 131);
    expect(r.stderr).toMatch(/rank 1 \([^)]*\): recv\(source=0, tag=5\) on world/);
    expect(r.stderr).toMatch(/ranks 0,2 \([^)]*\): allreduce\(SUM\) #\d+ on world/);
    expect(await waitFor(async () => (await countRanks(marker)) === 0, 5000)).toBe(true);
  });
});

describe('Ctrl-C before the ranks start', () => {
  it('SIGINT while the program is compiled starts no rank and exits 130', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-early-sigint-'));
    try {
      // A program large enough that compiling it takes a while (esbuild: a few hundred ms).
      const body = Array.from({ length: 60_000 }, (_, i) => `table.push(${i} * 2 + ${i % 7});`).join('\n');
      const script = join(scratch, 'big.ts');
      writeFileSync(script, `const table: number[] = [];\n${body}\nconsole.log('rank ran', table.length);\n`);
      const jobs = join(scratch, 'tmp');
      mkdirSync(jobs);
      const job = execa(process.execPath, [BIN, '-n', '2', script], { cwd: ROOT, reject: false, env: { TMPDIR: jobs } });
      // The job's directory appears just before compiling starts.
      expect(await waitFor(async () => readdirSync(jobs).some((f) => f.startsWith('tsmpi-')), 20_000)).toBe(true);
      job.kill('SIGINT');
      const r = await job;
      expect(r.exitCode, r.stderr).toBe(130);
      expect(r.stderr).toContain('received SIGINT');
      expect(r.stdout).not.toContain('rank ran');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('no orphans', () => {
  it('SIGTERM to tsmpiexec ends every rank within 5 s and leaves no job directory', async () => {
    const { job, marker, jobDir } = await startDeadlock(4);
    job.kill('SIGTERM');
    const r = await job;
    expect(r.exitCode).toBe(143);
    expect(await waitFor(async () => (await countRanks(marker)) === 0, 5000)).toBe(true);
    expect(existsSync(jobDir)).toBe(false);
  });

  it('SIGHUP (the terminal closed) ends every rank like SIGTERM, with status 129', async () => {
    const { job, marker, jobDir } = await startDeadlock(3);
    job.kill('SIGHUP');
    const r = await job;
    expect(r.exitCode).toBe(129);
    expect(r.stderr.trim()).toBe('tsmpiexec: received SIGHUP; stopping all ranks');
    expect(await waitFor(async () => (await countRanks(marker)) === 0, 5000)).toBe(true);
    expect(existsSync(jobDir)).toBe(false);
  });

  it('a rank that cannot be started (no file descriptors left) ends the job in one line and stops the ranks started', async () => {
    const marker = `tsmpi-emfile-${randomBytes(5).toString('hex')}`;
    const command = `ulimit -n 45; exec "${process.execPath}" "${BIN}" -n 16 "${program('deadlock.ts')}" ${marker}`;
    const r = await execa('sh', ['-c', command], { cwd: ROOT, reject: false, timeout: 60_000 });
    expect(r.exitCode).toBe(127);
    // The launcher's own line comes first; ranks that could not reach it (out of
    // descriptors too) may add their own errors after it.
    expect(r.stderr.split('\n')[0]).toMatch(/^tsmpiexec: rank \d+ on \S+ could not be started: spawn \S+ EMFILE \(too many open files: raise `ulimit -n`, or start fewer ranks\)$/);
    expect(r.stderr).not.toMatch(/Cannot read properties|internal error/);
    expect(await waitFor(async () => (await countRanks(marker)) === 0, 5000)).toBe(true);
  });

  it('SIGKILL of tsmpiexec ends every rank within 10 s (lost coordinator link) and leaves no job directory', async () => {
    const { job, marker, jobDir } = await startDeadlock(4);
    job.kill('SIGKILL');
    await job;
    expect(await waitFor(async () => (await countRanks(marker)) === 0, 10_000)).toBe(true);
    expect(await waitFor(async () => !existsSync(jobDir), 3000)).toBe(true);
  });
});

describe('a run() body that can never finish', () => {
  it('fails the job at once, naming the rank, instead of leaving the others waiting for it', async () => {
    const r = await tsmpiexec(['-n', '2', '--timeout', '30', program('never-settles.ts')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("tsmpiexec: rank 0 on ");
    expect(r.stderr).toContain("failed: Error: run()'s body never finished: it awaits a promise that can no longer settle");
    expect(r.stderr).not.toMatch(/did not finish within|    at /);
    expect(r.durationMs).toBeLessThan(20_000);
  });
});

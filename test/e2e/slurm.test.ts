// Jobs inside a real single-node Slurm cluster (.ci/start-slurm starts it): hosts and
// slots come from the allocation and ranks start as srun steps.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, program, ROOT } from '../helpers/tsmpiexec.js';

async function slurmMissing(): Promise<string | null> {
  const r = await execa('sinfo', ['-h', '-o', '%t'], { reject: false });
  if (r.exitCode !== 0) return `no Slurm cluster answers (${(r.stderr || String(r.exitCode)).split('\n')[0]}); .ci/start-slurm starts one`;
  if (!r.stdout.includes('idle') && !r.stdout.includes('mix')) return `the Slurm node is ${r.stdout.trim()}`;
  return null;
}

const missing = await slurmMissing();
if (missing) console.warn(`skipping Slurm tests: ${missing}`);

const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-slurm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Job directories ranks make on a host for their sockets (srun ranks make their own). */
function jobDirs(): string[] {
  return readdirSync('/tmp').filter((f) => /^tsmpi-.{6}-h\d+$/.test(f));
}

function reports(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .sort((a, b) => (a.rank as number) - (b.rank as number));
}

describe.skipIf(missing !== null)('inside a Slurm allocation', () => {
  it('salloc -n 4 tsmpiexec runs 4 ranks as srun steps, placed from the Slurm variables', async () => {
    const r = await execa('salloc', ['-n', '4', process.execPath, BIN, program('multihost.ts')], { cwd: ROOT, reject: false, timeout: 90_000 });
    expect(r.exitCode).toBe(0);
    const all = reports(r.stdout);
    expect(all).toHaveLength(4);
    const steps = new Set(all.map((a) => a.slurmStep));
    expect(steps.size).toBe(4);
    expect(steps.has(null)).toBe(false);
    for (const a of all) {
      expect(a.total).toBe(10);
      expect(a.localSize).toBe('4');
      expect(a.sharedSize).toBe(4);
    }
  });

  it('passes a failing rank’s exit code out through salloc', async () => {
    const r = await execa('salloc', ['-n', '2', process.execPath, BIN, program('fail.ts'), 'exit', '1', '6'], { cwd: ROOT, reject: false, timeout: 90_000 });
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/tsmpiexec: rank 1 on \S+ exited with code 6/);
  });

  it('names a rank killed by a signal as such, with none of srun\'s own lines beside it, and leaves no job directory', async () => {
    const before = jobDirs();
    const r = await execa('salloc', ['-n', '3', process.execPath, BIN, program('fail.ts'), 'kill', '1'], { cwd: ROOT, reject: false, timeout: 90_000 });
    expect(r.exitCode, r.stderr).toBe(137);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('salloc:'));
    expect(lines, r.stderr).toEqual([expect.stringMatching(/^tsmpiexec: rank 1 on \S+ was killed by signal SIGKILL$/)]);
    // The killed rank could not remove its socket; the ranks that outlived it do.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && jobDirs().some((d) => !before.includes(d))) await new Promise((res) => setTimeout(res, 100));
    expect(jobDirs().filter((d) => !before.includes(d))).toEqual([]);
  });

  it('an sbatch script that runs tsmpiexec works and reports its exit code', async () => {
    const out = join(scratch, 'job.out');
    const script = join(scratch, 'job.sh');
    writeFileSync(script, `#!/bin/sh\ncd ${ROOT}\n${process.execPath} ${BIN} ${program('multihost.ts')}\n`);
    const r = await execa('sbatch', ['--wait', '-n', '3', '-o', out, script], { reject: false, timeout: 90_000 });
    expect(r.exitCode).toBe(0);
    const all = reports(readFileSync(out, 'utf8'));
    expect(all.map((a) => a.rank)).toEqual([0, 1, 2]);
    expect(all.every((a) => a.total === 6 && a.slurmStep !== null)).toBe(true);

    writeFileSync(script, `#!/bin/sh\ncd ${ROOT}\n${process.execPath} ${BIN} ${program('fail.ts')} exit 0 4\n`);
    const failed = await execa('sbatch', ['--wait', '-n', '2', '-o', out, script], { reject: false, timeout: 90_000 });
    expect(failed.exitCode).toBe(4);
    expect(readFileSync(out, 'utf8')).toMatch(/rank 0 on \S+ exited with code 4/);
  });

  it('--launcher local overrides srun inside the allocation', async () => {
    const r = await execa('salloc', ['-n', '2', process.execPath, BIN, '--launcher', 'local', program('multihost.ts')], { cwd: ROOT, reject: false, timeout: 90_000 });
    expect(r.exitCode).toBe(0);
    const all = reports(r.stdout);
    expect(all).toHaveLength(2);
    expect(all.every((a) => a.slurmStep === null)).toBe(true);
  });
});

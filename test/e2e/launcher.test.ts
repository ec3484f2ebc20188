import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBinding } from '../../launcher/binding.js';
import { BIN, program, ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';

const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-launcher-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tsmpiexec command line', () => {
  it('rejects a missing script with one line, the usage and exit 2', async () => {
    const r = await tsmpiexec(['-n', '2', 'no/such/script.ts']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^tsmpiexec: script not found: no\/such\/script\.ts\nUsage: tsmpiexec/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown option', async () => {
    const r = await tsmpiexec(['--frobnicate', program('echo-args.mjs')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/tsmpiexec: Unknown argument: frobnicate/);
  });

  it.each([['0'], ['-3'], ['two'], ['1.5'], ['1e1'], ['0x2']])('rejects -n %s', async (n) => {
    const r = await tsmpiexec(['-n', n, program('echo-args.mjs')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^tsmpiexec: .*-n|np/);
  });

  it.each([[['--np=0'], '0'], [['--np', '0'], '0'], [['-np', 'two'], 'two']])('names the value given in %j', async (args, value) => {
    const r = await tsmpiexec([...args, program('echo-args.mjs')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`tsmpiexec: -n must be a positive integer, got ${value}`);
  });

  it.each([
    [['--timeout', '3000000'], /^tsmpiexec: --timeout can be at most 2147483 s/],
    [['--timeout', '0'], /^tsmpiexec: --timeout must be a positive number of seconds/],
    [['--ssh', ' '], /^tsmpiexec: --ssh needs a command/],
    [['--ssh', '""', '--host', 'elsewhere'], /^tsmpiexec: --ssh needs a command/],
    [['--ssh', "ssh -o 'x"], /^tsmpiexec: --ssh: unterminated ' in: ssh -o 'x$/],
    // An empty value is a mistake (a variable left unset), not the option left out.
    [['--hostfile', ''], /^tsmpiexec: --hostfile needs a value, got an empty one$/],
    [['--host', ''], /^tsmpiexec: --host needs a value, got an empty one$/],
    [['--output-dir', ''], /^tsmpiexec: --output-dir needs a value, got an empty one$/],
    [['--wdir', ' '], /^tsmpiexec: --wdir needs a value, got an empty one$/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const r = await tsmpiexec([...args, '-n', '1', program('echo-args.mjs')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it("takes mpiexec's single-dash spellings (-np, -host, -hostfile, -wdir) and leaves the script's arguments alone", async () => {
    const hostfile = join(scratch, 'hosts-single-dash');
    writeFileSync(hostfile, 'localhost slots=3\n');
    for (const args of [['-np', '3'], ['-host', 'localhost:3', '-np', '3'], ['-hostfile', hostfile], ['-H', 'localhost:3', '-wdir', scratch]]) {
      const r = await tsmpiexec([...args, program('echo-args.mjs'), '-host', '-np']);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rank: number; args: string[] });
      expect(lines.map((l) => l.rank).sort()).toEqual([0, 1, 2]);
      for (const l of lines) expect(l.args).toEqual(['-host', '-np']);
    }
  });

  it('refuses an unknown single-dash option with one line and exit 2, instead of printing the help', async () => {
    const r = await tsmpiexec(['-hosts', 'a', program('echo-args.mjs')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('tsmpiexec: unknown option -hosts (long options take two dashes: --hosts)');
    expect(r.stdout).toBe('');
  });

  it('rejects a directory given as the script, saying so', async () => {
    const r = await tsmpiexec(['-n', '1', 'test/programs']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('tsmpiexec: cannot run test/programs: it is a directory');
  });

  it('rejects a file it cannot run', async () => {
    const f = join(scratch, 'notes.txt');
    writeFileSync(f, 'hello');
    const r = await tsmpiexec(['-n', '1', f]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/cannot run .*notes\.txt/);
  });

  it('names the file, line and column of a TypeScript syntax error', async () => {
    const f = join(scratch, 'broken.ts');
    writeFileSync(f, 'const x: number = ;\n');
    const r = await tsmpiexec(['-n', '2', f]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tsmpiexec: cannot compile .*broken\.ts: .*broken\.ts:1:19: Unexpected ";"$/);
  });

  it('reports where in the TypeScript source a rank failed, from any working directory', async () => {
    const f = join(scratch, 'thrower.ts');
    writeFileSync(f, "interface Cell { value: number }\nconst cell: Cell = { value: 7 };\nthrow new Error(`gave up at ${cell.value}`);\n");
    for (const cwd of [scratch, tmpdir()]) {
      const r = await tsmpiexec(['-n', '1', f], { cwd });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('gave up at 7');
      expect(r.stderr).toContain(`${f}:3:7`);
    }
  });

  it('names a package the program imports but that is not installed', async () => {
    const f = join(scratch, 'missing.ts');
    writeFileSync(f, "import 'no-such-package-for-tsmpi';\n");
    const r = await tsmpiexec(['-n', '2', f]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/cannot find package "no-such-package-for-tsmpi"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints --version and --help', async () => {
    const v = await tsmpiexec(['--version']);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await tsmpiexec(['--help']);
    expect(h.exitCode).toBe(0);
    for (const opt of ['--np', '--tag-output', '--output-dir', '--env', '--wdir', '--timeout', '--hostfile']) {
      expect(h.stdout).toContain(opt);
    }
  });
});

describe('running ranks', () => {
  it('passes arguments, TSMPI_* variables, -x variables and --wdir', async () => {
    const r = await tsmpiexec(['-n', '3', '-x', 'TSMPI_TEST_VAR=forty two', '--wdir', scratch, program('echo-args.mjs'), 'a', '--b', 'c d'], {});
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rank).sort()).toEqual([0, 1, 2]);
    for (const l of lines) {
      expect(l.size).toBe(3);
      expect(l.env).toEqual([String(l.rank), '3', String(l.rank), '3']);
      expect(l.args).toEqual(['a', '--b', 'c d']);
      expect(l.x).toBe('forty two');
      expect(l.cwd).toBe(scratch);
    }
  });

  it('runs on an IPv6 address given in brackets (::1 is this host)', async () => {
    const r = await tsmpiexec(['--host', '[::1]:2', '-n', '2', program('echo-args.mjs')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rank: number }).rank).sort()).toEqual([0, 1]);
  });

  it('-x NAME forwards the launcher value', async () => {
    const r = await tsmpiexec(['-n', '2', '-x', 'TSMPI_TEST_VAR', program('echo-args.mjs')], { env: { TSMPI_TEST_VAR: 'from env' } });
    expect(r.exitCode).toBe(0);
    for (const l of r.stdout.trim().split('\n')) expect(JSON.parse(l).x).toBe('from env');
    expect(r.stderr).toBe('');
  });

  it('-x NAME with NAME unset runs the job and warns in one line, as mpirun does', async () => {
    const r = await tsmpiexec(['-n', '2', '-x', 'TSMPI_TEST_UNSET_VAR', program('echo-args.mjs')]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr.trim()).toBe('tsmpiexec: warning: -x TSMPI_TEST_UNSET_VAR: TSMPI_TEST_UNSET_VAR is not set here, so nothing is exported');
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('gives ranks allocator defaults for large messages, which the user can override', async () => {
    const byDefault = await tsmpiexec(['-n', '2', program('echo-args.mjs')]);
    expect(byDefault.exitCode).toBe(0);
    for (const l of byDefault.stdout.trim().split('\n')) expect(JSON.parse(l).malloc).toEqual([String(32 * 2 ** 20), String(256 * 2 ** 20)]);
    const own = await tsmpiexec(['-n', '2', '-x', 'MALLOC_TRIM_THRESHOLD_=4096', program('echo-args.mjs')], {
      env: { MALLOC_MMAP_THRESHOLD_: '131072' },
    });
    expect(own.exitCode).toBe(0);
    for (const l of own.stdout.trim().split('\n')) expect(JSON.parse(l).malloc).toEqual(['131072', '4096']);
  });

  it('sends standard input to rank 0', async () => {
    const r = await tsmpiexec(['-n', '3', program('stdin.ts')], { input: 'line one\nline two\n' });
    expect(r.exitCode).toBe(0);
    for (let rank = 0; rank < 3; rank++) expect(r.stdout).toContain(`rank ${rank} read "line one\\nline two"`);
  });

  it('--tag-output prefixes every line of stdout and stderr with the rank', async () => {
    const r = await tsmpiexec(['-n', '3', '--tag-output', program('echo-args.mjs')]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const m = /^\[(\d+)\] (\{.*\})$/.exec(line);
      expect(m).not.toBeNull();
      expect(JSON.parse(m![2]).rank).toBe(Number(m![1]));
    }
  });

  it('--output-dir writes each rank to its own files', async () => {
    const dir = join(scratch, 'out');
    const r = await tsmpiexec(['-n', '2', '--output-dir', dir, program('echo-args.mjs')]);
    expect(r.exitCode).toBe(0);
    for (const rank of [0, 1]) {
      expect(JSON.parse(readFileSync(join(dir, `rank.${rank}`, 'stdout'), 'utf8')).rank).toBe(rank);
    }
  });

  it('--output-dir keeps what a rank writes byte for byte', async () => {
    const f = join(scratch, 'bytes.mjs');
    writeFileSync(f, 'process.stdout.write(Buffer.of(0xff, 0x00, 0x80, 0x0a, 0xe2, 0x82, 0xac));\n');
    const dir = join(scratch, 'bytes-out');
    const r = await tsmpiexec(['-n', '2', '--output-dir', dir, f]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const rank of [0, 1]) {
      // The unterminated last line stays unterminated: the file holds exactly what the rank wrote.
      expect([...readFileSync(join(dir, `rank.${rank}`, 'stdout'))]).toEqual([0xff, 0x00, 0x80, 0x0a, 0xe2, 0x82, 0xac]);
    }
  });

  it.runIf(process.platform === 'linux')('an --output-dir that cannot be made gives one line and exit 2, and starts nothing', async () => {
    for (const [dir, reason] of [['/proc/tsmpi-no-such', /ENOENT/], [join(scratch, 'out', 'rank.0', 'stdout', 'x'), /ENOTDIR/]] as const) {
      if (!dir.startsWith('/proc')) await tsmpiexec(['-n', '1', '--output-dir', join(scratch, 'out'), program('echo-args.mjs')]);
      const r = await tsmpiexec(['-n', '2', '--output-dir', dir, program('echo-args.mjs')], { timeoutMs: 20_000 });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^tsmpiexec: --output-dir: cannot create ${dir}: ${reason.source}`));
      expect(r.stdout).toBe('');
    }
  });

  it("an --output-dir whose rank.N is a file gives one line and exit 2, and starts nothing", async () => {
    const dir = join(scratch, 'out-with-file');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rank.1'), 'in the way');
    const r = await tsmpiexec(['-n', '2', '--output-dir', dir, program('echo-args.mjs')], { timeoutMs: 20_000 });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^tsmpiexec: --output-dir: cannot create ${dir}: EEXIST`));
    expect(existsSync(join(dir, 'rank.0', 'stdout')), 'rank 0 did not start').toBe(false);
  });

  it('a TMPDIR where the job cannot make its directory gives one line and exit 1', async () => {
    const r = await tsmpiexec(['-n', '2', program('echo-args.mjs')], { env: { TMPDIR: join(scratch, 'no-such-dir') }, timeoutMs: 20_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tsmpiexec: cannot create the job's directory in \S+no-such-dir \(TMPDIR\): ENOENT[^\n]*$/);
    expect(r.stdout).toBe('');
  });

  it('keeps the secret off every command line and out of the program environment', async () => {
    const r = await tsmpiexec(['-n', '2', program('secret.ts')]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/rank 0: secret on none of \d+ command lines/);
    expect(r.stdout).toMatch(/rank 1: secret on none of \d+ command lines/);
  });

  it('never interleaves two ranks inside one line', async () => {
    const r = await tsmpiexec(['-n', '4', program('chatty.ts')]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1200);
    for (const line of lines) expect(line).toMatch(/^rank\d:x{500}:end$/);
  });
});

describe('binding ranks to CPUs (--bind-to)', () => {
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  const all = status.match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? '';
  /** The CPUs ranks are dealt over here (allowed and online), or null where --bind-to core cannot bind. */
  const cpus = ((): readonly number[] | null => {
    try {
      return process.platform === 'linux' ? (resolveBinding('core')?.cpus ?? null) : null;
    } catch {
      return null; // no taskset, or no CPU list: the binding tests have nothing to run
    }
  })();
  /** "rank:cpu" words for ranks dealt round-robin over the CPUs. */
  const dealt = (n: number) => Array.from({ length: n }, (_, r) => `${r}:${cpus![r % cpus!.length]}`).join(' ');
  const unbound = (n: number) => Array.from({ length: n }, (_, r) => `${r}:${all}`).join(' ');

  it.skipIf(!cpus).each([1, 2, 3, 5])('core binds each of %i ranks to one CPU, round-robin; none (the default) binds none', async (n) => {
    const bound = await tsmpiexec(['--bind-to', 'core', '-n', String(n), program('affinity.ts')]);
    expect(bound.stderr).toBe('');
    expect(bound.stdout.trim()).toBe(dealt(n));
    for (const args of [['--bind-to', 'none'], []]) {
      const free = await tsmpiexec([...args, '-n', String(n), program('affinity.ts')]);
      expect(free.stdout.trim()).toBe(unbound(n));
    }
  });

  it.skipIf(!cpus)('a repeated --bind-to counts once, with its last value', async () => {
    const free = await tsmpiexec(['--bind-to', 'core', '--bind-to', 'none', '-n', '2', program('affinity.ts')]);
    expect(free.stdout.trim()).toBe(unbound(2));
    const bound = await tsmpiexec(['--bind-to', 'none', '--bind-to', 'core', '-n', '2', program('affinity.ts')]);
    expect(bound.stdout.trim()).toBe(dealt(2));
  });

  it('rejects a binding it does not know with one line, the usage and exit 2', async () => {
    const r = await tsmpiexec(['--bind-to', 'socket', '-n', '2', program('affinity.ts')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('tsmpiexec: Invalid values: Argument: bind-to, Given: "socket", Choices: "core", "none"');
  });

  it('--bind-to core without taskset says so in one line, and starts nothing', async () => {
    const r = await tsmpiexec(['--bind-to', 'core', '-n', '2', program('affinity.ts')], { env: { PATH: '/nonexistent' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^tsmpiexec: --bind-to core(?: needs taskset|: this system does not say)/);
    expect(r.stdout).toBe('');
  });
});

describe('output to a slow reader', () => {
  it('arrives whole: the ranks wait for the reader, and tsmpiexec exits only once all of it is out', async () => {
    const { execa } = await import('execa');
    // 1200 lines of 510 bytes, about 600 KB: far more than a pipe holds while the reader sleeps.
    const r = await execa('sh', ['-c', `"${process.execPath}" "${BIN}" -n 4 "${program('chatty.ts')}" | (sleep 2; wc -l)`], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('1200');
  });

  it('a reader that stops reading (a pager left open) does not keep a stopped job from ending', async () => {
    const { spawn } = await import('node:child_process');
    const job = spawn(process.execPath, [BIN, '-n', '2', program('chatty.ts'), '20000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    job.stdout!.pause();
    let stderr = '';
    job.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    job.kill('SIGTERM');
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => job.on('exit', (c) => resolve(c)));
    expect(code).toBe(143);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stderr.trim()).toBe('tsmpiexec: received SIGTERM; stopping all ranks');
  });

  it('a full disk gives one line and the job still ends with its own status', async () => {
    const { execa } = await import('execa');
    const r = await execa('sh', ['-c', `"${process.execPath}" "${BIN}" -n 2 "${program('chatty.ts')}" >/dev/full`], { reject: false });
    expect(r.stderr.trim()).toBe("tsmpiexec: cannot write to standard output (ENOSPC); the ranks' output to it is lost");
    expect(r.exitCode).toBe(0);
  });
});

describe('output closed early', () => {
  it('`tsmpiexec … | head -1` ends cleanly, without an EPIPE trace', async () => {
    const { execa } = await import('execa');
    const r = await execa('sh', ['-c', `"${process.execPath}" "${BIN}" -n 3 "${program('chatty.ts')}" | head -1`], { reject: false });
    expect(r.stdout).toMatch(/^rank\d:x{500}:end$/);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.exitCode).toBe(0);
  });
});

describe('failures', () => {
  it.each([
    ['exit', ['exit', '1', '3'], 3, /rank 1 on \S+ exited with code 3/],
    ['throw', ['throw', '2'], 1, /rank 2 on \S+ failed: Error: boom from the test/],
    ['reject', ['reject', '1'], 1, /rank 1 on \S+ failed: TypeError: rejected on purpose/],
    ['kill', ['kill', '1'], 137, /rank 1 on \S+ was killed by signal SIGKILL/],
    ['abort', ['abort', '0', '5'], 5, /rank 0 on \S+ called abort\(5\): the test called abort/],
    // API.md: tsmpiexec exits with abort's code, 0 included.
    ['abort(0)', ['abort', '1', '0'], 0, /rank 1 on \S+ called abort\(0\): the test called abort/],
  ])('a rank that fails by %s ends the job, naming rank, host and cause', async (_name, args, code, message) => {
    const r = await tsmpiexec(['-n', '3', program('fail.ts'), ...args]);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.durationMs).toBeLessThan(8000);
  });

  it.each([['abort', 3, /^tsmpiexec: rank 1 on \S+ called abort\(3\): giving up$/], ['kill', 137, /^tsmpiexec: rank 1 on \S+ was killed by signal SIGKILL$/]] as const)(
    'after a rank ends the job by %s, the ranks waiting on it inside run() add nothing to the one line that names it',
    async (how, code, headline) => {
      const r = await tsmpiexec(['-n', '3', program('peer-fails-in-run.ts'), how]);
      expect(r.exitCode).toBe(code);
      expect(r.stderr.trim(), r.stderr).toMatch(headline);
    },
  );

  it('names a rank that failed for another when no failure of another rank shows within 2 s', async () => {
    const r = await tsmpiexec(['-n', '3', program('peer-fails-in-run.ts'), 'unexplained']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tsmpiexec: rank 1 on \S+ failed: MpiError: ERR_PROC_FAILED: rank 0 failed: invented by the test$/);
    expect(r.durationMs).toBeGreaterThan(1800);
    expect(r.durationMs).toBeLessThan(8000);
  });

  it("prints an error thrown in run() with the program's own stack frames, not tsmpi's, and names it", async () => {
    const r = await tsmpiexec(['-n', '3', program('peer-fails-in-run.ts'), 'bad-rank']);
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('[rank 1] MpiError: ERR_RANK: invalid destination rank 99 (communicator size 3)');
    const frames = lines.filter((l) => /^\s+at /.test(l));
    expect(frames.length, r.stderr).toBeGreaterThan(0);
    for (const frame of frames) expect(frame).toMatch(/peer-fails-in-run\.ts:\d+/);
    expect(lines.at(-1)).toMatch(/^tsmpiexec: rank 1 on \S+ failed: MpiError: ERR_RANK: invalid destination rank 99/);
  });

  it.each([
    ['kill', 137, /^tsmpiexec: rank 1 on \S+ was killed by signal SIGKILL$/],
    ['exit', 3, /^tsmpiexec: rank 1 on \S+ exited with code 3$/],
  ] as const)('a rank that dies by %s inside a collective is the one named, every time', async (how, code, headline) => {
    // The others see the broken connection at once, before tsmpiexec sees the rank exit.
    for (let run = 0; run < 3; run++) {
      const r = await tsmpiexec(['-n', '3', program('dies-in-collective.ts'), how]);
      expect(r.exitCode, r.stderr).toBe(code);
      expect(r.stderr.trim(), r.stderr).toMatch(headline);
      expect(r.durationMs).toBeLessThan(8000);
    }
  });

  it('a rank that exits with status 0 before init(), which the others call, fails the job at once', async () => {
    const r = await tsmpiexec(['-n', '3', '--timeout', '20', program('no-init.ts'), '1']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^tsmpiexec: rank 1 on \S+ exited \(code 0\) without calling init\(\), which other ranks called/m);
    expect(r.durationMs).toBeLessThan(8000);
  });

  it('says a rank ran out of memory, and how to raise the limit', async () => {
    const r = await tsmpiexec(['-n', '2', program('fail.ts'), 'oom', '1'], { env: { TSMPI_NODE_ARGS: '--max-old-space-size=32' } });
    expect(r.exitCode).toBe(134);
    expect(r.stderr).toMatch(/^tsmpiexec: rank 1 on \S+ ran out of memory \(JavaScript heap out of memory; TSMPI_NODE_ARGS="--max-old-space-size=<MB>" raises the limit\) and was killed by signal SIGABRT$/m);
  });

  it('names the error of a rank that throws before init', async () => {
    const f = join(scratch, 'early.mjs');
    writeFileSync(f, "throw new Error('thrown before init');\n");
    const r = await tsmpiexec(['-n', '2', f]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/tsmpiexec: rank \d on \S+ exited with code 1: Error: thrown before init/);
  });

  it('a rank that exits with status 0 after init but without finalize fails the job', async () => {
    const r = await tsmpiexec(['-n', '3', program('fail.ts'), 'exit', '1', '0']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/tsmpiexec: rank 1 on \S+ exited without calling finalize\(\)/);
  });

  it('shows the exception text of a failing rank', async () => {
    const r = await tsmpiexec(['-n', '2', program('fail.ts'), 'throw', '1']);
    expect(r.stderr).toMatch(/\[rank 1\] uncaught exception: Error: boom from the test\n\s+at /);
    // the stack points at the TypeScript source
    expect(r.stderr).toMatch(/fail\.ts:\d+/);
  });

  it('operations waiting on a dead rank fail with ERR_PROC_FAILED', async () => {
    const r = await tsmpiexec(['-n', '3', program('fail.ts'), 'exit', '1', '4']);
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toContain('rank 0 saw ERR_PROC_FAILED');
    expect(r.stdout).toContain('rank 2 saw ERR_PROC_FAILED');
  });
});

// tsmpi as a user gets it: packed, installed into a fresh project outside this repo,
// type-checked there with the user's own tsc, and run with that project's tsmpiexec.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/tsmpiexec.js';

const work = mkdtempSync(join(tmpdir(), 'tsmpi-user-'));
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const APP = `import { init, finalize, Status, ANY_SOURCE, SUM, type Comm } from 'tsmpi';

const world: Comm = await init();
const status = new Status();
if (world.rank === 0) {
  const got: number[] = [];
  for (let i = 1; i < world.size; i++) got.push(await world.recv<number>(ANY_SOURCE, 7, status));
  console.log('rank 0 received', got.sort().join(','), 'last from', status.source);
} else {
  await world.send(world.rank * 10, 0, 7);
}
const total: number = await world.allreduce(world.rank, SUM);
console.log(\`rank \${world.rank} of \${world.size}: total \${total}\`);
await finalize();
`;

const INTERNALS = `import { Request, type Comm, type TypedArray, type Win } from 'tsmpi';

export function poke(world: Comm, request: Request<number>): void {
  // @ts-expect-error the runtime completes requests, users do not
  request.complete(1);
  // @ts-expect-error the communicator's runtime is not part of the API
  void world.runtime;
}

// Types a program can rely on without casts.
interface Config { steps: number }
export async function typed(world: Comm, doubles: Win<Float64Array>, bigs: Win<BigInt64Array>, config: Config, queue: Config[]): Promise<void> {
  const [count, name] = await Request.waitall([world.irecv<number>(0, 1), world.irecv<string>(0, 2)]);
  const values: [number, string] = [count, name];
  const fetched: number = await doubles.fetchAndOp(1, 0, 0);
  const swapped: bigint = await bigs.compareAndSwap(1n, 0n, 0, 0);
  const shared: Config = await world.bcast(world.rank === 0 ? config : null);
  const next = await world.bcast(world.rank === 0 ? queue.shift() : null);
  // @ts-expect-error the root may send undefined (no more work), so the type keeps it
  const task: Config = next;
  void [values, fetched, swapped, shared, task];
}

// Code generic over the window's element type compiles as before.
export function generic<A extends TypedArray>(win: Win<A>): Promise<unknown> {
  return win.fetchAndOp(1, 0, 0);
}
`;

beforeAll(async () => {
  // dist/ is already built by pretest; rebuilding it here would pull it from under tests running in parallel.
  await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] } }),
  );
  // A project without Node's types, checking libraries' declarations too: what tsmpi's
  // declarations show must not need them, and its internals must not show.
  writeFileSync(
    join(app, 'tsconfig.bare.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false },
      files: ['app.ts', 'internals.ts'],
    }),
  );
  writeFileSync(join(app, 'internals.ts'), INTERNALS);
  writeFileSync(join(app, 'app.ts'), APP);
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), 'typescript@5', '@types/node@20'], { cwd: app });
}, 180_000);

describe('tsmpi installed as a dependency', () => {
  it('type-checks a program that imports it', async () => {
    const r = await execa('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it("type-checks without Node's types, and shows none of tsmpi's internals", async () => {
    const r = await execa('npx', ['tsc', '--noEmit', '-p', 'tsconfig.bare.json'], { cwd: app, reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('installs only what runs unbundled: esbuild and msgpackr (ws, yargs and execa are inside dist/)', () => {
    const installed = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
    expect(['esbuild', 'msgpackr'].map(installed)).toEqual([true, true]);
    expect(['ws', 'yargs', 'execa'].map(installed)).toEqual([false, false, false]);
  });

  it("runs that program with the project's own tsmpiexec", async () => {
    const r = await execa('npx', ['tsmpiexec', '-n', '2', 'app.ts'], { cwd: app, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('rank 0 received 10 last from 1');
    expect(r.stdout).toContain('rank 0 of 2: total 1');
    expect(r.stdout).toContain('rank 1 of 2: total 1');
  });
});

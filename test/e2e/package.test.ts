// tsmpi as a user gets it: packed, installed into a fresh project outside this repo,
// type-checked there with the user's own tsc, and run with that project's tsmpiexec.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  writeFileSync(join(app, 'app.ts'), APP);
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), 'typescript@5', '@types/node@20'], { cwd: app });
}, 180_000);

describe('tsmpi installed as a dependency', () => {
  it('type-checks a program that imports it', async () => {
    const r = await execa('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it("runs that program with the project's own tsmpiexec", async () => {
    const r = await execa('npx', ['tsmpiexec', '-n', '2', 'app.ts'], { cwd: app, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('rank 0 received 10 last from 1');
    expect(r.stdout).toContain('rank 0 of 2: total 1');
    expect(r.stdout).toContain('rank 1 of 2: total 1');
  });
});

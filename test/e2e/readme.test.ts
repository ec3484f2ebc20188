// The programs README.md shows run as written: each ```ts block that starts with
// "// name.ts — npx tsmpiexec -n N name.ts" is saved and run with that rank count.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tsmpiexec } from '../helpers/tsmpiexec.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n(\/\/ (\w+)\.ts — npx tsmpiexec -n (\d+) \2\.ts\n[\s\S]*?)```/g)].map((m) => ({
  name: m[2],
  n: m[3],
  code: m[1],
}));
const written: string[] = [];
afterAll(() => written.forEach((f) => rmSync(f, { force: true })));

describe('README programs', () => {
  it('README has runnable programs', () => {
    expect(blocks.map((b) => b.name)).toEqual(expect.arrayContaining(['ring', 'window', 'pool']));
  });

  it.each(blocks)('the $name program runs with -n $n', async ({ name, n, code }) => {
    // Beside the test programs, so `import 'tsmpi'` resolves as it does for a user.
    const file = join(ROOT, 'test', 'programs', `readme-${name}.gen.ts`);
    written.push(file);
    writeFileSync(file, code);
    const r = await tsmpiexec(['-n', n, file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

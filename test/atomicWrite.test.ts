import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../src/atomicWrite.js';

const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-atomic-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('writeFileAtomically', () => {
  it('replaces the file with the new contents and leaves nothing beside it', () => {
    const dir = mkdtempSync(join(scratch, 'ok-'));
    writeFileAtomically(join(dir, 'f'), 'old');
    writeFileAtomically(join(dir, 'f'), Buffer.from('new'));
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('throws when the rename fails, and removes its temporary file', () => {
    const dir = mkdtempSync(join(scratch, 'fail-'));
    mkdirSync(join(dir, 'taken'));
    expect(() => writeFileAtomically(join(dir, 'taken'), 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

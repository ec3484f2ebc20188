/** Open MPI's single-dash option spellings, and what is left alone. */
import { describe, expect, it } from 'vitest';
import { givenValue, withLongSpellings } from '../../launcher/spellings.js';
import { UsageError } from '../../launcher/usage-error.js';

describe('withLongSpellings', () => {
  it('rewrites the launcher options mpiexec users write with one dash', () => {
    expect(withLongSpellings(['-np', '4', '-host', 'a,b', '-hostfile', 'f', '-wdir', '/w', 'prog.ts'])).toEqual([
      '--np', '4', '--host', 'a,b', '--hostfile', 'f', '--wdir', '/w', 'prog.ts',
    ]);
    expect(withLongSpellings(['-H', 'a:2', '-machinefile', 'm', '--machinefile=n', '-oversubscribe', 'p.js'])).toEqual([
      '--host', 'a:2', '--hostfile', 'm', '--hostfile=n', '--oversubscribe', 'p.js',
    ]);
  });

  it('leaves alone the script, its arguments and option values, whatever they look like', () => {
    expect(withLongSpellings(['-n', '2', '-x', 'A=-host', 'prog.ts', '-np', '-host', '--x'])).toEqual(['-n', '2', '-x', 'A=-host', 'prog.ts', '-np', '-host', '--x']);
    expect(withLongSpellings(['--ssh', '-weird', 'prog.ts'])).toEqual(['--ssh', '-weird', 'prog.ts']);
    expect(withLongSpellings(['-n4', '--tag-output', '--', '-host'])).toEqual(['-n4', '--tag-output', '--', '-host']);
  });

  it('refuses an unknown single-dash word before the script instead of reading it as letters', () => {
    for (const word of ['-hello', '-nodes', '-ppn']) {
      expect(() => withLongSpellings([word, 'prog.ts'])).toThrow(UsageError);
      expect(() => withLongSpellings([word, 'prog.ts'])).toThrow(`unknown option ${word} (long options take two dashes: -${word})`);
    }
  });
});

describe('givenValue', () => {
  it('finds the word given for an option in any spelling, the last one winning', () => {
    const names = ['-n', '--np', '--n'];
    expect(givenValue(['-n', 'two', 'p.ts'], names)).toBe('two');
    expect(givenValue(['--np=0', 'p.ts'], names)).toBe('0');
    expect(givenValue(['--np', '0', 'p.ts'], names)).toBe('0');
    expect(givenValue(['-n1.5', 'p.ts'], names)).toBe('1.5');
    expect(givenValue(['-n', '2', '--np', '-3', 'p.ts'], names)).toBe('-3');
    expect(givenValue(['p.ts', '-n', '9'], names)).toBeUndefined();
  });
});

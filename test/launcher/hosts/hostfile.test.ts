import { describe, expect, it } from 'vitest';
import { HostError } from '../../../launcher/hosts/host.js';
import { parseHostfile } from '../../../launcher/hosts/hostfile.js';

function errorOf(text: string, file = 'hosts.txt'): HostError {
  try {
    parseHostfile(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return e as HostError;
  }
  throw new Error('expected parseHostfile to throw');
}

describe('parseHostfile: Open MPI form', () => {
  it('reads names, slots and max_slots', () => {
    const text = ['node1', 'node2 slots=4', 'node3 slots=4 max_slots=8', 'node4 max_slots=3'].join('\n');
    expect(parseHostfile(text, 'h')).toEqual([
      { name: 'node1', slots: 1 },
      { name: 'node2', slots: 4 },
      { name: 'node3', slots: 4, maxSlots: 8 },
      { name: 'node4', slots: 1, maxSlots: 3 },
    ]);
  });

  it('accepts count= and max-slots= synonyms, any key order and spaces around =', () => {
    const text = 'a count=2\nb max-slots=6 slots=3\nc slots = 5\td\n'.replace('\td', ' max_slots= 7');
    expect(parseHostfile(text, 'h')).toEqual([
      { name: 'a', slots: 2 },
      { name: 'b', slots: 3, maxSlots: 6 },
      { name: 'c', slots: 5, maxSlots: 7 },
    ]);
  });

  it('allows max_slots equal to slots', () => {
    expect(parseHostfile('a slots=2 max_slots=2', 'h')).toEqual([{ name: 'a', slots: 2, maxSlots: 2 }]);
  });

  it('accepts IPv6 addresses as host names', () => {
    expect(parseHostfile('fe80::1 slots=4\n::1\n2001:db8::7 slots=2 max_slots=3', 'h')).toEqual([
      { name: 'fe80::1', slots: 4 },
      { name: '::1', slots: 1 },
      { name: '2001:db8::7', slots: 2, maxSlots: 3 },
    ]);
  });

  it('accepts IPv4 addresses and tabs', () => {
    expect(parseHostfile('127.0.0.2\tslots=2\n127.0.0.3', 'h')).toEqual([
      { name: '127.0.0.2', slots: 2 },
      { name: '127.0.0.3', slots: 1 },
    ]);
  });
});

describe('parseHostfile: MPICH form', () => {
  it('reads [ipv6]:slots and [ipv6]', () => {
    expect(parseHostfile('[fe80::1]:4\n[::1]', 'h')).toEqual([
      { name: 'fe80::1', slots: 4 },
      { name: '::1', slots: 1 },
    ]);
  });

  it('reads name:slots', () => {
    expect(parseHostfile('node1:4\nnode2:1\n10.1.1.1:2', 'h')).toEqual([
      { name: 'node1', slots: 4 },
      { name: 'node2', slots: 1 },
      { name: '10.1.1.1', slots: 2 },
    ]);
  });

  it('mixes with Open MPI lines', () => {
    expect(parseHostfile('a:2\nb slots=3\nc', 'h')).toEqual([
      { name: 'a', slots: 2 },
      { name: 'b', slots: 3 },
      { name: 'c', slots: 1 },
    ]);
  });
});

describe('parseHostfile: comments, blanks, duplicates', () => {
  it('skips comments, trailing comments, blank and whitespace-only lines, CRLF', () => {
    const text = '# cluster\r\n\r\n   \r\nnode1 slots=2 # the big one\r\n  node2:3#fast\r\n\t# indented comment\r\n';
    expect(parseHostfile(text, 'h')).toEqual([
      { name: 'node1', slots: 2 },
      { name: 'node2', slots: 3 },
    ]);
  });

  it('merges repeated hosts, adding slots, keeping first-appearance order', () => {
    expect(parseHostfile('a slots=2\nb\na:3\na', 'h')).toEqual([
      { name: 'a', slots: 6 },
      { name: 'b', slots: 1 },
    ]);
  });

  it('merges max_slots of repeated hosts', () => {
    expect(parseHostfile('a slots=1 max_slots=2\na slots=2 max_slots=2', 'h')).toEqual([{ name: 'a', slots: 3, maxSlots: 4 }]);
  });
});

describe('parseHostfile: errors name file, line and problem', () => {
  it.each([
    ['node1 slots=x', 1, 'bad slots value "x" (expected a positive integer)'],
    ['a\n\n# c\nnode1 slots=0', 4, 'bad slots value "0" (expected a positive integer)'],
    ['node1 slots=-2', 1, 'bad slots value "-2" (expected a positive integer)'],
    ['node1 slots=2.5', 1, 'bad slots value "2.5" (expected a positive integer)'],
    ['node1 slots=', 1, 'bad slots value "" (expected a positive integer)'],
    ['node1 count=abc', 1, 'bad count value "abc" (expected a positive integer)'],
    ['node1 max_slots=0', 1, 'bad max_slots value "0" (expected a positive integer)'],
    ['ok\nnode1 slots=4 max_slots=2', 2, 'max_slots=2 is less than slots=4'],
    ['node1 max_slots=1 slots=3', 1, 'max_slots=1 is less than slots=3'],
    ['node1 cpus=4', 1, 'unknown key "cpus" (expected slots or max_slots)'],
    ['node1 slots=2 slots=3', 1, 'slots given twice'],
    ['node1 slots=2 count=3', 1, 'slots given twice'],
    ['node1 max_slots=3 max-slots=4', 1, 'max_slots given twice'],
    ['node1 4', 1, 'unexpected "4" (expected key=value such as slots=4)'],
    ['node1 node2', 1, 'unexpected "node2" (expected key=value such as slots=4)'],
    ['slots=4', 1, 'missing host name before "slots=4"'],
    ['  slots=4 # no host', 1, 'missing host name before "slots=4"'],
    [':4', 1, 'empty host name'],
    ['node1:x', 1, 'bad slots value "x" in "node1:x" (expected a positive integer)'],
    ['node1:0', 1, 'bad slots value "0" in "node1:0" (expected a positive integer)'],
    ['node1:', 1, 'bad slots value "" in "node1:" (expected a positive integer)'],
    ['node1:2:3', 1, 'bad slots value "2:3" in "node1:2:3" (expected a positive integer)'],
    ['node1:4 slots=2', 1, 'unexpected "slots=2" after "node1:4"'],
    ['a\nb\nno$de', 3, 'invalid host name "no$de"'],
    ['bad/name:2', 1, 'invalid host name "bad/name"'],
    ['300.1.1.1', 1, 'invalid IPv4 address "300.1.1.1"'],
  ])('%j → line %i: %s', (text, line, what) => {
    expect(errorOf(text).message).toBe(`hostfile hosts.txt line ${line}: ${what}`);
  });

  it('uses the given file name', () => {
    expect(errorOf('x slots=y', '/etc/cluster/hosts').message).toBe(
      'hostfile /etc/cluster/hosts line 1: bad slots value "y" (expected a positive integer)',
    );
  });

  it('counts lines through CRLF endings', () => {
    expect(errorOf('a\r\nb\r\nc slots=q\r\n').message).toMatch(/^hostfile hosts\.txt line 3: /);
  });

  it('rejects a file without hosts', () => {
    expect(errorOf('').message).toBe('hostfile hosts.txt: no hosts listed');
    expect(errorOf('# only a comment\n\n  \n').message).toBe('hostfile hosts.txt: no hosts listed');
  });

  it('gives one-line messages', () => {
    expect(errorOf('a slots=x\n').message).not.toContain('\n');
  });
});

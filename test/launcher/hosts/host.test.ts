import { describe, expect, it } from 'vitest';
import { HostError, describeHosts, hostNameProblem, machineOf, mergeHosts, parseSlotCount } from '../../../launcher/hosts/host.js';

describe('HostError', () => {
  it('is an Error with its own name and the message as given', () => {
    const e = new HostError('hostfile hosts.txt line 3: bad slots value "x"');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(HostError);
    expect(e.name).toBe('HostError');
    expect(e.message).toBe('hostfile hosts.txt line 3: bad slots value "x"');
  });
});

describe('hostNameProblem', () => {
  it.each(['node1', 'n', 'node-01', 'gpu_node3', 'a.b.example.com', 'NODE1', '10.0.0.1', '127.0.0.2', '0.0.0.0', '255.255.255.255', '1node', '::1', 'fe80::1', '2001:db8::2:1', 'alice@node1', 'a.b_c-d@10.0.0.1', 'u@fe80::1'])(
    'accepts %s',
    (name) => expect(hostNameProblem(name)).toBeNull(),
  );

  it('rejects an empty name', () => expect(hostNameProblem('')).toBe('empty host name'));

  it('checks both parts of user@host', () => {
    expect(hostNameProblem('a@b!')).toBe('invalid host name "b!"');
    expect(hostNameProblem('@node1')).toBe('invalid user name "" in "@node1"');
    expect(hostNameProblem('al/ice@node1')).toBe('invalid user name "al/ice" in "al/ice@node1"');
    expect(hostNameProblem('alice@')).toBe('empty host name');
    expect(machineOf('alice@node1')).toBe('node1');
    expect(machineOf('node1')).toBe('node1');
  });

  it.each(['no de', 'a/b', '-node', 'node-', 'a..b', '.a', 'a.', 'n!', 'x[1]', 'a,b', 'a:b'])(
    'rejects %s as a host name',
    (name) => expect(hostNameProblem(name)).toBe(`invalid host name "${name}"`),
  );

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '1234.1.1.1', '12'])('rejects %s as an IPv4 address', (name) => {
    expect(hostNameProblem(name)).toBe(`invalid IPv4 address "${name}"`);
  });

  it('rejects overlong names', () => {
    expect(hostNameProblem('a'.repeat(254))).toMatch(/longer than 253/);
    expect(hostNameProblem(`${'a'.repeat(63)}.${'b'.repeat(63)}`)).toBeNull();
  });
});

describe('parseSlotCount', () => {
  it.each([
    ['1', 1],
    ['4', 4],
    ['007', 7],
    ['1000000', 1000000],
  ])('parses %s', (text, n) => expect(parseSlotCount(text)).toBe(n));

  it.each(['', '0', '00', '-1', '+2', '2.5', '1e3', 'x', ' 2', '2 ', '0x10', '99999999999999999999'])('rejects "%s"', (text) => {
    expect(parseSlotCount(text)).toBeNull();
  });
});

describe('mergeHosts', () => {
  it('keeps distinct hosts in order', () => {
    expect(mergeHosts([{ name: 'b', slots: 1 }, { name: 'a', slots: 2 }])).toEqual([
      { name: 'b', slots: 1 },
      { name: 'a', slots: 2 },
    ]);
  });

  it('adds slots of repeated names at the first appearance', () => {
    expect(
      mergeHosts([
        { name: 'a', slots: 1 },
        { name: 'b', slots: 2 },
        { name: 'a', slots: 3 },
      ]),
    ).toEqual([
      { name: 'a', slots: 4 },
      { name: 'b', slots: 2 },
    ]);
  });

  it('adds max_slots when every entry has one, drops the limit otherwise', () => {
    expect(mergeHosts([{ name: 'a', slots: 1, maxSlots: 2 }, { name: 'a', slots: 2, maxSlots: 3 }])).toEqual([
      { name: 'a', slots: 3, maxSlots: 5 },
    ]);
    expect(mergeHosts([{ name: 'a', slots: 1, maxSlots: 2 }, { name: 'a', slots: 2 }])).toEqual([{ name: 'a', slots: 3 }]);
    expect(mergeHosts([{ name: 'a', slots: 1 }, { name: 'a', slots: 2, maxSlots: 4 }])).toEqual([{ name: 'a', slots: 3 }]);
  });

  it('does not modify its input', () => {
    const input = [
      { name: 'a', slots: 1, maxSlots: 2 },
      { name: 'a', slots: 1 },
    ];
    mergeHosts(input);
    expect(input).toEqual([
      { name: 'a', slots: 1, maxSlots: 2 },
      { name: 'a', slots: 1 },
    ]);
  });
});

describe('describeHosts', () => {
  it('lists hosts as name:slots with max_slots', () => {
    expect(describeHosts([{ name: 'a', slots: 2 }, { name: 'b', slots: 4, maxSlots: 8 }])).toBe('a:2, b:4 max_slots=8');
  });

  it('shortens long lists', () => {
    const hosts = Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, slots: 1 }));
    expect(describeHosts(hosts, 3)).toBe('n0:1, n1:1, n2:1, … and 7 more');
  });
});

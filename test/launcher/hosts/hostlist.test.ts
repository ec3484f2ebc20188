import { describe, expect, it } from 'vitest';
import { HostError } from '../../../launcher/hosts/host.js';
import { parseHostList } from '../../../launcher/hosts/hostlist.js';

describe('parseHostList', () => {
  it('reads hosts with and without slot counts', () => {
    expect(parseHostList('h1:2,h2,h3:4')).toEqual([
      { name: 'h1', slots: 2 },
      { name: 'h2', slots: 1 },
      { name: 'h3', slots: 4 },
    ]);
  });

  it('reads a single host', () => {
    expect(parseHostList('localhost')).toEqual([{ name: 'localhost', slots: 1 }]);
    expect(parseHostList('node7:16')).toEqual([{ name: 'node7', slots: 16 }]);
  });

  it('accepts IPv4 addresses', () => {
    expect(parseHostList('127.0.0.2:2,127.0.0.3:2')).toEqual([
      { name: '127.0.0.2', slots: 2 },
      { name: '127.0.0.3', slots: 2 },
    ]);
  });

  it('accepts IPv6 addresses, in brackets when a slot count follows', () => {
    expect(parseHostList('[::1]:2,fe80::1,[2001:db8::5]')).toEqual([
      { name: '::1', slots: 2 },
      { name: 'fe80::1', slots: 1 },
      { name: '2001:db8::5', slots: 1 },
    ]);
    // Without brackets the last group is part of the address.
    expect(parseHostList('::1:2')).toEqual([{ name: '::1:2', slots: 1 }]);
  });

  it('keeps a user name before a host, as Open MPI hostfiles allow', () => {
    expect(parseHostList('alice@node1:2,bob.smith@10.0.0.7')).toEqual([
      { name: 'alice@node1', slots: 2 },
      { name: 'bob.smith@10.0.0.7', slots: 1 },
    ]);
  });

  it('adds slots of repeated names like Open MPI', () => {
    expect(parseHostList('a,a')).toEqual([{ name: 'a', slots: 2 }]);
    expect(parseHostList('a:2,b,a:3,b')).toEqual([
      { name: 'a', slots: 5 },
      { name: 'b', slots: 2 },
    ]);
  });

  it('tolerates spaces around entries', () => {
    expect(parseHostList(' a:2 , b ')).toEqual([
      { name: 'a', slots: 2 },
      { name: 'b', slots: 1 },
    ]);
  });

  it.each([
    ['', '--host: no hosts given'],
    ['  ', '--host: no hosts given'],
    ['a,,b', '--host: empty entry in "a,,b"'],
    ['a,', '--host: empty entry in "a,"'],
    [',a', '--host: empty entry in ",a"'],
    ['a,b:x', '--host: bad slots value "x" in entry "b:x" (expected a positive integer)'],
    ['a:0', '--host: bad slots value "0" in entry "a:0" (expected a positive integer)'],
    ['a:-1', '--host: bad slots value "-1" in entry "a:-1" (expected a positive integer)'],
    ['a:', '--host: bad slots value "" in entry "a:" (expected a positive integer)'],
    ['a:1:2', '--host: bad slots value "1:2" in entry "a:1:2" (expected a positive integer)'],
    [':2', '--host: empty host name in entry ":2"'],
    ['ok,b!d:2', '--host: invalid host name "b!d" in entry "b!d:2"'],
    ['@d:2', '--host: invalid user name "" in "@d" in entry "@d:2"'],
    ['a b@d', '--host: invalid user name "a b" in "a b@d" in entry "a b@d"'],
    ['1.2.3.999', '--host: invalid IPv4 address "1.2.3.999" in entry "1.2.3.999"'],
    ['[::1', '--host: invalid host name "[::1" in entry "[::1"'],
    ['[::1]x', '--host: invalid host name "[::1]x" in entry "[::1]x"'],
    ['[::1]:0', '--host: bad slots value "0" in entry "[::1]:0" (expected a positive integer)'],
  ])('rejects %j: %s', (arg, message) => {
    let caught: unknown;
    try {
      parseHostList(arg);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HostError);
    expect((caught as HostError).message).toBe(message);
  });
});

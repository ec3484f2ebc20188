import { describe, expect, it } from 'vitest';
import * as os from 'node:os';
import { HostError, type HostSpec } from '../../../launcher/hosts/host.js';
import { formatMap, isLocalHost, isLocalOnly, planPlacement, type PlanOptions, type Placement } from '../../../launcher/hosts/placement.js';

const slot: PlanOptions = { mapBy: 'slot', oversubscribe: false, localOnly: false };
const node: PlanOptions = { mapBy: 'node', oversubscribe: false, localOnly: false };

function hostsOf(plan: Placement[]): string {
  return plan.map((p) => p.host).join(' ');
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return (e as HostError).message;
  }
  throw new Error('expected a HostError');
}

const ab: HostSpec[] = [
  { name: 'a', slots: 2 },
  { name: 'b', slots: 2 },
];
const uneven: HostSpec[] = [
  { name: 'a', slots: 3 },
  { name: 'b', slots: 1 },
  { name: 'c', slots: 2 },
];

describe('planPlacement: map-by slot', () => {
  it('defaults np to the total slots and fills hosts in turn', () => {
    expect(planPlacement(uneven, slot)).toEqual([
      { rank: 0, host: 'a', localRank: 0, localSize: 3 },
      { rank: 1, host: 'a', localRank: 1, localSize: 3 },
      { rank: 2, host: 'a', localRank: 2, localSize: 3 },
      { rank: 3, host: 'b', localRank: 0, localSize: 1 },
      { rank: 4, host: 'c', localRank: 0, localSize: 2 },
      { rank: 5, host: 'c', localRank: 1, localSize: 2 },
    ]);
  });

  it('uses only the first hosts when fewer ranks than slots', () => {
    expect(hostsOf(planPlacement(uneven, { ...slot, np: 4 }))).toBe('a a a b');
    expect(hostsOf(planPlacement(uneven, { ...slot, np: 2 }))).toBe('a a');
    expect(planPlacement(uneven, { ...slot, np: 2 }).map((p) => p.localSize)).toEqual([2, 2]);
    expect(planPlacement(uneven, { ...slot, np: 1 })).toEqual([{ rank: 0, host: 'a', localRank: 0, localSize: 1 }]);
  });

  it('oversubscribes round-robin, keeping ranks contiguous per host', () => {
    const plan = planPlacement(ab, { ...slot, np: 7, oversubscribe: true });
    expect(hostsOf(plan)).toBe('a a a a b b b');
    expect(plan.map((p) => `${p.localRank}/${p.localSize}`)).toEqual(['0/4', '1/4', '2/4', '3/4', '0/3', '1/3', '2/3']);
  });

  it('oversubscribes up to max_slots, then on other hosts', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 1, maxSlots: 2 },
      { name: 'b', slots: 1 },
    ];
    expect(hostsOf(planPlacement(hosts, { ...slot, np: 6, oversubscribe: true }))).toBe('a a b b b b');
  });

  it('reaches max_slots exactly', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 2, maxSlots: 3 },
      { name: 'b', slots: 1, maxSlots: 4 },
    ];
    expect(hostsOf(planPlacement(hosts, { ...slot, np: 7, oversubscribe: true }))).toBe('a a a b b b b');
  });
});

describe('planPlacement: map-by node', () => {
  it('round-robins one rank per host', () => {
    expect(planPlacement(ab, node)).toEqual([
      { rank: 0, host: 'a', localRank: 0, localSize: 2 },
      { rank: 1, host: 'b', localRank: 0, localSize: 2 },
      { rank: 2, host: 'a', localRank: 1, localSize: 2 },
      { rank: 3, host: 'b', localRank: 1, localSize: 2 },
    ]);
  });

  it('skips hosts whose slots are full', () => {
    expect(hostsOf(planPlacement(uneven, node))).toBe('a b c a c a');
    const plan = planPlacement(uneven, node);
    expect(plan.filter((p) => p.host === 'a').map((p) => [p.rank, p.localRank])).toEqual([
      [0, 0],
      [3, 1],
      [5, 2],
    ]);
  });

  it('with fewer ranks than slots spreads over hosts first', () => {
    expect(hostsOf(planPlacement(uneven, { ...node, np: 4 }))).toBe('a b c a');
    expect(hostsOf(planPlacement(uneven, { ...node, np: 2 }))).toBe('a b');
  });

  it('oversubscribes by continuing the round-robin over all hosts', () => {
    expect(hostsOf(planPlacement(uneven, { ...node, np: 9, oversubscribe: true }))).toBe('a b c a c a a b c');
  });

  it('oversubscribes within max_slots', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 1, maxSlots: 1 },
      { name: 'b', slots: 1, maxSlots: 3 },
      { name: 'c', slots: 1 },
    ];
    expect(hostsOf(planPlacement(hosts, { ...node, np: 8, oversubscribe: true }))).toBe('a b c b c b c c');
  });
});

describe('planPlacement: limits and errors', () => {
  it('refuses more ranks than slots without --oversubscribe', () => {
    expect(messageOf(() => planPlacement(ab, { ...slot, np: 6 }))).toBe(
      'not enough slots: 6 ranks requested but the hosts provide 4 (hosts: a:2, b:2); use --oversubscribe or fewer ranks',
    );
    expect(messageOf(() => planPlacement(ab, { ...node, np: 5 }))).toMatch(/^not enough slots: 5 ranks requested but the hosts provide 4/);
  });

  it('always allows oversubscription for a local-only plan', () => {
    const local: HostSpec[] = [{ name: 'localhost', slots: 2 }];
    expect(hostsOf(planPlacement(local, { ...slot, np: 5, localOnly: true }))).toBe('localhost localhost localhost localhost localhost');
    expect(planPlacement(local, { ...node, np: 3, localOnly: true }).map((p) => p.localRank)).toEqual([0, 1, 2]);
  });

  it('keeps max_slots a hard limit even with --oversubscribe', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 2, maxSlots: 3 },
      { name: 'b', slots: 2, maxSlots: 3 },
    ];
    expect(messageOf(() => planPlacement(hosts, { ...slot, np: 7, oversubscribe: true }))).toBe(
      'not enough slots: 7 ranks requested but max_slots allows at most 6 (hosts: a:2 max_slots=3, b:2 max_slots=3); use fewer ranks or raise max_slots',
    );
    expect(messageOf(() => planPlacement(hosts, { ...node, np: 7, localOnly: true }))).toMatch(/max_slots allows at most 6/);
    expect(planPlacement(hosts, { ...node, np: 6, oversubscribe: true })).toHaveLength(6);
  });

  it('is unlimited when any host has no max_slots', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 1, maxSlots: 1 },
      { name: 'b', slots: 1 },
    ];
    expect(planPlacement(hosts, { ...slot, np: 100, oversubscribe: true })).toHaveLength(100);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects np = %s', (np) => {
    expect(messageOf(() => planPlacement(ab, { ...slot, np }))).toBe(
      `invalid number of ranks ${String(np)}: expected a positive integer`,
    );
  });

  it('rejects an empty host list', () => {
    expect(messageOf(() => planPlacement([], slot))).toBe('no hosts to run on');
  });

  it('rejects malformed hand-built host specs', () => {
    expect(messageOf(() => planPlacement([{ name: 'a', slots: 0 }], slot))).toBe('host a: slots must be a positive integer, got 0');
    expect(messageOf(() => planPlacement([{ name: 'a', slots: 1.5 }], slot))).toMatch(/^host a: slots must be a positive integer/);
    expect(messageOf(() => planPlacement([{ name: 'a', slots: 3, maxSlots: 2 }], slot))).toBe(
      'host a: max_slots=2 must be an integer of at least slots=3',
    );
  });

  it('lists only the first hosts in the shortfall message', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, slots: 1 }));
    expect(messageOf(() => planPlacement(many, { ...slot, np: 21 }))).toContain('n7:1, … and 12 more');
  });
});

describe('planPlacement: duplicates and local ranks', () => {
  it('merges repeated host names so their ranks stay together', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 1 },
      { name: 'b', slots: 1 },
      { name: 'a', slots: 1 },
    ];
    expect(planPlacement(hosts, slot).map((p) => [p.host, p.localRank, p.localSize])).toEqual([
      ['a', 0, 2],
      ['a', 1, 2],
      ['b', 0, 1],
    ]);
  });

  it('gives every rank a local rank below its local size, unique per host', () => {
    for (const opts of [slot, node]) {
      const plan = planPlacement(uneven, { ...opts, np: 11, oversubscribe: true });
      expect(plan.map((p) => p.rank)).toEqual([...Array(11).keys()]);
      for (const host of ['a', 'b', 'c']) {
        const mine = plan.filter((p) => p.host === host);
        expect(mine.map((p) => p.localRank)).toEqual([...Array(mine.length).keys()]);
        expect(new Set(mine.map((p) => p.localSize))).toEqual(new Set([mine.length]));
      }
    }
  });

  it('does not modify the hosts passed in', () => {
    const hosts: HostSpec[] = [
      { name: 'a', slots: 1 },
      { name: 'a', slots: 1 },
    ];
    planPlacement(hosts, slot);
    expect(hosts).toEqual([
      { name: 'a', slots: 1 },
      { name: 'a', slots: 1 },
    ]);
  });
});

describe('formatMap', () => {
  it('prints a header and one aligned line per rank', () => {
    const plan = planPlacement([{ name: 'node1', slots: 1 }, { name: '127.0.0.2', slots: 2 }], slot);
    expect(formatMap(plan)).toBe(
      ['rank  host       local rank', '   0  node1               0', '   1  127.0.0.2           0', '   2  127.0.0.2           1'].join('\n'),
    );
  });

  it('widens columns for long values', () => {
    const plan = planPlacement([{ name: 'a', slots: 10000 }], { ...slot, np: 10001, oversubscribe: true });
    const lines = formatMap(plan).split('\n');
    expect(lines).toHaveLength(10002);
    expect(lines[0]).toBe(' rank  host  local rank');
    expect(lines[10001]).toBe('10000  a          10000');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('prints only the header for an empty plan', () => {
    expect(formatMap([])).toBe('rank  host  local rank');
  });
});

describe('isLocalHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '::1', 'myhost', 'myhost.example.com', 'MyHost', 'alice@localhost', 'bob@myhost'])('%s is local', (name) => {
    expect(isLocalHost(name, 'myhost.example.com')).toBe(true);
  });

  it.each(['127.0.0.2', '127.0.0.3', 'otherhost', 'myhost.other.com', 'example.com', '', '0.0.0.0', 'myhostx', 'myhost@otherhost'])('%s is not local', (name) => {
    expect(isLocalHost(name, 'myhost.example.com')).toBe(false);
  });

  it('uses os.hostname() by default', () => {
    const self = os.hostname();
    expect(isLocalHost(self)).toBe(true);
    expect(isLocalHost(self.split('.')[0] ?? self)).toBe(true);
    expect(isLocalHost('localhost')).toBe(true);
    expect(isLocalHost('127.0.0.2')).toBe(false);
  });

  it('does not treat an empty name as local when the machine name is empty', () => {
    expect(isLocalHost('', '')).toBe(false);
  });
});

describe('isLocalOnly', () => {
  it('is true when every host is this machine', () => {
    expect(isLocalOnly([{ name: 'localhost', slots: 4 }], 'm')).toBe(true);
    expect(isLocalOnly([{ name: 'localhost', slots: 1 }, { name: 'm', slots: 1 }], 'm')).toBe(true);
  });

  it('is false with any remote host or none', () => {
    expect(isLocalOnly([{ name: 'localhost', slots: 1 }, { name: '127.0.0.2', slots: 1 }], 'm')).toBe(false);
    expect(isLocalOnly([], 'm')).toBe(false);
  });
});

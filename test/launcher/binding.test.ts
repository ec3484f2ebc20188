import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BindingError, allowedCpus, cpuFor, parseCpuList, resolveBinding, type HostCpus } from '../../launcher/binding.js';

const bin = mkdtempSync(join(tmpdir(), 'tsmpi-binding-test-'));
const taskset = join(bin, 'taskset');
writeFileSync(taskset, '#!/bin/sh\n');
chmodSync(taskset, 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const status = (list: string) => `Name:\tnode\nCpus_allowed:\tff\nCpus_allowed_list:\t${list}\nMems_allowed_list:\t0\n`;
const host = (over: Partial<HostCpus> = {}): HostCpus => ({ status: status('0-3'), online: '0-3\n', path: `/nonexistent:${bin}`, ...over });

describe('CPU lists', () => {
  it.each([
    ['0', [0]],
    ['0-3', [0, 1, 2, 3]],
    ['0-1,4,6-7', [0, 1, 4, 6, 7]],
    ['12', [12]],
  ])('reads %s', (list, cpus) => {
    expect(parseCpuList(list)).toEqual(cpus);
    expect(allowedCpus(status(list))).toEqual(cpus);
  });

  it.each(['', '3-1', 'a', '0-', '1,,2'])('refuses %o', (list) => {
    expect(parseCpuList(list)).toBeNull();
  });

  it('finds no list in a status without one', () => {
    expect(allowedCpus('Name:\tnode\n')).toBeNull();
  });
});

describe('resolveBinding', () => {
  it('none binds nothing, whatever the host offers', () => {
    expect(resolveBinding('none', host())).toBeNull();
  });

  it('auto and core deal over the allowed CPUs that are online, with the taskset on the PATH', () => {
    expect(resolveBinding('auto', host({ status: status('0-5'), online: '0-3,5' }))).toEqual({ taskset, cpus: [0, 1, 2, 3, 5], always: false });
    expect(resolveBinding('core', host())).toEqual({ taskset, cpus: [0, 1, 2, 3], always: true });
    expect(resolveBinding('core', host({ online: null }))?.cpus).toEqual([0, 1, 2, 3]);
  });

  it('auto quietly binds nothing where it cannot bind', () => {
    expect(resolveBinding('auto', host({ path: '/nonexistent' }))).toBeNull();
    expect(resolveBinding('auto', host({ status: null }))).toBeNull();
    expect(resolveBinding('auto', host({ status: status('2'), online: '0-1' }))).toBeNull();
  });

  it('core where it cannot bind is an error naming why', () => {
    expect(() => resolveBinding('core', host({ path: '/nonexistent' }))).toThrow(new BindingError('--bind-to core needs taskset (util-linux) on the PATH'));
    expect(() => resolveBinding('core', host({ status: 'Name:\tnode\n' }))).toThrow(/which CPUs a process may use/);
  });
});

describe('cpuFor', () => {
  const auto = { taskset, cpus: [2, 3], always: false };
  it('auto binds round-robin only when the host runs at least one rank per CPU', () => {
    expect(cpuFor(auto, 0, 1)).toBeNull();
    expect([0, 1].map((r) => cpuFor(auto, r, 2))).toEqual([2, 3]);
    expect([0, 1, 2, 3, 4].map((r) => cpuFor(auto, r, 5))).toEqual([2, 3, 2, 3, 2]);
  });

  it('core always binds; no binding binds nothing', () => {
    expect(cpuFor({ ...auto, always: true }, 0, 1)).toBe(2);
    expect(cpuFor(null, 0, 8)).toBeNull();
  });
});

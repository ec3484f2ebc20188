import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BindingError, allowedCpus, cpuFor, parseCpuList, resolveBinding, type HostCpus } from '../../launcher/binding.js';

const bin = mkdtempSync(join(tmpdir(), 'tsmpi-binding-test-'));
const taskset = join(bin, 'taskset');
writeFileSync(taskset, '#!/bin/sh\n');
chmodSync(taskset, 0o755);
/** A taskset that refuses, as one does where a container forbids changing affinity. */
const refusing = mkdtempSync(join(tmpdir(), 'tsmpi-binding-test-'));
writeFileSync(join(refusing, 'taskset'), "#!/bin/sh\necho \"taskset: failed to set pid 0's affinity: Operation not permitted\" >&2\nexit 1\n");
chmodSync(join(refusing, 'taskset'), 0o755);
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(refusing, { recursive: true, force: true });
});

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

  it('core deals over the allowed CPUs that are online, with the taskset on the PATH', () => {
    expect(resolveBinding('core', host({ status: status('0-5'), online: '0-3,5' }))).toEqual({ taskset, cpus: [0, 1, 2, 3, 5] });
    expect(resolveBinding('core', host())).toEqual({ taskset, cpus: [0, 1, 2, 3] });
    expect(resolveBinding('core', host({ online: null }))?.cpus).toEqual([0, 1, 2, 3]);
  });

  it('core where it cannot bind is an error naming why', () => {
    expect(() => resolveBinding('core', host({ path: '/nonexistent' }))).toThrow(new BindingError('--bind-to core needs taskset (util-linux) on the PATH'));
    expect(() => resolveBinding('core', host({ status: 'Name:\tnode\n' }))).toThrow(/which CPUs a process may use/);
    expect(() => resolveBinding('core', host({ status: null }))).toThrow(/which CPUs a process may use/);
    expect(() => resolveBinding('core', host({ status: status('2'), online: '0-1' }))).toThrow(/which CPUs a process may use/);
  });

  it('core with a taskset that cannot bind says what taskset said, once, before any rank starts', () => {
    expect(() => resolveBinding('core', host({ path: refusing }))).toThrow(
      new BindingError(`--bind-to core: ${join(refusing, 'taskset')} cannot bind a process to CPU 0: taskset: failed to set pid 0's affinity: Operation not permitted`),
    );
  });
});

describe('cpuFor', () => {
  it('deals ranks round-robin over the CPUs', () => {
    const binding = { taskset, cpus: [2, 3] };
    expect([0, 1, 2, 3, 4].map((r) => cpuFor(binding, r))).toEqual([2, 3, 2, 3, 2]);
  });
});

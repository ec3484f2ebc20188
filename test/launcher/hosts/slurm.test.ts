import { describe, expect, it } from 'vitest';
import { HostError } from '../../../launcher/hosts/host.js';
import { MAX_EXPANDED_NODES, expandNodeList, expandTasksPerNode, slurmHosts } from '../../../launcher/hosts/slurm.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return (e as HostError).message;
  }
  throw new Error('expected a HostError');
}

describe('expandNodeList', () => {
  it.each([
    ['node1', ['node1']],
    ['node[01-04,07]', ['node01', 'node02', 'node03', 'node04', 'node07']],
    ['tux[1-3],foo', ['tux1', 'tux2', 'tux3', 'foo']],
    ['a[1-2]b[3-4]', ['a1b3', 'a1b4', 'a2b3', 'a2b4']],
    ['a[1-2]-b[3-4]', ['a1-b3', 'a1-b4', 'a2-b3', 'a2-b4']],
    ['n[1-2],m5,x[08-10]', ['n1', 'n2', 'm5', 'x08', 'x09', 'x10']],
    ['x[8-10]', ['x8', 'x9', 'x10']],
    ['x[098-101]', ['x098', 'x099', 'x100', 'x101']],
    ['n[5]', ['n5']],
    ['n[3,1,2]', ['n3', 'n1', 'n2']],
    ['[1-2]n', ['1n', '2n']],
    ['rack[1-2].node[1-2].example.com', ['rack1.node1.example.com', 'rack1.node2.example.com', 'rack2.node1.example.com', 'rack2.node2.example.com']],
    ['10.0.0.[1-3]', ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    ['a,b,c', ['a', 'b', 'c']],
    ['  node[1-2]\n', ['node1', 'node2']],
  ])('%s', (list, names) => {
    expect(expandNodeList(list)).toEqual(names);
  });

  it.each([
    ['', 'empty entry'],
    ['a,,b', 'empty entry'],
    ['a,', 'empty entry'],
    ['node[1-2', '"[" without "]"'],
    ['node1-2]', '"]" without "["'],
    ['node[1-[2]]', 'nested "["'],
    ['node[]', 'empty "[]"'],
    ['node[a-c]', 'bad range "a-c"'],
    ['node[1-]', 'bad range "1-"'],
    ['node[1,,2]', 'bad range ""'],
    ['node[1-2-3]', 'bad range "1-2-3"'],
    ['node[5-3]', 'range "5-3" goes down'],
    ['no de', 'invalid host name "no de"'],
    ['n[0-9999999]', `more than ${MAX_EXPANDED_NODES} nodes`],
    ['a[0-9999]b[0-9999]', `more than ${MAX_EXPANDED_NODES} nodes`],
  ])('rejects %j: %s', (list, what) => {
    expect(messageOf(() => expandNodeList(list))).toBe(`bad Slurm node list "${list}": ${what}`);
  });
});

describe('expandTasksPerNode', () => {
  it.each([
    ['2(x3),1', [2, 2, 2, 1]],
    ['4', [4]],
    ['1,2,3', [1, 2, 3]],
    ['16(x2)', [16, 16]],
    ['1(x1)', [1]],
    ['3(x2),1,2(x2)', [3, 3, 1, 2, 2]],
    ['0,2', [0, 2]],
  ])('%s', (s, counts) => {
    expect(expandTasksPerNode(s)).toEqual(counts);
  });

  it.each(['', 'x', '2(x0)', '2(3)', '2(x3', '2x3', '-1', '1.5', '2,,1', '2(x)', '(x2)'])('rejects %j', (s) => {
    expect(messageOf(() => expandTasksPerNode(s))).toMatch(new RegExp(`^bad Slurm count list ".*": `));
  });

  it('names the bad item', () => {
    expect(messageOf(() => expandTasksPerNode('2(x3),y'))).toBe(
      'bad Slurm count list "2(x3),y": bad item "y" (expected N or N(xM))',
    );
  });
});

describe('slurmHosts', () => {
  it('is null outside Slurm', () => {
    expect(slurmHosts({})).toBeNull();
    expect(slurmHosts({ PATH: '/bin' })).toBeNull();
    expect(slurmHosts({ SLURM_JOB_ID: '42' })).toBeNull();
    expect(slurmHosts({ SLURM_JOB_NODELIST: 'n[1-2]' })).toBeNull();
    expect(slurmHosts({ SLURM_JOB_ID: '', SLURM_JOB_NODELIST: 'n1' })).toBeNull();
  });

  it('takes nodes and tasks per node from the allocation', () => {
    const env = { SLURM_JOB_ID: '42', SLURM_JOB_NODELIST: 'node[01-04,07]', SLURM_TASKS_PER_NODE: '2(x3),1,4' };
    expect(slurmHosts(env)).toEqual([
      { name: 'node01', slots: 2 },
      { name: 'node02', slots: 2 },
      { name: 'node03', slots: 2 },
      { name: 'node04', slots: 1 },
      { name: 'node07', slots: 4 },
    ]);
  });

  it('accepts the older SLURM_JOBID and SLURM_NODELIST', () => {
    expect(slurmHosts({ SLURM_JOBID: '7', SLURM_NODELIST: 'tux[1-3],foo', SLURM_TASKS_PER_NODE: '1(x4)' })).toEqual([
      { name: 'tux1', slots: 1 },
      { name: 'tux2', slots: 1 },
      { name: 'tux3', slots: 1 },
      { name: 'foo', slots: 1 },
    ]);
  });

  it('prefers SLURM_JOB_NODELIST over SLURM_NODELIST', () => {
    expect(slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a', SLURM_NODELIST: 'b' })).toEqual([{ name: 'a', slots: 1 }]);
  });

  it('falls back to SLURM_JOB_CPUS_PER_NODE, then 1 per node', () => {
    expect(slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_JOB_CPUS_PER_NODE: '8(x2)' })).toEqual([
      { name: 'n1', slots: 8 },
      { name: 'n2', slots: 8 },
    ]);
    expect(slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-2]' })).toEqual([
      { name: 'n1', slots: 1 },
      { name: 'n2', slots: 1 },
    ]);
  });

  it('prefers SLURM_TASKS_PER_NODE over SLURM_JOB_CPUS_PER_NODE', () => {
    const env = { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_TASKS_PER_NODE: '2', SLURM_JOB_CPUS_PER_NODE: '32' };
    expect(slurmHosts(env)).toEqual([{ name: 'n1', slots: 2 }]);
  });

  it('leaves out nodes with 0 tasks', () => {
    expect(slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-3]', SLURM_TASKS_PER_NODE: '2,0,1' })).toEqual([
      { name: 'n1', slots: 2 },
      { name: 'n3', slots: 1 },
    ]);
  });

  it('reports a count list that does not match the nodes', () => {
    const env = { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-3]', SLURM_TASKS_PER_NODE: '2(x2)' };
    expect(messageOf(() => slurmHosts(env))).toBe(
      'Slurm: SLURM_TASKS_PER_NODE="2(x2)" gives 2 counts but SLURM_JOB_NODELIST="n[1-3]" lists 3 nodes',
    );
  });

  it('reports all-zero counts', () => {
    const env = { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_TASKS_PER_NODE: '0(x2)' };
    expect(messageOf(() => slurmHosts(env))).toBe('Slurm: SLURM_TASKS_PER_NODE="0(x2)" gives no node any slot');
  });

  it('reports malformed variables', () => {
    expect(messageOf(() => slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-' }))).toMatch(/^bad Slurm node list "n\[1-"/);
    expect(messageOf(() => slurmHosts({ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_TASKS_PER_NODE: 'lots' }))).toMatch(
      /^bad Slurm count list "lots"/,
    );
  });
});

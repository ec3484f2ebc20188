import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostError } from '../../../launcher/hosts/host.js';
import { parsePbsNodefile, pbsHosts } from '../../../launcher/hosts/pbs.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return (e as HostError).message;
  }
  throw new Error('expected a HostError');
}

describe('parsePbsNodefile', () => {
  it('counts one slot per line, in first-appearance order', () => {
    const text = 'node2\nnode2\nnode1\nnode2\nnode1\nnode3\n';
    expect(parsePbsNodefile(text, 'nodes')).toEqual([
      { name: 'node2', slots: 3 },
      { name: 'node1', slots: 2 },
      { name: 'node3', slots: 1 },
    ]);
  });

  it('ignores blank lines, surrounding spaces, comments and CRLF', () => {
    expect(parsePbsNodefile('\n  n1.cluster \r\n\r\n# x\nn1.cluster\n', 'nodes')).toEqual([{ name: 'n1.cluster', slots: 2 }]);
  });

  it('names file and line of a bad host name', () => {
    expect(messageOf(() => parsePbsNodefile('n1\nn1\nn 2\n', '/var/spool/pbs/aux/42.server'))).toBe(
      'PBS node file /var/spool/pbs/aux/42.server line 3: invalid host name "n 2"',
    );
  });

  it('rejects an empty node file', () => {
    expect(messageOf(() => parsePbsNodefile('\n\n', 'nodes'))).toBe('PBS node file nodes: no hosts listed');
  });
});

describe('pbsHosts', () => {
  it('is null outside a PBS job', () => {
    expect(pbsHosts({})).toBeNull();
    expect(pbsHosts({ PBS_NODEFILE: '' })).toBeNull();
  });

  it('reads $PBS_NODEFILE through the given reader', () => {
    const calls: string[] = [];
    const read = (p: string, enc: 'utf8'): string => {
      calls.push(`${p}:${enc}`);
      return 'a\nb\na\n';
    };
    expect(pbsHosts({ PBS_NODEFILE: '/tmp/x' }, read)).toEqual([
      { name: 'a', slots: 2 },
      { name: 'b', slots: 1 },
    ]);
    expect(calls).toEqual(['/tmp/x:utf8']);
  });

  it('reads a real file by default', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmpi-pbs-'));
    try {
      const file = path.join(dir, 'nodefile');
      fs.writeFileSync(file, 'n1\nn1\nn2\n');
      expect(pbsHosts({ PBS_NODEFILE: file })).toEqual([
        { name: 'n1', slots: 2 },
        { name: 'n2', slots: 1 },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unreadable file', () => {
    const missing = path.join(os.tmpdir(), 'tsmpi-no-such-dir', 'nodefile');
    const message = messageOf(() => pbsHosts({ PBS_NODEFILE: missing }));
    expect(message).toMatch(new RegExp(`^cannot read PBS node file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(PBS_NODEFILE\\): ENOENT`));
    expect(message).not.toContain('\n');
  });

  it('names the file in parse errors', () => {
    expect(messageOf(() => pbsHosts({ PBS_NODEFILE: '/f' }, () => 'ok\nb!d\n'))).toBe(
      'PBS node file /f line 2: invalid host name "b!d"',
    );
  });
});

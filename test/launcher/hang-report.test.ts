import { describe, expect, it } from 'vitest';
import { formatHangReport, rankList } from '../../launcher/hang-report.js';

describe('hang report', () => {
  it('compresses rank lists', () => {
    expect(rankList([0, 1, 2, 3, 7])).toBe('0-3,7');
    expect(rankList([0, 1, 5, 6])).toBe('0,1,5,6');
    expect(rankList([4])).toBe('4');
  });

  it('groups ranks in the same position, largest group first, odd ones out last', () => {
    const report = formatHangReport('the job hangs:', [
      { rank: 0, host: 'a', pending: ['allreduce(SUM) #17 on world'] },
      { rank: 1, host: 'a', pending: ['recv(source=0, tag=5) on world'] },
      { rank: 2, host: 'b', pending: ['allreduce(SUM) #17 on world'] },
      { rank: 3, host: 'b', pending: ['allreduce(SUM) #17 on world'] },
      { rank: 4, host: 'b', pending: 'exited' },
      { rank: 5, host: 'b', pending: null },
    ]);
    expect(report.split('\n')).toEqual([
      'the job hangs:',
      '  ranks 0,2,3 (0 on a; 2,3 on b): allreduce(SUM) #17 on world',
      '  rank 1 (a): recv(source=0, tag=5) on world',
      '  rank 4 (b): has exited',
      '  rank 5 (b): did not answer (busy in its own code, not yielding to the event loop?)',
    ]);
  });

  it('says which ranks of a group are on which host, up to three hosts', () => {
    const at = (rank: number, host: string) => ({ rank, host, pending: ['barrier #0 on world'] });
    const line = (states: ReturnType<typeof at>[]) => formatHangReport('h', states).split('\n')[1];
    expect(line([at(0, 'a'), at(1, 'a')])).toBe('  ranks 0,1 (a): barrier #0 on world');
    expect(line([at(0, 'a'), at(1, 'b'), at(2, 'a'), at(3, 'c')])).toBe('  ranks 0-3 (0,2 on a; 1 on b; 3 on c): barrier #0 on world');
    expect(line([at(0, 'a'), at(1, 'b'), at(2, 'c'), at(3, 'd')])).toBe('  ranks 0-3 (4 hosts): barrier #0 on world');
  });

  it('counts identical operations and spells out only the first kinds, so a flood stays one short line', () => {
    const flood = Array.from({ length: 5000 }, (_, i) => (i % 2 ? 'send(dest=0, tag=1, 3 bytes) on world' : `send(dest=0, tag=${i}, 8 bytes) on world`));
    const line = formatHangReport('h', [{ rank: 1, host: 'a', pending: ['probe(source=2, tag=7) on world', ...flood] }]).split('\n')[1]!;
    expect(line).toMatch(/^  rank 1 \(a\): probe\(source=2, tag=7\) on world; send\(dest=0, tag=0, 8 bytes\) on world; send\(dest=0, tag=1, 3 bytes\) on world × 2500; /);
    // The probe, the counted send and ten distinct ones are spelled out; 2490 distinct sends are counted.
    expect(line).toMatch(/; and 2490 more operations$/);
    expect(line.length).toBeLessThan(600);
    const two = formatHangReport('h', [{ rank: 0, host: 'a', pending: ['barrier #3 on world', 'barrier #3 on world'] }]).split('\n')[1];
    expect(two).toBe('  rank 0 (a): barrier #3 on world × 2');
  });
});

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
});

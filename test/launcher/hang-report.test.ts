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
      '  ranks 0,2,3 (a, b): allreduce(SUM) #17 on world',
      '  rank 1 (a): recv(source=0, tag=5) on world',
      '  rank 4 (b): has exited',
      '  rank 5 (b): did not answer (busy in its own code, not yielding to the event loop?)',
    ]);
  });
});

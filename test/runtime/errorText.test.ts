import { describe, expect, it } from 'vitest';
import { withProgramFramesOnly } from '../../src/runtime/errorText.js';

const OWN = '/opt/app/node_modules/tsmpi/dist/';

describe('withProgramFramesOnly', () => {
  it("keeps the message and the program's frames, leaving out tsmpi's and Node's internals", () => {
    const stack = [
      'MpiError: ERR_RANK: invalid destination rank 99 (communicator size 2)',
      `    at mpiError (${OWN}runtime.cjs:3823:10)`,
      `    at _Comm.send (${OWN}runtime.cjs:9451:12)`,
      '    at <anonymous> (/home/me/job/main.ts:3:29)',
      `    at run (${OWN}runtime.cjs:11990:11)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at async file:///home/me/job/main.ts:2:1',
    ].join('\n');
    expect(withProgramFramesOnly(stack, OWN)).toBe(
      ['MpiError: ERR_RANK: invalid destination rank 99 (communicator size 2)', '    at <anonymous> (/home/me/job/main.ts:3:29)', '    at async file:///home/me/job/main.ts:2:1'].join('\n'),
    );
  });

  it("shows the whole stack when no frame names a file of the program's (node:events, <anonymous> and native do not)", () => {
    const stack = [
      'MpiError: ERR_TRUNCATE: a message of 800 bytes does not fit in 80',
      `    at deliver (${OWN}runtime.cjs:100:3)`,
      '    at Array.forEach (<anonymous>)',
      '    at TLSSocket.emit (node:events:524:28)',
      '    at node:internal/main/run_main_module:28:49',
    ].join('\n');
    expect(withProgramFramesOnly(stack, OWN)).toBe(stack);
  });

  it('keeps a multi-line message whole, and paths with spaces count as files', () => {
    const stack = ['Error: two', 'lines', `    at f (${OWN}index.js:1:1)`, '    at g (/home/me/my job/main.ts:7:3)'].join('\n');
    expect(withProgramFramesOnly(stack, OWN)).toBe(['Error: two', 'lines', '    at g (/home/me/my job/main.ts:7:3)'].join('\n'));
  });
});

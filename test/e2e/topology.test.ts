// Process topologies end to end: computeDims, cartesian communicators on 2-D and 3-D
// grids (periodic and not) with shift, sub and neighbour collectives, and distributed
// graphs, through test/programs/topo-suite.ts under tsmpiexec.
import { describe, expect, it } from 'vitest';
import { program, TRANSPORTS, tsmpiexec } from '../helpers/tsmpiexec.js';

const CHECKS = [
  'computeDims',
  'createCart on 2-D and 3-D grids: coords, getRank, getCoords, shift',
  'cartesian neighborAllgather and neighborAlltoall on 2-D and 3-D grids, periodic and not',
  'sub-grids of 2-D and 3-D grids',
  'createCart with fewer grid slots than ranks returns null on the extra ranks',
  'createDistGraphAdjacent neighbour collectives',
  'topology errors',
];

// 2-D grids 1×1 … 4×3 and 3-D grids up to 3×2×2; 2, 6 and 8 have dimensions of extent 2,
// where both neighbours of a periodic dimension are one rank.
const SIZES: Record<string, number[]> = { unix: [1, 2, 3, 4, 6, 7, 8, 12], tcp: [4, 12] };

describe.each(TRANSPORTS)('topologies over $name', ({ name, env }) => {
  it.each(SIZES[name] ?? [4])(
    'passes every check with -n %i',
    async (n) => {
      const r = await tsmpiexec(['-n', String(n), '--timeout', '100', program('topo-suite.ts')], { env, timeoutMs: 120_000 });
      if (r.exitCode !== 0) console.error(r.stderr);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(CHECKS.map((c) => `ok ${c}`));
    },
    150_000,
  );
});

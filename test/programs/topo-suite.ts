// End-to-end checks of process topologies: computeDims, cartesian communicators
// (coords, getRank, getCoords, shift, sub, neighbour collectives) on 2-D and 3-D grids,
// periodic and not, and distributed-graph communicators. Every rank checks its results
// against a serial model of the grid written here; rank 0 prints "ok <check>" once a
// check passed on every rank. A failure throws, ending the job with a non-zero status.
//
//   node bin/tsmpiexec.js -n 8 test/programs/topo-suite.ts
import { init, finalize, computeDims, PROC_NULL, SUM } from 'tsmpi';
import { check, same, errorClassOf, expectError, done } from './harness.js';

const world = await init();
const control = await world.dup();
const { rank, size: p } = world;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// ---- a serial model of a cartesian grid (row-major, last dimension fastest) -----------------

function coordsOf(r: number, dims: number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) {
    out[d] = r % dims[d]!;
    r = Math.floor(r / dims[d]!);
  }
  return out;
}

/** The rank at `coords`, wrapping periodic dimensions; PROC_NULL off a non-periodic edge. */
function rankAt(coords: number[], dims: number[], periods: boolean[]): number {
  let r = 0;
  for (let d = 0; d < dims.length; d++) {
    let c = coords[d]!;
    if (periods[d]) c = ((c % dims[d]!) + dims[d]!) % dims[d]!;
    else if (c < 0 || c >= dims[d]!) return PROC_NULL;
    r = r * dims[d]! + c;
  }
  return r;
}

function moved(r: number, dims: number[], periods: boolean[], d: number, by: number): number {
  const c = coordsOf(r, dims);
  c[d]! += by;
  return rankAt(c, dims, periods);
}

/** MPI's neighbour order: per dimension, the negative then the positive neighbour. */
function neighborsOf(r: number, dims: number[], periods: boolean[]): number[] {
  return dims.flatMap((_, d) => [moved(r, dims, periods, d, -1), moved(r, dims, periods, d, 1)]);
}

// ---- checks -------------------------------------------------------------------------------

async function computeDimsCases(): Promise<void> {
  const cases: Array<[number, number | number[], number[]]> = [
    [6, 2, [3, 2]],
    [7, 2, [7, 1]],
    [12, 3, [3, 2, 2]],
    [16, 2, [4, 4]],
    [16, 3, [4, 2, 2]],
    [8, 3, [2, 2, 2]],
    [1, 3, [1, 1, 1]],
    [72, 2, [9, 8]],
    [30, 3, [5, 3, 2]],
    [36, 2, [6, 6]],
    [6, [0, 3, 0], [2, 3, 1]],
    [12, [0, 0, 2], [3, 2, 2]],
    [24, [0, 4], [6, 4]],
    [5, [5, 0], [5, 1]],
    [4, [2, 2], [2, 2]],
    [1, 0, []],
    [p, 2, computeDims(p, [0, 0])],
  ];
  for (const [n, dims, want] of cases) same(computeDims(n, dims), want, `computeDims(${n}, ${JSON.stringify(dims)})`);
  // Every answer multiplies out and is non-increasing.
  for (let n = 1; n <= 64; n++) {
    for (const nd of [1, 2, 3, 4]) {
      const dims = computeDims(n, nd);
      check(dims.length === nd && dims.reduce((a, b) => a * b, 1) === n, `computeDims(${n}, ${nd}) = ${dims}`);
      check(dims.every((d, i) => i === 0 || dims[i - 1]! >= d), `computeDims(${n}, ${nd}) = ${dims} is not non-increasing`);
    }
  }
  const bad: Array<[number, number | number[]]> = [[7, [2, 0]], [0, 2], [6, [4, 0]], [6, [2, 2]], [-1, 1], [2.5, 1], [6, -1], [6, [0, -1]]];
  for (const [n, dims] of bad) await expectError(() => computeDims(n, dims), 'ERR_ARG', `computeDims(${n}, ${JSON.stringify(dims)})`);
  await done(control, 'computeDims');
}

/** The grids every size is tested on: 2-D and 3-D from computeDims, periodic and not, and a thin one. */
function grids(): Array<[number[], boolean[]]> {
  const d2 = computeDims(p, 2);
  const d3 = computeDims(p, 3);
  return [
    [d2, [false, false]],
    [d2, [true, false]],
    [d2, [true, true]],
    [d3, [false, false, false]],
    [d3, [true, false, true]],
    [d3, [true, true, true]],
    [[p, 1], [true, true]], // a periodic dimension of extent 1: the rank is its own neighbour
    [[1, p, 1], [false, true, false]],
  ];
}

async function cartBasics(): Promise<void> {
  for (const [dims, periods] of grids()) {
    const what = `grid ${dims} periods ${periods}`;
    const cart = (await world.createCart(dims, periods))!;
    check(cart !== null, `${what}: createCart gave null`);
    check(cart.size === p && cart.rank === rank, `${what}: rank ${cart.rank} of ${cart.size}`);
    same(cart.dims, dims, `${what} dims`);
    same(cart.periods, periods, `${what} periods`);
    same(cart.coords, coordsOf(rank, dims), `${what} coords`);
    for (let r = 0; r < p; r++) {
      same(cart.getCoords(r), coordsOf(r, dims), `${what} getCoords(${r})`);
      check(cart.getRank(coordsOf(r, dims)) === r, `${what} getRank(getCoords(${r}))`);
    }
    for (let d = 0; d < dims.length; d++) {
      // One lap further round a periodic dimension is the same rank; off a non-periodic edge is an error.
      const beyond = [...cart.coords];
      beyond[d]! += dims[d]!;
      if (periods[d]) check(cart.getRank(beyond) === rank, `${what} getRank wraps in dimension ${d}`);
      else await expectError(() => cart.getRank(beyond), 'ERR_ARG', `${what} getRank off the edge of dimension ${d}`);
      for (const disp of [1, -1, 2, 0, dims[d]! + 1]) {
        same(cart.shift(d, disp), [moved(rank, dims, periods, d, -disp), moved(rank, dims, periods, d, disp)], `${what} shift(${d}, ${disp})`);
      }
      check(cart.shift(d)[1] === moved(rank, dims, periods, d, 1), `${what} shift(${d}) defaults to disp 1`);
      // A halo exchange the way applications write it: send up, receive from below.
      const [source, dest] = cart.shift(d, 1);
      const got = await cart.sendrecv({ from: rank, d }, dest, 7, source, 7);
      same(got, source === PROC_NULL ? undefined : { from: source, d }, `${what} sendrecv along dimension ${d}`);
    }
    // The cartesian communicator is a communicator: collectives work on it.
    same(await cart.allreduce(rank, SUM), (p * (p - 1)) / 2, `${what} allreduce on the grid`);
    cart.free();
  }
  await done(control, 'createCart on 2-D and 3-D grids: coords, getRank, getCoords, shift');
}

async function cartNeighbors(): Promise<void> {
  for (const [dims, periods] of grids()) {
    const what = `grid ${dims} periods ${periods}`;
    const cart = (await world.createCart(dims, periods))!;
    const nbrs = neighborsOf(rank, dims, periods);
    const gathered = await cart.neighborAllgather({ from: rank, coords: cart.coords });
    same(gathered, nbrs.map((n) => (n === PROC_NULL ? undefined : { from: n, coords: coordsOf(n, dims) })), `${what} neighborAllgather`);
    // Slot s goes to neighbour s; slot 2d comes from the negative neighbour, which sent its slot 2d + 1.
    const item = (from: number, slot: number): string => `${from}:${slot}`;
    const exchanged = await cart.neighborAlltoall(nbrs.map((_, slot) => item(rank, slot)));
    const want = nbrs.map((n, slot) => (n === PROC_NULL ? undefined : item(n, slot % 2 === 0 ? slot + 1 : slot - 1)));
    same(exchanged, want, `${what} neighborAlltoall`);
    // Typed arrays and several neighbour collectives in flight at once.
    const inFlight = [
      cart.neighborAllgather(Float64Array.of(rank, -rank)),
      cart.neighborAlltoall(nbrs.map((_, slot) => Int32Array.of(rank, slot))),
      cart.neighborAllgather(rank * 10),
    ];
    const [a, b, c] = await Promise.all(inFlight);
    same(a, nbrs.map((n) => (n === PROC_NULL ? undefined : Float64Array.of(n, -n))), `${what} neighborAllgather of typed arrays`);
    same(b, nbrs.map((n, slot) => (n === PROC_NULL ? undefined : Int32Array.of(n, slot % 2 === 0 ? slot + 1 : slot - 1))), `${what} neighborAlltoall of typed arrays`);
    same(c, nbrs.map((n) => (n === PROC_NULL ? undefined : n * 10)), `${what} neighborAllgather in flight`);
    await expectError(() => cart.neighborAlltoall([1]), nbrs.length === 1 ? 'no error' : 'ERR_COUNT', `${what} neighborAlltoall with one item`);
    // A duplicate keeps the grid, as MPI_Comm_dup does, with traffic of its own.
    const copy = await cart.dup();
    same([copy.dims, copy.periods, copy.coords, copy.shift(0)], [cart.dims, cart.periods, cart.coords, cart.shift(0)], `${what} dup keeps the grid`);
    check(copy.dims !== cart.dims && copy.periods !== cart.periods, `${what} dup has arrays of its own`);
    const [fromCopy, fromCart] = await Promise.all([copy.neighborAllgather(`copy ${rank}`), cart.neighborAllgather(`cart ${rank}`)]);
    same(fromCopy, nbrs.map((n) => (n === PROC_NULL ? undefined : `copy ${n}`)), `${what} neighborAllgather on a dup`);
    same(fromCart, nbrs.map((n) => (n === PROC_NULL ? undefined : `cart ${n}`)), `${what} neighborAllgather beside a dup's`);
    copy.free();
    cart.free();
  }
  await done(control, 'cartesian neighborAllgather and neighborAlltoall on 2-D and 3-D grids, periodic and not');
}

async function cartSub(): Promise<void> {
  for (const [dims, periods] of grids()) {
    const cart = (await world.createCart(dims, periods))!;
    const keeps = dims.length === 2 ? [[true, false], [false, true], [true, true], [false, false]] : [[true, false, true], [false, true, false], [false, false, true], [false, false, false]];
    for (const remain of keeps) {
      const what = `grid ${dims} periods ${periods} sub ${remain}`;
      const sub = await cart.sub(remain);
      const kept = dims.map((_, d) => d).filter((d) => remain[d]);
      const subDims = kept.map((d) => dims[d]!);
      const mine = coordsOf(rank, dims);
      same(sub.dims, subDims, `${what} dims`);
      same(sub.periods, kept.map((d) => periods[d]!), `${what} periods`);
      same(sub.coords, kept.map((d) => mine[d]!), `${what} coords`);
      check(sub.size === subDims.reduce((a, b) => a * b, 1), `${what} size ${sub.size}`);
      check(sub.rank === rankAt(kept.map((d) => mine[d]!), subDims, subDims.map(() => false)), `${what} rank ${sub.rank}`);
      // Members: every rank that agrees with me in the dropped dimensions, in sub-grid order.
      const members = range(p).filter((r) => dims.every((_, d) => remain[d] || coordsOf(r, dims)[d] === mine[d]));
      same(await sub.allgather(rank), members, `${what} members`);
      // Neighbours in the sub-grid are world ranks of the right sub-grid neighbours.
      const subNbrs = neighborsOf(sub.rank, subDims, sub.periods);
      same(await sub.neighborAllgather(rank), subNbrs.map((n) => (n === PROC_NULL ? undefined : members[n])), `${what} neighborAllgather`);
      sub.free();
    }
    cart.free();
  }
  await done(control, 'sub-grids of 2-D and 3-D grids');
}

async function partialGrid(): Promise<void> {
  // A grid with fewer slots than ranks: the extra ranks get null and take no part later.
  const shapes: number[][] = [[Math.max(1, p - 1)], [Math.max(1, Math.floor(p / 2)), p >= 2 ? 2 : 1], [1]];
  for (const dims of shapes) {
    const slots = dims.reduce((a, b) => a * b, 1);
    const cart = await world.createCart(dims, dims.map(() => true));
    if (rank >= slots) {
      check(cart === null, `grid ${dims}: rank ${rank} outside the grid got a communicator`);
    } else {
      check(cart !== null && cart.size === slots && cart.rank === rank, `grid ${dims}: rank ${cart?.rank} of ${cart?.size}`);
      const nbrs = neighborsOf(rank, dims, dims.map(() => true));
      same(await cart.neighborAllgather(rank), nbrs, `grid ${dims} neighborAllgather`);
      same(await cart.allreduce(1), slots, `grid ${dims} allreduce`);
      cart.free();
    }
    // World traffic is unaffected by who is in the grid.
    same(await world.allreduce(cart === null ? 1 : 0), p - slots, `ranks outside grid ${dims}`);
  }
  await done(control, 'createCart with fewer grid slots than ranks returns null on the extra ranks');
}

async function graphs(): Promise<void> {
  const item = (from: number, edge: number): string => `${from}→edge${edge}`;
  const mod = (x: number): number => ((x % p) + p) % p;
  type Graph = { name: string; sources: (r: number) => number[]; destinations: (r: number) => number[]; edgeOf: (r: number, slot: number) => number };
  const graphsToTest: Graph[] = [
    // Each rank sends along edge 0 to r + 1 and edge 1 to r + 3; slot j of its sources is the
    // rank whose edge j ends here. On 1 or 2 ranks both edges join the same pair (multiple
    // edges, matched in order); on 3, edge 1 is a self-loop.
    { name: 'ring with chords', destinations: (r) => [mod(r + 1), mod(r + 3)], sources: (r) => [mod(r - 1), mod(r - 3)], edgeOf: (_r, slot) => slot },
    // A hub: rank 0 sends to everyone and hears from everyone, in reverse order.
    {
      name: 'hub',
      destinations: (r) => (r === 0 ? range(p).slice(1) : [0]),
      sources: (r) => (r === 0 ? range(p).slice(1).reverse() : [0]),
      edgeOf: (r, slot) => (r === 0 ? 0 : r - 1), // the index of the edge in the sender's destinations
    },
    // A chain, not symmetric: receive from r − 1, send to r + 1.
    { name: 'chain', destinations: (r) => (r + 1 < p ? [r + 1] : []), sources: (r) => (r > 0 ? [r - 1] : []), edgeOf: () => 0 },
    { name: 'empty', destinations: () => [], sources: () => [], edgeOf: () => 0 },
  ];
  for (const g of graphsToTest) {
    const sources = g.sources(rank);
    const destinations = g.destinations(rank);
    const graph = await world.createDistGraphAdjacent(sources, destinations);
    check(graph.size === p && graph.rank === rank, `${g.name}: rank ${graph.rank} of ${graph.size}`);
    same(graph.sources, sources, `${g.name} sources`);
    same(graph.destinations, destinations, `${g.name} destinations`);
    same(await graph.neighborAllgather({ from: rank }), sources.map((s) => ({ from: s })), `${g.name} neighborAllgather`);
    const got = await graph.neighborAlltoall(destinations.map((_, edge) => item(rank, edge)));
    same(got, sources.map((s, slot) => item(s, g.edgeOf(rank, slot))), `${g.name} neighborAlltoall`);
    const typedGot = await graph.neighborAlltoall(destinations.map((d, edge) => Uint16Array.of(rank, d, edge)));
    same(typedGot, sources.map((s, slot) => Uint16Array.of(s, rank, g.edgeOf(rank, slot))), `${g.name} neighborAlltoall of typed arrays`);
    same(await graph.allreduce(1), p, `${g.name} allreduce`);
    const copy = await graph.dup();
    same([copy.sources, copy.destinations], [sources, destinations], `${g.name} dup keeps the graph`);
    same(await copy.neighborAllgather({ from: rank }), sources.map((s) => ({ from: s })), `${g.name} neighborAllgather on a dup`);
    copy.free();
    graph.free();
  }
  await done(control, 'createDistGraphAdjacent neighbour collectives');
}

async function topologyErrors(): Promise<void> {
  await expectError(() => world.createCart([p + 1]), 'ERR_ARG', 'a grid larger than the communicator');
  await expectError(() => world.createCart([0, p]), 'ERR_ARG', 'a zero dimension');
  await expectError(() => world.createCart([p], [true, false]), 'ERR_ARG', 'periods of the wrong length');
  await expectError(() => world.createDistGraphAdjacent([p], []), 'ERR_RANK', 'a graph source outside the communicator');
  await expectError(() => world.createDistGraphAdjacent([], [-5]), 'ERR_RANK', 'a graph destination outside the communicator');
  const cart = (await world.createCart([p], [false]))!;
  await expectError(() => cart.shift(1), 'ERR_ARG', 'shift along a dimension the grid does not have');
  await expectError(() => cart.shift(0, 0.5), 'ERR_ARG', 'shift by a fraction');
  await expectError(() => cart.getCoords(p), 'ERR_RANK', 'getCoords of a rank outside the grid');
  await expectError(() => cart.getRank([0, 0]), 'ERR_ARG', 'getRank with too many coordinates');
  await expectError(() => cart.sub([true, true]), 'ERR_ARG', 'sub with too many entries');
  cart.free();
  await expectError(() => cart.neighborAllgather(1), 'ERR_COMM', 'neighborAllgather on a freed grid');
  await expectError(() => cart.barrier(), 'ERR_COMM', 'barrier on a freed grid');
  same(await world.allreduce(1), p, 'world after topology errors');
  await done(control, 'topology errors');
}

const steps: Array<() => Promise<void>> = [computeDimsCases, cartBasics, cartNeighbors, cartSub, partialGrid, graphs, topologyErrors];
for (const step of steps) await step();
await finalize();

// The 2-D heat equation at steady state (Laplace's equation), solved by Jacobi iteration
// on a rows × cols grid: the top edge is held at 1, the other edges at 0, and each
// interior point repeatedly becomes the average of its four neighbours.
//
// The grid is cut into blocks on a 2-D cartesian communicator (computeDims + createCart).
// Each rank keeps its block with a one-point halo around it; before every iteration the
// halos are refreshed from the neighbours found with shift(): edge rows are received
// straight into the halo (recvInto), edge columns exchanged with sendrecv. At the grid's
// edge shift() gives PROC_NULL, the exchange is a no-op, and the halo keeps the boundary
// value. The residual (how much the field still
// changes) is printed every `report` iterations; at the end rank 0 gathers the field and
// compares it with a serial Jacobi run on the same grid.
//   npx tsmpiexec -n 4 examples/jacobi2d.ts [rows] [cols] [iterations] [report]
import { run, computeDims, PROC_NULL, SUM, type CartComm } from 'tsmpi';

const TOP = 1; // the temperature of the top edge; the other three edges are 0

/** Rows (or columns) `start` … `start + count` of the `n` that block `index` of `parts` gets. */
function blockOf(n: number, parts: number, index: number): { start: number; count: number } {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return { start: index * base + Math.min(index, extra), count: base + (index < extra ? 1 : 0) };
}

/**
 * One Jacobi sweep over a (h + 2) × (w + 2) array with halos: writes the interior of
 * `next` from `u`, and returns the sum of squared changes.
 */
function sweep(u: Float64Array, next: Float64Array, h: number, w: number): number {
  const stride = w + 2;
  let change = 0;
  for (let i = 1; i <= h; i++) {
    for (let j = 1; j <= w; j++) {
      const at = i * stride + j;
      const value = 0.25 * (u[at - stride]! + u[at + stride]! + u[at - 1]! + u[at + 1]!);
      change += (value - u[at]!) ** 2;
      next[at] = value;
    }
  }
  return change;
}

/** An (h + 2) × (w + 2) array whose halo holds the boundary values where it lies on the grid's edge. */
function withBoundary(h: number, w: number, onTopEdge: boolean): Float64Array {
  const u = new Float64Array((h + 2) * (w + 2));
  if (onTopEdge) u.fill(TOP, 1, w + 1); // halo row 0 is the grid's top edge
  return u;
}

/**
 * Refreshes the halos from the neighbours. Rows are contiguous, so each neighbour's edge
 * row is received straight into the halo row (recvInto); columns are not, so they are
 * copied out, exchanged with sendrecv, and copied back.
 */
async function exchangeHalos(cart: CartComm, u: Float64Array, h: number, w: number): Promise<void> {
  const stride = w + 2;
  const row = (i: number): Float64Array => u.subarray(i * stride + 1, i * stride + 1 + w);
  const column = (j: number): Float64Array => Float64Array.from({ length: h }, (_, i) => u[(i + 1) * stride + j]!);
  const setColumn = (j: number, values: Float64Array): void => values.forEach((v, i) => (u[(i + 1) * stride + j] = v));

  // Dimension 0 (rows): `up` is the block above (coordinate − 1), `down` the one below.
  // Send my last row down while receiving the row above me from up into halo row 0, and
  // the other way round. From PROC_NULL (the grid's edge) recvInto leaves the halo alone.
  const [up, down] = cart.shift(0, 1);
  await Promise.all([cart.send(row(h), down, 0), cart.recvInto(row(0), up, 0)]);
  await Promise.all([cart.send(row(1), up, 1), cart.recvInto(row(h + 1), down, 1)]);

  // Dimension 1 (columns).
  const [left, right] = cart.shift(1, 1);
  const fromLeft = await cart.sendrecv<Float64Array>(column(w), right, 2, left, 2);
  const fromRight = await cart.sendrecv<Float64Array>(column(1), left, 3, right, 3);
  if (left !== PROC_NULL) setColumn(0, fromLeft);
  if (right !== PROC_NULL) setColumn(w + 1, fromRight);
}

/** The serial reference: the same iterations on the whole grid at once. */
function serialJacobi(rows: number, cols: number, iterations: number): Float64Array {
  let u: Float64Array = withBoundary(rows, cols, true);
  let next: Float64Array = u.slice();
  for (let it = 0; it < iterations; it++) {
    sweep(u, next, rows, cols);
    [u, next] = [next, u];
  }
  return u;
}

await run(async (world) => {
  const rows = Number(process.argv[2] ?? 64);
  const cols = Number(process.argv[3] ?? 96);
  const iterations = Number(process.argv[4] ?? 1000);
  const report = Number(process.argv[5] ?? 200);

  // A balanced 2-D grid of ranks, not periodic: the plate has edges.
  const dims = computeDims(world.size, 2);
  const cart = (await world.createCart(dims, [false, false]))!;
  const [pr, pc] = cart.coords as [number, number];
  const myRows = blockOf(rows, dims[0]!, pr);
  const myCols = blockOf(cols, dims[1]!, pc);
  const h = myRows.count;
  const w = myCols.count;
  if (cart.rank === 0) console.log(`Jacobi on a ${rows} × ${cols} grid, ${cart.size} rank${cart.size === 1 ? '' : 's'} as a ${dims.join(' × ')} grid`);

  let u: Float64Array = withBoundary(h, w, pr === 0);
  let next: Float64Array = u.slice(); // the halos of both arrays start with the boundary values
  for (let it = 1; it <= iterations; it++) {
    await exchangeHalos(cart, u, h, w);
    const change = sweep(u, next, h, w);
    [u, next] = [next, u];
    if (it % report === 0 || it === iterations) {
      const residual = Math.sqrt(await cart.allreduce(change, SUM));
      if (cart.rank === 0) console.log(`iteration ${String(it).padStart(5)}: residual ${residual.toExponential(4)}`);
    }
  }

  // Gather every block's interior (with its place in the grid) on rank 0.
  const interior = new Float64Array(h * w);
  for (let i = 0; i < h; i++) interior.set(u.subarray((i + 1) * (w + 2) + 1, (i + 1) * (w + 2) + 1 + w), i * w);
  const blocks = await cart.gather({ row: myRows.start, col: myCols.start, h, w, interior }, 0);

  if (cart.rank === 0) {
    const serial = serialJacobi(rows, cols, iterations);
    let maxDifference = 0;
    for (const block of blocks!) {
      for (let i = 0; i < block.h; i++) {
        for (let j = 0; j < block.w; j++) {
          const expected = serial[(block.row + i + 1) * (cols + 2) + block.col + j + 1]!;
          maxDifference = Math.max(maxDifference, Math.abs(block.interior[i * block.w + j]! - expected));
        }
      }
    }
    const centre = serial[(Math.floor(rows / 2) + 1) * (cols + 2) + Math.floor(cols / 2) + 1]!;
    console.log(`temperature at the centre: ${centre.toFixed(6)}`);
    // The same operations in the same order on every point: the fields agree exactly.
    if (maxDifference > 1e-12) throw new Error(`the field differs from the serial computation by up to ${maxDifference}`);
    console.log(`result matches the serial computation (max difference ${maxDifference})`);
  }
});

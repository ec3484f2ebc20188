/**
 * Cartesian grid arithmetic, as MPI defines it: ranks are laid out in row-major
 * order (the last dimension varies fastest), periodic dimensions wrap around, and
 * a shift off the edge of a non-periodic dimension gives PROC_NULL.
 */
import { PROC_NULL } from '../../constants.js';
import { mpiError } from '../../errors.js';

/** The number of ranks in a grid of shape `dims`. */
export function gridSize(dims: readonly number[]): number {
  return dims.reduce((product, d) => product * d, 1);
}

/**
 * Validates a grid for a communicator of `commSize` ranks and returns its periods
 * (all false when not given). ERR_ARG for non-positive dims, a periods array of
 * another length, or a grid larger than the communicator.
 */
export function checkCartesian(dims: readonly number[], periods: readonly boolean[] | undefined, commSize: number): boolean[] {
  if (!Array.isArray(dims)) throw mpiError('ERR_ARG', 'createCart: dims must be an array of positive integers');
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw mpiError('ERR_ARG', `createCart: dims[${i}] must be a positive integer, got ${String(d)}`);
  });
  if (periods !== undefined && !Array.isArray(periods)) throw mpiError('ERR_ARG', 'createCart: periods must be an array of booleans, one per dimension');
  const resolved = periods === undefined ? dims.map(() => false) : [...periods];
  if (resolved.length !== dims.length) {
    throw mpiError('ERR_ARG', `createCart: periods has ${resolved.length} entries for ${dims.length} dimensions`);
  }
  if (gridSize(dims) > commSize) {
    throw mpiError('ERR_ARG', `createCart: a grid of ${gridSize(dims)} ranks does not fit in ${commSize}`);
  }
  return resolved.map(Boolean);
}

/** The grid coordinates of `rank`. ERR_RANK when `rank` is not in the grid. */
export function cartCoords(rank: number, dims: readonly number[]): number[] {
  const size = gridSize(dims);
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
    throw mpiError('ERR_RANK', `rank ${rank} is not in a grid of ${size} ranks`);
  }
  const coords = new Array<number>(dims.length);
  let rest = rank;
  for (let d = dims.length - 1; d >= 0; d--) {
    coords[d] = rest % dims[d]!;
    rest = Math.floor(rest / dims[d]!);
  }
  return coords;
}

/**
 * The rank at `coords`. Coordinates wrap in periodic dimensions; out of range in a
 * non-periodic one is ERR_ARG (as MPI_Cart_rank).
 */
export function cartRank(coords: readonly number[], dims: readonly number[], periods: readonly boolean[]): number {
  if (!Array.isArray(coords) || coords.length !== dims.length) {
    throw mpiError('ERR_ARG', `expected ${dims.length} coordinates, got ${Array.isArray(coords) ? coords.length : typeof coords}`);
  }
  const rank = rankOrNull(coords, dims, periods);
  if (rank === PROC_NULL) {
    throw mpiError('ERR_ARG', `coordinates [${coords.join(', ')}] are outside the non-periodic grid [${dims.join(', ')}]`);
  }
  return rank;
}

/**
 * MPI_Cart_shift: the ranks `disp` steps before (`source`) and after (`dest`)
 * `rank` along dimension `direction`; PROC_NULL past a non-periodic edge.
 */
export function cartShift(
  rank: number,
  dims: readonly number[],
  periods: readonly boolean[],
  direction: number,
  disp = 1,
): [source: number, dest: number] {
  if (!Number.isInteger(direction) || direction < 0 || direction >= dims.length) {
    throw mpiError('ERR_ARG', `shift direction must be a dimension 0…${dims.length - 1}, got ${String(direction)}`);
  }
  if (!Number.isInteger(disp)) throw mpiError('ERR_ARG', `shift displacement must be an integer, got ${String(disp)}`);
  const coords = cartCoords(rank, dims);
  const moved = (by: number): number => {
    const target = [...coords];
    target[direction]! += by;
    return rankOrNull(target, dims, periods);
  };
  return [moved(-disp), moved(disp)];
}

/**
 * The neighbours of `rank` in MPI's order for neighbourhood collectives: for each
 * dimension the negative then the positive neighbour (PROC_NULL off an edge).
 */
export function cartNeighbors(rank: number, dims: readonly number[], periods: readonly boolean[]): number[] {
  return dims.flatMap((_, direction) => cartShift(rank, dims, periods, direction, 1));
}

/** What `sub(remainDims)` needs for one rank: split by `color` with `key`, and the sub-grid. */
export interface CartSubPlan {
  /** Equal for ranks that differ only in the kept dimensions. */
  readonly color: number;
  /** The rank's position in its sub-grid, row-major over the kept dimensions. */
  readonly key: number;
  readonly dims: number[];
  readonly periods: boolean[];
}

/**
 * MPI_Cart_sub: ranks whose coordinates agree in every dropped dimension form one
 * sub-grid made of the kept dimensions (in their order). Splitting with this
 * color and key makes each sub-communicator's rank its row-major rank in the sub-grid.
 */
export function cartSub(
  rank: number,
  dims: readonly number[],
  periods: readonly boolean[],
  remainDims: readonly boolean[],
): CartSubPlan {
  if (!Array.isArray(remainDims) || remainDims.length !== dims.length) {
    throw mpiError('ERR_ARG', `sub: remainDims needs one entry per dimension (${dims.length})`);
  }
  const coords = cartCoords(rank, dims);
  const kept = dims.map((_, d) => d).filter((d) => remainDims[d]);
  const dropped = dims.map((_, d) => d).filter((d) => !remainDims[d]);
  const rowMajor = (which: number[]): number => which.reduce((index, d) => index * dims[d]! + coords[d]!, 0);
  return {
    color: rowMajor(dropped),
    key: rowMajor(kept),
    dims: kept.map((d) => dims[d]!),
    periods: kept.map((d) => Boolean(periods[d])),
  };
}

/** The rank at `coords`, wrapping periodic dimensions; PROC_NULL when off a non-periodic edge. */
function rankOrNull(coords: readonly number[], dims: readonly number[], periods: readonly boolean[]): number {
  let rank = 0;
  for (let d = 0; d < dims.length; d++) {
    let c = coords[d]!;
    if (!Number.isInteger(c)) throw mpiError('ERR_ARG', `coordinate ${d} must be an integer, got ${String(c)}`);
    if (periods[d]) c = ((c % dims[d]!) + dims[d]!) % dims[d]!;
    else if (c < 0 || c >= dims[d]!) return PROC_NULL;
    rank = rank * dims[d]! + c;
  }
  return rank;
}

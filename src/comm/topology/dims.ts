/** MPI_Dims_create: a balanced grid shape for a number of processes. */
import { mpiError } from '../../errors.js';

/**
 * Fills in the zero entries of `dims` (or of `dims` zeros when given a number of
 * dimensions) so that the product of all entries is `nnodes`, with the filled-in
 * entries as close to each other as possible (the smallest difference between the
 * largest and the smallest; ties go to the smaller largest entry, then to the smaller
 * sum of squares) and in non-increasing order. Non-zero entries are kept. Fails with
 * ERR_ARG when the arguments are invalid or no such grid exists. Open MPI's
 * MPI_Dims_create gives the same for every n ≤ 256 in up to five dimensions, except
 * where its greedy choice is less balanced (12×6 for 72, where this gives 9×8).
 */
export function computeDims(nnodes: number, dims: number | readonly number[]): number[] {
  if (!Number.isInteger(nnodes) || nnodes < 1) {
    throw mpiError('ERR_ARG', `computeDims: nnodes must be a positive integer, got ${String(nnodes)}`);
  }
  const given = normalizeDims(dims);
  const fixedProduct = given.reduce((product, d) => (d > 0 ? product * d : product), 1);
  const free = given.filter((d) => d === 0).length;
  if (nnodes % fixedProduct !== 0 || (free === 0 && fixedProduct !== nnodes)) {
    throw mpiError('ERR_ARG', `computeDims: no grid of ${nnodes} nodes has the given dimensions [${given.join(', ')}]`);
  }
  const factors = balancedFactors(nnodes / fixedProduct, free);
  let next = 0;
  return given.map((d) => (d === 0 ? factors[next++]! : d));
}

function normalizeDims(dims: number | readonly number[]): number[] {
  if (typeof dims === 'number') {
    if (!Number.isInteger(dims) || dims < 0) {
      throw mpiError('ERR_ARG', `computeDims: the number of dimensions must be a non-negative integer, got ${dims}`);
    }
    return new Array<number>(dims).fill(0);
  }
  if (!Array.isArray(dims)) throw mpiError('ERR_ARG', 'computeDims: dims must be a number or an array of numbers');
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw mpiError('ERR_ARG', `computeDims: dims[${i}] must be a non-negative integer, got ${String(d)}`);
    }
  });
  return [...dims];
}

/**
 * The most balanced way to write `n` as a product of `count` factors, largest
 * first, by exhaustive search over non-increasing factorizations (the greedy
 * prime-by-prime assignment misses cases like 72 = 9·8).
 */
function balancedFactors(n: number, count: number): number[] {
  if (count === 0) return [];
  let best: number[] | undefined;
  const better = (candidate: number[]): boolean => {
    if (!best) return true;
    const spread = candidate[0]! - candidate[candidate.length - 1]!;
    const bestSpread = best[0]! - best[best.length - 1]!;
    if (spread !== bestSpread) return spread < bestSpread;
    if (candidate[0] !== best[0]) return candidate[0]! < best[0]!;
    // Still tied (four or more dimensions, few prime factors): 20 is 5·2·2·1, not 5·4·1·1.
    return sumOfSquares(candidate) < sumOfSquares(best);
  };
  const search = (rest: number, slots: number, largest: number, chosen: number[]): void => {
    if (slots === 1) {
      if (rest <= largest) {
        const candidate = [...chosen, rest];
        if (better(candidate)) best = candidate;
      }
      return;
    }
    // The next factor is at most `largest` and at least the slots-th root of what is left.
    for (const factor of divisorsDescending(rest)) {
      if (factor > largest) continue;
      if (factor ** slots < rest) break;
      search(rest / factor, slots - 1, factor, [...chosen, factor]);
    }
  };
  search(n, count, n, []);
  return best!;
}

function sumOfSquares(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v * v, 0);
}

function divisorsDescending(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d * d !== n) large.push(n / d);
  }
  return [...large, ...small.reverse()];
}

// Sample sort (parallel sorting by regular sampling). Each rank starts with its own
// random keys. The ranks sort locally, send a few samples to rank 0, which picks
// size − 1 splitters and broadcasts them; every key then goes to the rank that owns
// its range (alltoallv), and each rank sorts what it received. Read in rank order,
// the pieces are the whole data set sorted. Rank 0 checks that against a serial sort.
//   npx tsmpiexec -n 4 examples/samplesort.ts [keys per rank]
import { run } from 'tsmpi';

/** A small seeded random generator (mulberry32), so every run sorts the same keys. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The number of keys ≤ `value` in the sorted array `keys`. */
function countAtMost(keys: Float64Array, value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

await run(async (world) => {
  const { rank, size } = world;
  const perRank = Number(process.argv[2] ?? 200_000);

  // 1. Random keys, a different number on each rank, with repeats (integers below 10^6)
  //    and a skew towards small values, so the buckets are not trivially even.
  const next = random(2024 + rank);
  const count = perRank + ((rank * 7919) % 1000);
  const original = new Float64Array(count);
  for (let i = 0; i < count; i++) original[i] = Math.floor(next() ** 2 * 1e6);

  // 2. Sort locally and take `size` evenly spaced samples.
  const keys = original.slice().sort();
  const samples = Float64Array.from({ length: size }, (_, i) => keys[Math.floor((i * count) / size)]!);

  // 3. Rank 0 sorts all size² samples and picks size − 1 splitters at regular positions.
  const allSamples = await world.gatherv(samples, 0);
  let picked: Float64Array | null = null;
  if (rank === 0) {
    allSamples!.sort();
    picked = Float64Array.from({ length: size - 1 }, (_, i) => allSamples![(i + 1) * size + Math.floor(size / 2) - 1]!);
  }
  // Every rank gets rank 0's splitters (the other ranks' `picked` is ignored).
  const splitters = (await world.bcast(picked, 0))!;

  // 4. Bucket j holds the keys in (splitters[j − 1], splitters[j]]. The keys are sorted,
  //    so each bucket is one contiguous run and the send counts come from binary searches.
  const sendCounts: number[] = [];
  let taken = 0;
  for (let j = 0; j < size; j++) {
    const end = j < size - 1 ? countAtMost(keys, splitters[j]!) : count;
    sendCounts.push(end - taken);
    taken = end;
  }
  const mine = await world.alltoallv(keys, sendCounts);
  mine.sort();

  // 5. Check. Each rank: its piece is sorted and starts at or after the previous piece's end.
  for (let i = 1; i < mine.length; i++) if (mine[i - 1]! > mine[i]!) throw new Error(`rank ${rank}: piece not sorted`);
  const ends = await world.allgather(mine.length > 0 ? [mine[0]!, mine[mine.length - 1]!] : null);
  const previous = ends.slice(0, rank).filter((e) => e !== null).at(-1);
  if (previous && mine.length > 0 && previous[1] > mine[0]!) throw new Error(`rank ${rank}: piece overlaps the previous one`);
  const sizes = await world.gather(mine.length, 0);

  // Rank 0: the pieces, joined in rank order, must equal a serial sort of every rank's
  // original keys — the same multiset, globally sorted.
  const everything = await world.gatherv(original, 0);
  const result = await world.gatherv(mine, 0);
  if (rank === 0) {
    const serial = everything!.sort();
    console.log(`sorted ${serial.length} keys on ${size} rank${size === 1 ? '' : 's'}; keys per rank after the exchange: ${sizes!.join(' ')}`);
    if (result!.length !== serial.length) throw new Error(`sorted ${result!.length} keys, expected ${serial.length}`);
    for (let i = 0; i < serial.length; i++) {
      if (result![i] !== serial[i]) throw new Error(`key ${i} is ${result![i]}, the serial sort has ${serial[i]}`);
    }
    console.log('result matches the serial computation (same keys, globally sorted)');
  }
});

/**
 * The sizes at which the selection step switches algorithm. A choice may only
 * depend on what every rank knows alike (the communicator size, the op, and sizes
 * MPI requires to be equal everywhere), or every rank would not run the same
 * algorithm. First estimates from the α–β cost model with this transport's figures
 * (≈55 µs per message, ≈1.5 GB/s over loopback WebSockets); tune them with bench/.
 */

/**
 * allreduce of a typed array this large with a commutative op uses the ring (on sizes
 * where Rabenseifner's algorithm below does not apply); smaller uses recursive doubling.
 * Measured on two cores (bench/allreduce.ts, float64, ms per call,
 * ring vs recursive doubling): n=2 512 KiB 1.2-1.4 vs 0.9-1.0, 2 MiB 2.5-3.0 vs 2.5-2.6,
 * 8 MiB 4.8-6.1 vs 7.8-10.3; n=4 512 KiB 5.4-5.6 vs 3.0-3.1, 2 MiB 6.1-7.1 vs 6.4,
 * 8 MiB 20.6-21.5 vs 29-31. The ring's extra steps cost more than its bytes save below ~2 MiB.
 */
export const ALLREDUCE_RING_MIN_BYTES = 2 * 1024 * 1024;

/**
 * allreduce of a typed array this large with a commutative op on a power-of-two number of
 * ranks (4 or more) uses Rabenseifner's algorithm instead of the ring or recursive
 * doubling. Measured on two cores (bench/allreduce.ts, float64, ms per call, Rabenseifner
 * vs the choice without it): n=4 512 KiB 2.1-2.3 vs 2.0-2.3, 1 MiB 2.7-3.2 vs 3.5-3.6,
 * 2 MiB 4.0-4.6 vs 5.6-6.8, 8 MiB 18.7-19.8 vs 20.3-21.2 (ring); n=8 8 MiB 50-53 vs 55-56.
 * The crossover was measured at n=4 and is assumed for 8 and 16. At n=2 it is the ring's
 * exchange pattern, so the ring's threshold applies.
 */
export const ALLREDUCE_RABENSEIFNER_MIN_BYTES = 1024 * 1024;

/** reduceScatter of a typed array this large with a commutative op uses the ring; smaller uses reduce + scatterv. */
export const REDUCE_SCATTER_RING_MIN_BYTES = 64 * 1024;

/** scan / exscan of a typed array this large uses the linear chain; smaller uses recursive doubling. */
export const SCAN_LINEAR_MIN_BYTES = 1024 * 1024;

/** alltoall on fewer ranks always uses pairwise exchange (Bruck would save at most a round or two). */
export const ALLTOALL_BRUCK_MIN_RANKS = 8;

/** alltoall on ALLTOALL_BRUCK_MIN_RANKS or more ranks uses Bruck when no rank has an item above this size. */
export const ALLTOALL_BRUCK_MAX_ITEM_BYTES = 16 * 1024;

/** allgatherv blocks up to this size travel inline in one Bruck allgather; larger ones go round a ring afterwards. */
export const ALLGATHERV_INLINE_MAX_BYTES = 16 * 1024;

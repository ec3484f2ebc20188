/**
 * The sizes at which the selection step switches algorithm. A choice may only
 * depend on what every rank knows alike (the communicator size, the op, and sizes
 * MPI requires to be equal everywhere), or every rank would not run the same
 * algorithm. First estimates from the α–β cost model with this transport's figures
 * (≈55 µs per message, ≈1.5 GB/s over loopback WebSockets); tune them with bench/.
 */

/** allreduce of a typed array this large with a commutative op uses the ring; smaller uses recursive doubling. */
export const ALLREDUCE_RING_MIN_BYTES = 512 * 1024;

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

"""Hello + allreduce on mpi4py: the reference for bench/startup.ts's wall time.

    mpiexec --oversubscribe -n 8 /usr/bin/python3 bench/startup_mpi4py.py

Rank 0 prints one JSON line like startup.ts, with the largest rank RSS right after
MPI init (from /proc/self/statm, the same "current RSS" Node's memoryUsage() reads).
"""
import json
import os
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
with open("/proc/self/statm") as f:
    rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
# One write per line: Open MPI forwards each write as it comes, so a line written in two
# pieces can interleave with another rank's output.
sys.stdout.write(f"hello from rank {rank} of {size}\n")
sys.stdout.flush()
total = comm.allreduce(rank, op=MPI.SUM)
assert total == size * (size - 1) // 2, total
rss_max = comm.allreduce(rss, op=MPI.MAX)
if rank == 0:
    sys.stdout.write(json.dumps({"bench": "startup", "mode": "object", "bytes": 8, "n": size, "rssMB": rss_max / 1e6}) + "\n")
    sys.stdout.flush()

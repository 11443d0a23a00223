"""fastact beyond one machine: the same calls on a chunked Dask array,
computed by a ``dask.distributed`` cluster of worker processes.

Element-wise functions go through NumPy's ``__array_ufunc__`` dispatch and
return a lazy Dask array; the axis-wise ones (softmax, logsumexp, ...) run
chunk by chunk when each row lies in one chunk (chunk the outer axes only).
The cluster here is a ``LocalCluster`` of 2 processes on this machine; point
``Client`` at a scheduler's address to use a real one. The results are
checked against the same calls on the NumPy array, bit for bit.

    pip install 'fastact[examples]'
    python examples/dask_cluster.py [--quick]
"""

import argparse
import time

import numpy as np

import fastact as fa


def compute(rows, width, chunk_rows, seed=0):
    """Logits -> gelu -> softmax and logsumexp on the current cluster;
    returns the input and the results, computed."""
    import dask
    import dask.array as da

    x = da.random.default_rng(seed).standard_normal((rows, width), chunks=(chunk_rows, width),
                                                    dtype=np.float32)
    h = fa.gelu(x)                         # lazy: a Dask array, nothing computed yet
    p = fa.softmax(h, axis=-1)             # row by row, chunk by chunk
    lse = fa.logsumexp(h, axis=-1)
    assert isinstance(p, da.Array) and isinstance(lse, da.Array)
    x_np, p_np, lse_np = dask.compute(x, p, lse)     # on the workers
    return x_np, p_np, lse_np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small array")
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    rows, width, chunk_rows = (4000, 256, 500) if args.quick else (200_000, 512, 10_000)
    start = time.perf_counter()
    # 2 worker processes of 1 thread each (fastact threads inside each task)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"cluster up in {time.perf_counter() - start:.1f} s: "
              f"{len(client.scheduler_info()['workers'])} worker processes")
        start = time.perf_counter()
        x, p, lse = compute(rows, width, chunk_rows)   # on the client's cluster
        print(f"gelu, softmax, logsumexp of a {rows} x {width} float32 array in "
              f"{rows // chunk_rows} chunks: {time.perf_counter() - start:.2f} s")
    same = (np.array_equal(p, fa.softmax(fa.gelu(x), axis=-1))
            and np.array_equal(lse, fa.logsumexp(fa.gelu(x), axis=-1)))
    print(f"rows of the softmax sum to 1 within {np.abs(p.sum(axis=-1) - 1).max():.1e}; "
          f"identical to the NumPy calls: {same}")
    return same


if __name__ == "__main__":
    main()

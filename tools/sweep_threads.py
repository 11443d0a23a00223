"""Measure where OpenMP threads start to pay, per element-wise function.

For each function and size, times the call with 1 thread and with all
threads (medians, alternating, in one run) and reports the smallest size at
which the team is faster. The loops choose their team by work = elements x
cost (cost from fastact/_table.py) against WORK_PER_THREAD in
fastact/_kernels.pyx.tp: a thread is woken when it gets at least that much
work. This sweep is how those numbers were chosen; rerun it on new hardware:

    python tools/sweep_threads.py [--dtype float32] [names...]

It forces the team size through the private _force_team() hook, so the
threshold itself does not hide the comparison.
"""

import argparse
import statistics
import time

import numpy as np

import fastact as fa
from fastact._dispatch import kernels as k
from fastact._table import ELEMENTWISE

SIZES = [500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 1_000_000]


def timed(fn, reps):
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def sweep(name, dtype, threads, reps=301):
    fn = getattr(fa, name)
    rows = []
    for n in SIZES:
        x = np.random.default_rng(0).standard_normal(n).astype(dtype)
        out = np.empty_like(x)
        call = lambda: fn(x, out=out)     # noqa: E731
        r = max(11, reps * 1000 // n)
        k._force_team(1)
        one = timed(call, r)
        k._force_team(threads)
        many = timed(call, r)
        k._force_team(0)
        rows.append((n, one, many))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    threads = fa.get_num_threads()
    costs = {row.name: (row.cost if args.dtype == "float32" or row.cost64 is None
                        else row.cost64) for row in ELEMENTWISE}
    names = args.names or [row.name for row in ELEMENTWISE if not row.params]
    print(f"threads={threads} dtype={args.dtype}; WORK_PER_THREAD={k.work_per_thread()}")
    print(f"{'function':<14} {'cost':>4} {'crossover n':>12} {'implied work/thread':>20}")
    for name in names:
        rows = sweep(name, args.dtype, threads)
        cross = next((n for n, one, many in rows if many < one * 0.95), None)
        implied = "-" if cross is None else cross * costs[name] // threads
        print(f"{name:<14} {costs[name]:>4} {cross if cross else '>1e6':>12} {implied:>20}")
        for n, one, many in rows:
            print(f"    n={n:<8} 1 thread {one * 1e6:9.1f} us   {threads} threads {many * 1e6:9.1f} us"
                  f"   x{one / many:5.2f}")


if __name__ == "__main__":
    main()

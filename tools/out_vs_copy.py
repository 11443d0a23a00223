"""Memory traffic at 10^7 float32 (issue 5): a kernel writing into out=
against copying the same bytes (np.copyto: one read and one write stream,
the floor for a one-pass kernel), and the allocating call against out=.

    python tools/out_vs_copy.py [--size 10000000] [--threads 1 2] [--repeats 31]

Prints per function and thread count the median times and the ratios
out= / copy and allocating / out=, all measured in one run, interleaved.
The targets: relu within 1.2x of the copy; sigmoid, tanh, gelu, silu within 2x.
"""

import argparse

import numpy as np

import fastact as fa
from sweep_threads import timed             # tools/ is this script's folder

FUNCTIONS = ("relu", "sigmoid", "tanh", "gelu", "silu")


def median_time(fn, repeats):
    fn()                                    # warm up (first touch, caches)
    return timed(fn, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, nargs="+",
                        default=sorted({1, fa.get_num_threads()}))
    parser.add_argument("--repeats", type=int, default=31)
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal(args.size).astype(np.float32)
    out = np.empty_like(x)
    print(f"{args.size} float32, medians of {args.repeats}; CPU level "
          f"{fa._config.config()['simd']}")
    print(f"{'function':<9} {'thr':>3} {'copy ms':>8} {'out= ms':>8} {'alloc ms':>9} "
          f"{'out=/copy':>9} {'alloc/out=':>10}")
    for threads in args.threads:
        with fa.num_threads(threads):
            for name in FUNCTIONS:
                fn = getattr(fa, name)
                copy = median_time(lambda: np.copyto(out, x), args.repeats)
                into = median_time(lambda: fn(x, out=out), args.repeats)
                alloc = median_time(lambda: fn(x), args.repeats)
                print(f"{name:<9} {threads:>3} {copy * 1e3:>8.2f} {into * 1e3:>8.2f} "
                      f"{alloc * 1e3:>9.2f} {into / copy:>9.2f} {alloc / into:>10.2f}")


if __name__ == "__main__":
    main()

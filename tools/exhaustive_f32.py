"""Every float32 input through a float32 kernel, against its float64 kernel.

float32 has 2^32 inputs, few enough to try them all: each goes through
the float32 kernel and through the float64 one (itself measured against
mpmath by tests/test_accuracy.py, within 4 float64 ULP, i.e. ~2^-27 of a
float32 ULP), and the error is counted in float32 ULPs of the float64
result, where that result is a normal float32 (as tests/ulp.py does).
It also counts results whose kind (NaN, inf, zero sign) differs.

    python tools/exhaustive_f32.py softplus log_sigmoid [--step 1]

--step k takes every k-th bit pattern (a quick look); the default, 1,
takes all of them (about a minute per function on two cores).
"""

import argparse
import sys
import time

import numpy as np

import fastact as fa

CHUNK = 1 << 24


def measure(fn, step):
    """(max ULP, the x where it happened, count of kind mismatches)."""
    tiny, big = np.finfo(np.float32).tiny, np.finfo(np.float32).max
    worst, at, kinds = 0.0, None, 0
    for start in range(0, 1 << 32, CHUNK):
        bits = np.arange(start, start + CHUNK, step, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        got = fn(x).astype(np.float64)
        want = fn(x.astype(np.float64))
        same_kind = ((np.isnan(got) == np.isnan(want))
                     & ((got == want) | ~np.isinf(want))
                     & ((got != 0) | (want != 0) | (np.signbit(got) == np.signbit(want))))
        normal = (np.abs(want) >= tiny) & (np.abs(want) <= big)
        kinds += int(np.count_nonzero(~same_kind & (np.isnan(want) | np.isinf(want) | (want == 0))))
        ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
        err = np.where(normal, np.abs(got - want) / ulp, 0.0)
        i = int(np.argmax(err))
        if err[i] > worst:
            worst, at = float(err[i]), float(x[i])
    return worst, at, kinds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="public functions of one argument")
    parser.add_argument("--step", type=int, default=1, help="take every k-th float")
    args = parser.parse_args(argv)
    for name in args.names:
        t = time.perf_counter()
        with np.errstate(all="ignore"):
            worst, at, kinds = measure(getattr(fa, name), args.step)
        print(f"{name}: max {worst:.3f} ULP at x = {at!r}, {kinds} kind mismatches "
              f"({time.perf_counter() - t:.0f} s)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

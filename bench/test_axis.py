"""pytest-benchmark suite for the axis-wise functions: each group is one
(function, shape, axis, dtype) case holding fastact, SciPy, the plain NumPy
formula and PyTorch (when installed), on one thread and on all, so each
table reads as a speed-up.

    pytest bench/test_axis.py --benchmark-group-by=group --benchmark-columns=median

FASTACT_BENCH_AXIS_DTYPES (default "float32,float64") picks the dtypes.
"""

import os

import pytest

import fastact as fa
from conftest import THREADS, require
from fastact._baselines import AXIS_BASELINES, fastact_axis_case

# many rows in cache, few long rows, many short rows, very short rows (a
# batch of 8 class scores), one long row, and a non-last axis
SHAPES = [((4096, 1000), -1), ((64, 32000), -1), ((32768, 64), -1), ((131072, 8), -1),
          ((1, 10_000_000), -1), ((1000, 4096), 0)]
DTYPES = os.environ.get("FASTACT_BENCH_AXIS_DTYPES", "float32,float64").split(",")
LIBS = ["fastact", "scipy", "numpy", "torch"]

# PyTorch's first calls on a new size are slow (their results' memory is
# fresh: 2.5 ms against 0.4 for softmax' of 32768 x 64 float32 on two
# threads, its first five calls): warm both libraries up past that
WARMUP = 8


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", SHAPES, ids=[f"{s[0]}x{s[1]}-axis{a}" for s, a in SHAPES])
@pytest.mark.parametrize("name", sorted(AXIS_BASELINES))
def test_axis(benchmark, make_input, name, shape, axis, dtype, threads, lib):
    require(lib, threads)
    x = make_input(shape, dtype)
    factory = fastact_axis_case(name) if lib == "fastact" else AXIS_BASELINES[name][lib]
    benchmark.group = f"{name} {dtype} {shape[0]}x{shape[1]} axis={axis} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark.pedantic(factory(x, axis), rounds=7, warmup_rounds=WARMUP)

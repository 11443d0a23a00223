"""pytest-benchmark suite for the backward of softmax and log_softmax over
batches of rows, from the forward's output y (as PyTorch's kernels take it):
many rows of 8, 64 and 1000 entries. Each group holds fastact, the NumPy
formula and PyTorch (when installed), on one thread and on all.
(bench/test_backward.py times one long row.)

    pytest bench/test_axis_rows_backward.py --benchmark-group-by=group --benchmark-columns=median
"""

import numpy as np
import pytest

import fastact as fa
from conftest import THREADS, require
from fastact._baselines_backward import BACKWARD_BASELINES, fastact_backward_case

SHAPES = [(131072, 8), (32768, 64), (4096, 1000)]

# PyTorch's first calls on a new size are slow (their results' memory is
# fresh: 2.5 ms against 0.4 for softmax' of 32768 x 64 float32 on two
# threads, its first five calls): warm both libraries up past that
WARMUP = 8


@pytest.mark.parametrize("lib", ["fastact", "numpy", "torch"])
@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_axis_rows_backward(benchmark, make_input, name, shape, dtype, threads, lib):
    require(lib, threads)
    x = make_input(shape, dtype)
    gy = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    factory = (fastact_backward_case(name) if lib == "fastact"
               else BACKWARD_BASELINES[name][lib])
    benchmark.group = f"{name}_backward {dtype} {shape[0]}x{shape[1]} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark.pedantic(factory(gy, x), rounds=7, warmup_rounds=WARMUP)

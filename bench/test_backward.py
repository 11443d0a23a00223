"""pytest-benchmark suite for the backward functions: each group is one
(function, dtype, size, threads) case holding fastact's backward and its
baselines (the NumPy/SciPy derivative formula, PyTorch's aten backward
kernel when installed), so each table reads as a speed-up.

    pytest bench/test_backward.py --benchmark-group-by=group
"""

import os

import numpy as np
import pytest

import fastact as fa
from fastact._baselines_backward import (BACKWARD_BASELINES, BACKWARD_CASES,
                                         fastact_backward_case)

SIZES = [int(s) for s in os.environ.get("FASTACT_BENCH_SIZES", "1000,100000,1000000").split(",")]
THREADS = sorted({1, fa.get_num_threads()})
LIBS = ["fastact", "numpy", "scipy", "torch"]
PARAMS = [(name, lib) for name in BACKWARD_CASES for lib in LIBS
          if lib == "fastact" or lib in BACKWARD_BASELINES[name]]


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"n{s}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,lib", PARAMS, ids=[f"{n}-{l}" for n, l in PARAMS])
def test_backward(benchmark, make_input, name, lib, dtype, size, threads):
    if lib == "scipy":
        pytest.importorskip("scipy.special")
    if lib == "torch":
        torch = pytest.importorskip("torch")
        torch.set_num_threads(threads)
    x = make_input(size, dtype)
    gy = np.ones_like(x)
    factory = (fastact_backward_case(name) if lib == "fastact"
               else BACKWARD_BASELINES[name][lib])
    benchmark.group = f"{name}_backward {dtype} n={size} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark(factory(gy, x))

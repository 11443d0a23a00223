"""pytest-benchmark suite for the backward functions: each group is one
(function, dtype, size, threads) case holding fastact's backward and its
baselines (the NumPy/SciPy derivative formula, PyTorch's aten backward
kernel when installed), so each table reads as a speed-up.

    pytest bench/test_backward.py --benchmark-group-by=group
"""

import numpy as np
import pytest

import fastact as fa
from conftest import DTYPES, SIZES, THREADS, case_ids, cases, require
from fastact._baselines_backward import BACKWARD_BASELINES, fastact_backward_case

PARAMS = cases(BACKWARD_BASELINES)


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"n{s}")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,lib", PARAMS, ids=case_ids(PARAMS))
def test_backward(benchmark, make_input, name, lib, dtype, size, threads):
    require(lib, threads)
    x = make_input(size, dtype)
    gy = np.ones_like(x)
    factory = (fastact_backward_case(name) if lib == "fastact"
               else BACKWARD_BASELINES[name][lib])
    benchmark.group = f"{name}_backward {dtype} n={size} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark(factory(gy, x))

"""pytest-benchmark suite: each group is one (function, dtype, size, threads)
case holding fastact and its baselines (the NumPy/SciPy formula users write
today, and PyTorch when installed), so each table reads as a speed-up.

    pytest bench/ --benchmark-group-by=group --benchmark-sort=name
"""

import pytest

import fastact as fa
from conftest import DTYPES, SIZES, THREADS, case_ids, cases, require
from fastact._baselines import BASELINES, fastact_case

PARAMS = cases(BASELINES)


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"n{s}")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,lib", PARAMS, ids=case_ids(PARAMS))
def test_forward(benchmark, make_input, name, lib, dtype, size, threads):
    require(lib, threads)
    x = make_input(size, dtype)
    factory = fastact_case(name) if lib == "fastact" else BASELINES[name][lib]
    fn = factory(x)
    benchmark.group = f"{name} {dtype} n={size} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark(fn)

"""Shared set-up of the benchmark suites: the sizes, dtypes, thread counts
and libraries every group is timed at, and the input arrays."""

import os

import numpy as np
import pytest

import fastact as fa

# FASTACT_BENCH_SIZES=1000,100000,1000000,10000000 adds 10^7 (README)
SIZES = [int(s) for s in os.environ.get("FASTACT_BENCH_SIZES", "1000,100000,1000000").split(",")]
DTYPES = ["float32", "float64"]
THREADS = sorted({1, fa.get_num_threads()})
LIBS = ["fastact", "numpy", "scipy", "torch"]


def cases(baselines):
    """(name, lib) pairs: fastact and each baseline a case has, in LIBS order."""
    return [(name, lib) for name in baselines for lib in LIBS
            if lib == "fastact" or lib in baselines[name]]


def case_ids(params):
    return [f"{name}-{lib}" for name, lib in params]


@pytest.fixture(scope="session")
def make_input():
    cache = {}

    def make(size, dtype):
        key = (size, dtype)
        if key not in cache:
            rng = np.random.default_rng(0)
            cache[key] = (rng.standard_normal(size) * 4).astype(dtype)
        return cache[key]
    return make


def require(lib, threads):
    """Skip a baseline whose library is missing; give PyTorch the same
    number of threads as fastact."""
    if lib == "scipy":
        pytest.importorskip("scipy.special")
    if lib == "torch":
        torch = pytest.importorskip("torch")
        torch.set_num_threads(threads)

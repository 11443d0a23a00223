import numpy as np
import pytest


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

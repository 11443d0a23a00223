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

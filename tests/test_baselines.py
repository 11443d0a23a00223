"""The benchmark baselines compute what fastact computes (a speed-up against
a formula that computes something else would mean nothing)."""

import numpy as np
import pytest

from fastact._baselines_backward import (BACKWARD_BASELINES, BACKWARD_CASES,
                                         fastact_backward_case)


@pytest.mark.parametrize("name", BACKWARD_CASES)
def test_backward_baselines_agree_with_fastact(name):
    x = np.linspace(-6, 6, 1000)                  # misses the kinks at 0, +-3
    gy = np.random.default_rng(0).standard_normal(x.size)
    expected = fastact_backward_case(name)(gy, x)()
    for lib, factory in BACKWARD_BASELINES[name].items():
        if lib == "torch":
            pytest.importorskip("torch")
        if lib == "scipy":
            pytest.importorskip("scipy.special")
        got = np.asarray(factory(gy, x)())
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=lib)


@pytest.mark.parametrize("name", __import__("fastact._baselines", fromlist=["CASES"]).CASES)
def test_forward_baselines_agree_with_fastact(name):
    from fastact._baselines import BASELINES, fastact_case
    x = np.linspace(-6, 6, 1000) + 1e-3           # misses the kinks at 0, +-3
    expected = fastact_case(name)(x)()
    for lib, factory in BASELINES[name].items():
        if lib == "torch":
            pytest.importorskip("torch")
        if lib == "scipy":
            pytest.importorskip("scipy.special")
        got = factory(x)()
        got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=lib)

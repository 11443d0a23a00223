"""The gated units' fast path (fastact._gated: a C-contiguous float array
split along its last axis) runs the gufunc's loop through
_kernels.gated_rows instead of the gufunc call. Its results must be the
gufunc's, which the same call with the axis given as a positive number
gets (the general path)."""

import numpy as np
import pytest

import fastact as fa
from fastact import _gated

UNITS = ["glu", "swiglu", "geglu", "reglu"]
# 1-D, rows shorter than the kernels' gather threshold, long rows, more
# dimensions, and enough elements for a team of threads
SHAPES = [(4,), (1000,), (7, 6), (5, 40), (2, 3, 34), (300, 600)]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_gives_the_gufuncs_results(unit, dtype, monkeypatch):
    rng = np.random.default_rng(8)
    f, fb = getattr(fa, unit), getattr(fa, unit + "_backward")
    calls = []
    real = _gated._k.gated_rows
    monkeypatch.setattr(_gated._k, "gated_rows",
                        lambda *a: calls.append(a[0].__name__) or real(*a))
    for shape in SHAPES:
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        g = rng.standard_normal(shape[:-1] + (shape[-1] // 2,)).astype(dtype)
        general = f(x, axis=x.ndim - 1)
        general_b = fb(g, x, axis=x.ndim - 1)
        assert not calls
        fast, fast_b = f(x), fb(g, x)
        assert calls == ["kernels." + unit, "kernels." + unit + "_vjp"], shape
        calls.clear()
        for got, want in ((fast, general), (fast_b, general_b)):
            assert got.dtype == want.dtype and got.shape == want.shape
            assert np.array_equal(got, want, equal_nan=True), (unit, shape)


def test_fast_path_approximate_and_specials():
    x = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 3.0]], np.float32)
    for kw in ({}, {"approximate": "tanh"}):
        assert np.array_equal(fa.geglu(x, **kw), fa.geglu(x, axis=1, **kw), equal_nan=True)
    g = np.ones((1, 4), np.float32)
    assert np.array_equal(fa.glu_backward(g, x), fa.glu_backward(g, x, axis=1),
                          equal_nan=True)


def test_calls_the_fast_path_declines(monkeypatch):
    def refuse(*args):
        raise AssertionError("fast path")

    monkeypatch.setattr(_gated._k, "gated_rows", refuse)
    x = np.random.default_rng(2).standard_normal((4, 12))
    want = fa.glu(x, axis=1)
    assert np.array_equal(fa.glu(np.asfortranarray(x)), want)        # not C-contiguous
    assert np.array_equal(fa.glu(x, out=np.empty((4, 6))), want)       # out=
    assert np.array_equal(fa.glu(x.astype(np.float16)),               # float16
                          fa.glu(x.astype(np.float16), axis=1))
    g = np.ones((4, 6))
    assert np.array_equal(fa.glu_backward(g[:1], x), fa.glu_backward(np.ones((4, 6)), x, axis=1))

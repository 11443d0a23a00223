"""Accuracy against mpmath (API.md section 7): float32 <= 2 ULP, float64
<= 4 ULP wherever the exact result is a normal number, forward and backward;
piecewise-linear functions exact. Each test prints its worst case."""

import functools

import numpy as np
import pytest

import fastact as fa
from conftest import sample_points
from references import REFERENCES, public_name
from ulp import reference, ulp_errors, worst

BOUND = {np.float32: 2.0, np.float64: 4.0}
EXACT = {"relu"}          # piecewise linear: exact


@functools.lru_cache(maxsize=None)
def _points_and_refs(case, dtype, which):
    xs = sample_points(dtype)
    _, f, df, _ = REFERENCES[case]
    hi, lo = reference(f if which == "forward" else df, xs)
    return xs, hi, lo


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("which", ["forward", "backward"])
@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_max_ulp(case, which, dtype):
    kwargs, _, _, zeros = REFERENCES[case]
    fn = getattr(fa, public_name(case))
    xs, hi, lo = _points_and_refs(case, dtype, which)
    if which == "forward":
        got = fn(xs, **kwargs)
    else:
        got = getattr(fa, public_name(case) + "_backward")(1.0, xs, **kwargs)
    assert got.dtype == dtype
    err = ulp_errors(got, hi, lo, dtype, xs, zeros)
    bound = 0.5 if case in EXACT else BOUND[dtype]
    e, at = worst(err, xs)
    print(f"{case} {which} {np.dtype(dtype).name}: max {e:.3f} ULP at x = {at!r}")
    assert np.count_nonzero(~np.isnan(err)) > 1000      # the sample was measured
    assert e <= bound, f"{case} {which}: {e:.2f} ULP at x = {at!r} (bound {bound})"


@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_backward_matches_finite_differences(case):
    """The backward against a central difference of the forward in float64,
    independent of the analytic derivative."""
    kwargs = REFERENCES[case][0]
    name = public_name(case)
    fwd, bwd = getattr(fa, name), getattr(fa, name + "_backward")
    x = np.linspace(-8, 8, 1601)
    x = x[np.abs(x) > 1e-3]            # away from relu's kink
    h = 1e-6
    fd = (fwd(x + h, **kwargs) - fwd(x - h, **kwargs)) / (2 * h)
    np.testing.assert_allclose(bwd(1.0, x, **kwargs), fd, rtol=1e-6, atol=1e-8)


def test_gelu_negative_tail_is_not_zero():
    """PyTorch's float32 gelu returns 0 below -6; the true gelu(-10) is
    about -7.6e-23 and is a normal float32."""
    for dtype in (np.float32, np.float64):
        y = fa.gelu(np.array([-10.0], dtype))[0]
        assert y != 0
        np.testing.assert_allclose(y, -7.619853024160526e-23, rtol=1e-6)


def test_gelu_agrees_with_scipy_erfc():
    from scipy.special import erfc
    x = np.linspace(-30, 30, 10001)
    np.testing.assert_allclose(fa.gelu(x), 0.5 * x * erfc(-x / np.sqrt(2)),
                               rtol=2e-13, atol=0)


def test_derivative_tails_keep_precision():
    """sigma'(80) ~ 1.8e-35 and tanh'(40) ~ 7.2e-35, where sigma(1-sigma)
    and 1 - tanh^2 give 0."""
    x = np.array([80.0, -80.0])
    np.testing.assert_allclose(fa.sigmoid_backward(1.0, x), 1.8048513878454153e-35, rtol=1e-14)
    np.testing.assert_allclose(fa.sigmoid_backward(1.0, x.astype(np.float32)),
                               1.8048513878454153e-35, rtol=1e-6)
    np.testing.assert_allclose(fa.tanh_backward(1.0, np.array([40.0])), 7.21940555e-35 , rtol=1e-8)

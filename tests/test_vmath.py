"""The vectorisable elementary functions (fastact/_vmath.pxd) against mpmath:
every kernel's accuracy rests on them."""

import mpmath as mp
import numpy as np
import pytest

from fastact._dispatch import kernels as k
from ulp import reference, ulp_errors, worst

rng = np.random.default_rng(7)


def points(lo, hi, n=20000):
    dense = np.linspace(lo, hi, n)
    rand = rng.uniform(lo, hi, n)
    return np.unique(np.concatenate([dense, rand, [0.0, -0.0, lo, hi]]))


def around(ends, k=4):
    """The points, k floats either side of each, and their negatives."""
    x = lo = hi = np.asarray(ends, dtype=np.float64)
    for _ in range(k):
        lo, hi = np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf)
        x = np.concatenate([x, lo, hi])
    return np.concatenate([x, -x])


# name -> (ufunc, mpmath function, sample, bound in ULP for float64). The
# bounds are the measured maxima rounded up (see _vmath.pxd): the kernels
# built on them are held to API.md section 7 by test_accuracy.py.
CASES = {
    "exp": (k._vexp, mp.exp, points(-745, 709.78), 0.9),
    "expm1": (k._vexpm1, mp.expm1, np.concatenate([points(-60, 709.78), points(-1, 1),
                                                    np.geomspace(1e-300, 1e-3, 2000),
                                                    -np.geomspace(1e-300, 1e-3, 2000)]), 1.8),
    "log1p_unit": (k._vlog1p_unit, mp.log1p,
                   np.concatenate([points(0, 1), np.geomspace(1e-300, 1e-2, 4000)]), 1.4),
    # softmax's row totals, log1p(S/C) (fastact/_axis_math.pxi)
    "log1p_pos": (k._vlog1p_pos, mp.log1p,
                  np.concatenate([points(0, 1), points(1, 1000), np.geomspace(1e-300, 4.5e15, 8000),
                                  [np.nextafter(2.0 ** 52, 0)], np.abs(around([0.41421356237309503, 1.0, 2.0]))]),
                  0.85),
    "tanh": (k._vtanh, mp.tanh, np.concatenate([points(-25, 25), np.geomspace(1e-300, 1, 4000),
                                                -np.geomspace(1e-300, 1, 4000)]), 2.2),
    # _erfc64.h, where erfc is normal; the subnormal tail below. Its
    # intervals meet at |z| = 0.5, 1.25, 2, 2.875 and 6: a few ULP around each.
    "erfc": (k._verfc, mp.erfc, np.concatenate([
        points(-6, 26.5), points(-0.6, 0.6, 5000), np.geomspace(1e-300, 0.5, 2000),
        around([0.5, 1.25, 2.0, 2.875, 6.0])]), 0.75),
}


def test_vmath_expf_float32():
    """The float32 exp (_vmathf.pxd) that the native float32 kernels use."""
    xs = np.unique(np.concatenate([points(-103.9, 88.7), np.linspace(-1, 1, 20001)]).astype(np.float32))
    hi, lo = reference(mp.exp, xs)
    got = k._vexp(xs)
    assert got.dtype == np.float32
    err = ulp_errors(got, hi, lo, np.float32)
    e, at = worst(err, xs)
    print(f"vmath expf: max {e:.3f} ULP at x = {at!r}")
    assert e <= 1.0, (e, at)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(
            k._vexp(np.array([-np.inf, np.inf, np.nan, 0.0, -200.0, 89.0], np.float32)),
            np.array([0.0, np.inf, np.nan, 1.0, 0.0, np.inf], np.float32))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmath_accuracy(name):
    ufunc, fn, xs, bound = CASES[name]
    hi, lo = reference(fn, xs)
    err = ulp_errors(ufunc(xs), hi, lo, np.float64)
    e, at = worst(err, xs)
    print(f"vmath {name}: max {e:.3f} ULP at x = {at!r}")
    assert e <= bound, (name, e, at)


def test_vmath_special_values():
    inf, nan = np.inf, np.nan
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(k._vexp(np.array([-inf, inf, nan, 0.0, -800.0, 710.0])),
                                      [0.0, inf, nan, 1.0, 0.0, inf])
        np.testing.assert_array_equal(k._vexpm1(np.array([-inf, inf, nan, 0.0, -0.0, -100.0])),
                                      [-1.0, inf, nan, 0.0, -0.0, -1.0])
        assert np.signbit(k._vexpm1(np.array([-0.0]))[0])
        np.testing.assert_array_equal(k._vlog1p_unit(np.array([0.0, 1.0, nan])),
                                      [0.0, np.log(2.0), nan])
        assert not np.signbit(k._vlog1p_pos(np.array([0.0]))[0])
        np.testing.assert_array_equal(k._vlog1p_pos(np.array([0.0, 1.0, 5e-324])),
                                      [0.0, np.log(2.0), 5e-324])
        np.testing.assert_array_equal(k._vtanh(np.array([-inf, inf, nan, 0.0, -0.0, 30.0])),
                                      [-1.0, 1.0, nan, 0.0, -0.0, 1.0])
        assert np.signbit(k._vtanh(np.array([-0.0]))[0])
        np.testing.assert_array_equal(
            k._verfc(np.array([-inf, inf, nan, 0.0, -0.0, -6.0, 27.3, 1e300, -1e300])),
            [2.0, 0.0, nan, 1.0, 1.0, 2.0, 0.0, 0.0, 2.0])
    # subnormal results of erfc (z > 26.55) are within one subnormal step
    z = np.linspace(26.55, 27.3, 751)
    ref = np.array([float(mp.erfc(mp.mpf(v))) for v in z])
    assert np.max(np.abs(k._verfc(z) - ref)) <= 5e-324
    # subnormal results of exp are within one subnormal step
    x = np.linspace(-745, -709, 1001)
    ref = np.array([float(mp.exp(mp.mpf(v))) for v in x])
    assert np.max(np.abs(k._vexp(x) - ref)) <= 5e-324

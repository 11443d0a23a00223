"""float32 and float64 agree on special results (NaN, +-inf, 0).

Many float32 kernels compute in double with exponentials of their own
(some clamped at e^-708, some native float with scaled tails), so where a
derivative underflows to 0 in float64 the float32 kernel must not keep a
tiny non-zero value: times an infinite grad_output that is inf instead of
NaN. The values themselves are checked against mpmath in test_accuracy.py.
"""

import numpy as np
import pytest

import fastact as fa
from conftest import backward, forward
from references import REFERENCES, VARIANTS, entry

CASES = sorted(REFERENCES) + sorted(VARIANTS)
EXTREMES = np.array([0, -0.0, 1, -1, 30, -30, 100, -100, -200, -800, -1000, 1000,
                     3e38, -3e38, np.inf, -np.inf, np.nan], dtype=np.float32)


def kinds(r):
    """NaN -> 9, +-inf as they are, +0 -> 0 and -0 -> 5 (the dtypes once
    differed in the sign of some zeros: silu(-0.0), tanh(-0.0) in float32,
    gelu' below -40), any other number -> 1."""
    r = np.asarray(r, dtype=np.float64)
    zeros = np.where(np.signbit(r), 5.0, 0.0)
    return np.where(np.isnan(r), 9.0, np.where(r == 0, zeros, np.where(np.isinf(r), r, 1.0)))


@pytest.mark.parametrize("case", CASES)
def test_float32_specials_match_float64(case):
    kwargs = entry(case)[0]
    gy, x = (a.ravel() for a in np.meshgrid(EXTREMES, EXTREMES, indexing="ij"))
    with np.errstate(all="ignore"):
        # float64 results rounded to float32 (a tiny one may become 0, a huge one inf)
        pairs = [(forward(case)(x, **kwargs),
                  forward(case)(x.astype(np.float64), **kwargs).astype(np.float32)),
                 (backward(case)(gy, x, **kwargs),
                  backward(case)(gy.astype(np.float64), x.astype(np.float64),
                                 **kwargs).astype(np.float32))]
    for which, (r32, r64) in zip(("forward", "backward"), pairs):
        bad = np.flatnonzero(kinds(r32) != kinds(r64))
        assert bad.size == 0, (which, [(gy[i], x[i], r32[i], r64[i]) for i in bad[:5]])


@pytest.mark.parametrize("beta", [np.nan, np.inf, -np.inf])
def test_swish_with_a_special_beta(beta):
    """t = beta x is NaN for beta = NaN or for +-inf * 0: the result is NaN
    in both dtypes (float32 once returned +-0 there)."""
    x = EXTREMES
    with np.errstate(all="ignore"):
        r32 = fa.swish(x, beta=beta)
        r64 = fa.swish(x.astype(np.float64), beta=beta).astype(np.float32)
        g32 = fa.swish_backward(np.ones_like(x), x, beta=beta)
        g64 = fa.swish_backward(np.ones(x.size), x.astype(np.float64), beta=beta).astype(np.float32)
        t_is_nan = np.isnan(beta * x.astype(np.float64))
    np.testing.assert_array_equal(kinds(r32), kinds(r64))
    np.testing.assert_array_equal(kinds(g32), kinds(g64))
    assert t_is_nan.any() and np.isnan(r32[t_is_nan]).all()


@pytest.mark.parametrize("kw", [{"beta": np.nan}, {"threshold": np.nan},
                                {"beta": np.nan, "threshold": np.nan}])
def test_softplus_with_a_nan_parameter(kw):
    """softplus with beta or threshold NaN: the same kinds of result in both
    dtypes (float32 once returned x where beta was NaN, float64 NaN)."""
    x = EXTREMES
    with np.errstate(all="ignore"):
        r32 = fa.softplus(x, **kw)
        r64 = fa.softplus(x.astype(np.float64), **kw).astype(np.float32)
        g32 = fa.softplus_backward(np.ones_like(x), x, **kw)
        g64 = fa.softplus_backward(np.ones(x.size), x.astype(np.float64), **kw).astype(np.float32)
    np.testing.assert_array_equal(kinds(r32), kinds(r64))
    np.testing.assert_array_equal(kinds(g32), kinds(g64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["tanh", "silu", "swish", "mish", "hard_swish", "gelu",
                                  "softsign", "elu", "selu", "celu", "leaky_relu",
                                  "hard_tanh", "tanh_shrink", "rrelu"])
def test_negative_zero_keeps_its_sign(name, dtype):
    """f(-0) = -0 where f(0) = 0 with f'(0) > 0, as np.tanh(-0.0) and the
    formulas give (x sigmoid(x) = -0 * 0.5); float32 tanh, silu and
    hard_swish once returned +0."""
    x = np.array([-0.0, 0.0], dtype=dtype)
    for kw in ({}, {"approximate": "tanh"}) if name == "gelu" else ({},):
        y = getattr(fa, name)(x, **kw)
        assert y[0] == 0 and np.signbit(y[0]), (name, kw)
        assert y[1] == 0 and not np.signbit(y[1]), (name, kw)

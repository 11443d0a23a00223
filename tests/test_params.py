"""Parameters of the element-wise functions (API.md section 4): bad values
raise ValueError saying what was expected, wrong types TypeError, and a
refused call writes nothing to ``out``."""

import numpy as np
import pytest

import fastact as fa
from fastact._dispatch import kernels as _k

X = np.linspace(-3, 3, 7)

# (function, bad parameters, what the message says was expected)
BAD_VALUES = [
    ("softplus", {"beta": 0.0}, "expected beta != 0"),
    ("softplus", {"beta": -0.0, "threshold": 20}, "expected beta != 0"),
    ("celu", {"alpha": 0}, "expected alpha != 0"),
    ("hard_tanh", {"min_val": 2.0, "max_val": 1.0}, "expected min_val <= max_val"),
    ("hard_tanh", {"min_val": np.nan}, "expected min_val <= max_val"),
    ("soft_shrink", {"lambd": -0.1}, "expected lambd >= 0"),
    ("rrelu", {"lower": 0.5, "upper": 0.1}, "expected lower <= upper"),
    ("rrelu", {"lower": 0.5, "upper": 0.1, "training": True}, "expected lower <= upper"),
    ("prelu", {"weight": [0.1, 0.2]}, r"expected a scalar or length x.shape\[0\] = 7"),
    ("prelu", {"weight": np.ones((1, 7))}, "weight must be a scalar or 1-D"),
]


@pytest.mark.parametrize("name,kwargs,message", BAD_VALUES)
def test_bad_values_raise_value_error_and_write_nothing(name, kwargs, message):
    for fn, args in ((getattr(fa, name), (X,)),
                     (getattr(fa, name + "_backward"), (np.ones(7), X))):
        out = np.full(7, 7.0)
        with pytest.raises(ValueError, match=message):
            fn(*args, **kwargs, out=out)
        assert np.all(out == 7.0)
        assert fn.__name__ in str(pytest.raises(ValueError, fn, *args, **kwargs).value)


@pytest.mark.parametrize("name,kwargs", [
    ("leaky_relu", {"negative_slope": "0.1"}), ("elu", {"alpha": None}),
    ("swish", {"beta": [1.0, 2.0]}), ("softplus", {"beta": None}),
    ("hard_shrink", {"lambd": 1j}), ("threshold", {"threshold": None, "value": 0.0}),
    ("rrelu", {"lower": "a"}), ("rrelu", {"training": 1}),
    ("prelu", {"weight": np.array([1j])}),
])
def test_parameters_of_the_wrong_type_raise_type_error(name, kwargs):
    with pytest.raises(TypeError, match=f"fastact.{name}"):
        getattr(fa, name)(X, **kwargs)


def test_threshold_needs_both_parameters():
    with pytest.raises(TypeError):
        fa.threshold(X, 0.5)
    with pytest.raises(TypeError):
        fa.threshold_backward(1.0, X, threshold=0.5)


def test_softplus_threshold_none_means_no_cut_off():
    x = np.array([25.0, -30.0])
    np.testing.assert_array_equal(fa.softplus(x, threshold=None), fa.softplus(x))
    np.testing.assert_array_equal(fa.softplus(x, threshold=np.inf), fa.softplus(x))
    assert fa.softplus(x, threshold=20)[0] == 25.0


def test_parameters_may_be_numpy_scalars_and_integers():
    np.testing.assert_array_equal(fa.elu(X, alpha=np.float32(2)), fa.elu(X, alpha=2.0))
    np.testing.assert_array_equal(fa.leaky_relu(X, 1), X)
    np.testing.assert_array_equal(fa.hard_tanh(X, -2, 2), np.clip(X, -2, 2))


def test_parameters_stay_double_for_float32_input():
    """x * 0.1 is rounded once: the float64 product rounded to float32, not
    x times float32(0.1) (two roundings that differ at some x)."""
    x = -np.arange(1, 20001, dtype=np.float32)
    expected = (x.astype(np.float64) * 0.1).astype(np.float32)
    np.testing.assert_array_equal(fa.leaky_relu(x, 0.1), expected)
    assert np.any(x * np.float32(0.1) != expected)


def test_swish_with_beta_zero_is_half_x():
    np.testing.assert_array_equal(fa.swish(X, beta=0.0), X / 2)
    np.testing.assert_array_equal(fa.swish_backward(1.0, X, beta=0.0), 0.5)
    assert np.isnan(fa.swish(np.nan, beta=0.0))
    # both dtypes, infinities included (float32 once gave NaN: t = 0 * inf)
    x = np.array([-np.inf, -3e38, -2.5, -0.0, 0.0, 1.5, 3e38, np.inf, np.nan])
    for dtype in (np.float32, np.float64):
        xd = x.astype(dtype)
        np.testing.assert_array_equal(fa.swish(xd, beta=0.0), xd / 2)
        np.testing.assert_array_equal(fa.swish_backward(np.full_like(xd, 3.0), xd, beta=0.0),
                                      np.where(np.isnan(xd), np.nan, 1.5).astype(dtype))


def test_negative_parameters_follow_the_formula():
    # celu and elu with alpha < 0, swish and softplus with beta < 0, a negative
    # leaky slope and hard_shrink's negative lambd (shrinks nothing, as PyTorch)
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(fa.celu(x, alpha=-2.0),
                               np.where(x > 0, x, -2.0 * np.expm1(x / -2.0)), rtol=1e-15)
    # float32 too: its kernel for alpha > 0 takes only x / alpha <= 0, and
    # once served alpha < 0 as well (-0 for every x < 0)
    x32 = np.array([-80.0, -2.0, -0.5, -1e-30, 0.5, 2.0], np.float32)
    x64 = x32.astype(np.float64)
    for alpha in (-2.0, -0.3):
        got = fa.celu(x32, alpha=alpha)
        want = np.where(x64 > 0, x64, alpha * np.expm1(x64 / alpha))
        np.testing.assert_allclose(got, want.astype(np.float32), rtol=2.4e-7)
        np.testing.assert_array_equal(fa.celu(x32[::-1][::2], alpha=alpha), got[::-1][::2])
    np.testing.assert_allclose(fa.elu(x, alpha=-1.0), np.where(x > 0, x, -np.expm1(x)),
                               rtol=1e-15)
    np.testing.assert_allclose(fa.swish(x, beta=-1.5), x / (1 + np.exp(1.5 * x)), rtol=1e-15)
    np.testing.assert_allclose(fa.softplus(x, beta=-2.0), np.log1p(np.exp(-2.0 * x)) / -2.0,
                               rtol=1e-15)
    np.testing.assert_array_equal(fa.leaky_relu(x, -0.5), np.where(x > 0, x, -0.5 * x))
    np.testing.assert_array_equal(fa.hard_shrink(x, lambd=-1.0), x)


@pytest.mark.parametrize("name,kwargs", [
    ("elu", {"alpha": 10**400}), ("leaky_relu", {"negative_slope": -10**309}),
    ("rrelu", {"upper": 10**400}), ("softplus", {"threshold": 10**400})])
def test_integers_beyond_float64_raise_value_error(name, kwargs):
    """They used to escape as OverflowError ('int too large to convert to
    float'), an exception API.md does not name, without the function."""
    for fn, args in ((getattr(fa, name), (X,)), (getattr(fa, name + "_backward"), (1.0, X))):
        with pytest.raises(ValueError, match=f"fastact.{fn.__name__}: .* outside the float64 range"):
            fn(*args, **kwargs)


@pytest.mark.parametrize("slope", [0.0, 1e-30, 0.1, -0.3, 1e-45, 3.0])
def test_float32_slope_products_are_the_float64_product_rounded(slope):
    """float32 leaky_relu and its backward multiply in float with a two-float
    slope; the result is the float64 product rounded once, over the whole
    float32 range wherever that is a normal number or zero (x * 2^64 scaling
    of tiny products must not overflow for huge x: slope 0 at x = -1e30 gave
    NaN). Subnormal results may round twice (API.md section 7)."""
    mags = np.float32(2.0) ** np.arange(-149, 128, 3, dtype=np.float32)
    x = np.concatenate([-mags, mags, [-np.float32(3.4e38), np.float32(0.0), np.float32(-0.0)]])
    x = x.astype(np.float32)
    exact = np.where(x > 0, x.astype(np.float64), x.astype(np.float64) * slope).astype(np.float32)
    kept = (exact == 0) | (np.abs(exact) >= np.finfo(np.float32).tiny)
    x, exact = x[kept], exact[kept]
    for got in (fa.leaky_relu(x, negative_slope=slope),
                fa.leaky_relu_backward(x, x, negative_slope=slope)):  # grad_output = x
        np.testing.assert_array_equal(got, exact)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(exact))   # -0 * 0.1 = -0


@pytest.mark.parametrize("lambd", [0.5, 0.3, 0.0, 1e-30, 1e-45, 5e-324, 2.3, 1e30, 1e300,
                                   3.4028235677973366e38, np.inf])
def test_float32_cut_offs_compare_with_the_double_parameter(lambd):
    """float32 hard_shrink, soft_shrink, threshold and their backward compare
    x with the largest float below the parameter (no float64 conversion of
    x): the results are NumPy's float64 formulas rounded, also where x is
    the parameter's float32 rounding (0.3 rounds up: x = float32(0.3) is
    above 0.3) and for parameters beyond float32's range."""
    f32 = np.float32
    x = np.concatenate([f32(2.0) ** np.arange(-149, 128, 2, dtype=f32), [f32(0.3), f32(0.5), f32(2.3)]])
    x = np.concatenate([x, np.nextafter(x, f32(0)), np.nextafter(x, f32(np.inf)), [f32(np.inf), f32(0)]])
    x = np.concatenate([x, -x]).astype(f32)
    gy = np.linspace(-3, 3, x.size).astype(f32)
    d, g = x.astype(np.float64), gy.astype(np.float64)
    with np.errstate(invalid="ignore"):
        soft = np.where(d > lambd, d - lambd, np.where(d < -lambd, d + lambd, 0.0))
    kept = (soft == 0) | (np.abs(soft) >= np.finfo(f32).tiny) | np.isnan(soft)
    inside = (-lambd <= d) & (d <= lambd)
    expected = {
        "soft_shrink": (fa.soft_shrink(x, lambd), soft),
        "soft_shrink_backward": (fa.soft_shrink_backward(gy, x, lambd=lambd), np.where(inside, 0.0, g)),
        "hard_shrink": (fa.hard_shrink(x, lambd), np.where(inside, 0.0, d)),
        "hard_shrink_backward": (fa.hard_shrink_backward(gy, x, lambd=lambd), np.where(inside, 0.0, g)),
        "threshold": (fa.threshold(x, lambd, -7.3), np.where(d <= lambd, -7.3, d)),
        "threshold_backward": (fa.threshold_backward(gy, x, threshold=lambd, value=-7.3),
                               np.where(d <= lambd, 0.0, g)),
    }
    for name, (got, exact) in expected.items():
        assert got.dtype == f32
        np.testing.assert_array_equal(got[kept], exact.astype(f32)[kept], err_msg=name)


@pytest.mark.parametrize("param", [0.25, 0.0, -0.5, 3.0, float(np.float32(0.01)), float(np.float32(0.3)),
                                   float(np.float32(1e-30)), 2.0 ** -149, float(np.finfo(np.float32).max),
                                   0.01, 0.3])
def test_float_parameter_loops_give_the_general_loops_bits(param):
    """Where a scalar parameter is itself a float (0.25, a float32 model's
    prelu weight), the contiguous float32 loops of leaky_relu (and its
    backward) and soft_shrink multiply or subtract in float (_kernels.pyx.tp
    FLOAT_PARAM); the strided loops keep the double kernels. Both must give
    the same bits everywhere: subnormal results, -0, inf, NaN included."""
    f32 = np.float32
    rng = np.random.default_rng(7)
    mags = f32(2.0) ** np.arange(-149, 128, dtype=f32)
    x = np.concatenate([mags, mags * f32(1.7), rng.standard_normal(5000).astype(f32) * 3,
                        [f32(0.3), f32(0.5), f32(2.5), f32(np.inf), f32(0), f32(np.nan)]])
    x = np.concatenate([x, -x, np.nextafter(x, f32(0))]).astype(f32)
    gy = rng.standard_normal(x.size).astype(f32)

    def strided(a):                                   # same values, not contiguous
        return np.repeat(a, 2)[::2]
    lambd = abs(param)
    weight = np.float32(param) if _is_float(param) else param
    cases = [lambda a, b: fa.leaky_relu(a, param),
             lambda a, b: fa.leaky_relu_backward(b, a, negative_slope=param),
             lambda a, b: fa.soft_shrink(a, lambd),
             lambda a, b: fa.prelu(a, weight, axis=0)]
    for fn in cases:
        fast = fn(x, gy)
        general = fn(strided(x), strided(gy))
        assert fast.dtype == f32
        np.testing.assert_array_equal(fast, general)
        np.testing.assert_array_equal(np.signbit(fast), np.signbit(general))
    # and the double formula rounded once, where the result is normal or 0
    with np.errstate(all="ignore"):
        want = np.where(x > 0, x.astype(np.float64), x.astype(np.float64) * param).astype(f32)
    got = fa.leaky_relu(x, param)
    ok = ~np.isnan(x) & ((want == 0) | (np.abs(want) >= np.finfo(f32).tiny))
    np.testing.assert_array_equal(got[ok], want[ok])


def _is_float(v):
    return float(np.float32(v)) == v


def test_softplus_beta_one_kernel_gives_the_same_bits_in_every_layout():
    """float64 softplus and its backward at beta = 1 run a kernel of their
    own (_math.pxd fa_softplus_b1, picked per call for a scalar beta and per
    element for a beta array): contiguous, strided and broadcast-array calls
    must agree to the bit, and other betas in the same array keep the
    general kernel."""
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.standard_normal(20000) * 30, [-800.0, -710.0, -705.0, 0.0, -0.0,
                                                          700.0, np.inf, -np.inf, np.nan]])
    gy = rng.standard_normal(x.size)
    strided = (np.repeat(x, 2)[::2], np.repeat(gy, 2)[::2])
    for beta in (1.0, 2.0):
        want = fa.softplus(x, beta=beta)
        want_g = fa.softplus_backward(gy, x, beta=beta)
        np.testing.assert_array_equal(fa.softplus(strided[0], beta=beta), want)
        np.testing.assert_array_equal(fa.softplus_backward(strided[1], strided[0], beta=beta), want_g)
    # a beta array mixing 1 and 2: each element as the scalar call gives it
    betas = np.where(np.arange(x.size) % 2 == 0, 1.0, 2.0)
    got = _k.softplus(x, betas, np.inf)
    want = np.where(betas == 1.0, fa.softplus(x, beta=1.0), fa.softplus(x, beta=2.0))
    np.testing.assert_array_equal(got, want)
    # log_sigmoid is softplus at beta = 1 reflected
    np.testing.assert_array_equal(fa.log_sigmoid(x), -fa.softplus(-x))
    np.testing.assert_array_equal(fa.log_sigmoid_backward(gy, x), fa.softplus_backward(gy, -x))


@pytest.mark.parametrize("name", ["elu", "celu"])
def test_float32_elu_backward_alpha_one_kernel(name):
    """float32 elu' and celu' at alpha = 1 compute gy e^x in float with 2^n
    applied in exact factors (_math.pxd fa_elu_vjp_f32_a1): the same bits in
    every layout, within 2 ULP of float64 where the result is normal, also
    for gradients near FLT_MAX times e^x far below float's range, and the
    float64 kernel's NaN, inf and 0 elsewhere."""
    f32 = np.float32
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-180, 5, 20000), [-176.0, -150.0, -100.0, -87.5, -0.0, 0.0,
                                                      -745.0, -746.0, -800.0, -np.inf, np.nan]])
    x = x.astype(f32)
    big = f32(np.finfo(f32).max)
    backward = getattr(fa, name + "_backward")
    for gy in (np.ones_like(x), np.full_like(x, big), np.full_like(x, -big),
               rng.standard_normal(x.size).astype(f32)):
        got = backward(gy, x, alpha=1.0)
        np.testing.assert_array_equal(backward(np.repeat(gy, 2)[::2], np.repeat(x, 2)[::2],
                                               alpha=1.0), got)
        want = backward(gy.astype(np.float64), x.astype(np.float64), alpha=1.0)
        normal = np.abs(want) >= np.finfo(f32).tiny
        ulp = np.ldexp(1.0, np.frexp(want[normal])[1] - 24)      # float32's, exactly
        assert np.all(np.abs(got[normal] - want[normal]) <= 2 * ulp)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    with np.errstate(invalid="ignore"):
        inf_g = backward(np.full(4, np.inf, f32), np.array([-700, -745, -746, -np.inf], f32))
    np.testing.assert_array_equal(inf_g, [np.inf, np.inf, np.nan, np.nan])

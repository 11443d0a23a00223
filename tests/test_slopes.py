"""prelu (a slope per channel) and rrelu (random slopes in training)."""

import numpy as np
import pytest

import fastact as fa


def manual_prelu(x, w):
    return np.where(x > 0, x, w * x)


@pytest.mark.parametrize("shape,axis", [((2, 3), 1), ((4, 3, 5, 2), 1), ((4, 3, 5), -1),
                                        ((4, 3, 5), 0), ((6,), 1), ((6,), 0)])
def test_prelu_per_channel(shape, axis):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    ax = axis % len(shape) if len(shape) > 1 else 0
    w = rng.uniform(0, 1, shape[ax])
    wb = w.reshape((-1,) + (1,) * (len(shape) - ax - 1))
    np.testing.assert_array_equal(fa.prelu(x, w, axis=axis), manual_prelu(x, wb))
    gy = rng.standard_normal(shape)
    gx, gw = fa.prelu_backward(gy, x, weight=w, axis=axis)
    np.testing.assert_array_equal(gx, np.where(x > 0, gy, wb * gy))
    others = tuple(a for a in range(len(shape)) if a != ax)
    np.testing.assert_allclose(gw, np.sum(np.where(x > 0, 0, x) * gy, axis=others),
                               rtol=1e-13)
    assert gw.shape == w.shape


def test_prelu_weight_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3, 7))
    w = np.array([0.1, 0.25, 0.4])
    gy = rng.standard_normal(x.shape)
    _, gw = fa.prelu_backward(gy, x, weight=w)
    h = 1e-6
    for c in range(3):
        e = np.zeros(3)
        e[c] = h
        loss = lambda v: np.sum(gy * fa.prelu(x, v))   # noqa: E731
        np.testing.assert_allclose(gw[c], (loss(w + e) - loss(w - e)) / (2 * h), rtol=1e-7)


def test_prelu_scalar_weight():
    x = np.array([[-2.0, 3.0], [-1.0, -4.0]])
    np.testing.assert_array_equal(fa.prelu(x, 0.5), manual_prelu(x, 0.5))
    gx, gw = fa.prelu_backward(1.0, x, weight=0.5)
    assert isinstance(gw, np.float64) and gw == -7.0
    gx, gw = fa.prelu_backward(1.0, x, weight=[0.5])          # length 1: every element
    assert gw.shape == (1,) and gw[0] == -7.0
    assert fa.prelu(np.float64(-2.0), 0.25) == -0.5           # 0-d input


def test_prelu_dtypes_and_in_place_backward():
    x = np.array([[-2.0, 3.0, -1.0]], dtype=np.float32)
    w = np.array([0.1, 0.2, 0.3])
    y = fa.prelu(x, w)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, (np.where(x > 0, x, w * x.astype(np.float64))
                                      ).astype(np.float32))
    gx, gw = fa.prelu_backward(np.ones_like(x), x, weight=w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    # out=x: the weight gradient is taken before x is overwritten
    x2 = x.copy()
    gx2, gw2 = fa.prelu_backward(np.ones_like(x), x2, weight=w, out=x2)
    assert gx2 is x2
    np.testing.assert_array_equal(gx2, gx)
    np.testing.assert_array_equal(gw2, gw)


def test_prelu_errors():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        fa.prelu(x, [1.0, 2.0, 3.0], axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.prelu(x, [1.0, 2.0, 3.0], axis=1.0)
    with pytest.raises(TypeError, match="fastact.prelu_backward needs x"):
        fa.prelu_backward(1.0, y=x, weight=1.0)
    with pytest.raises(TypeError):
        fa.prelu_backward(1.0, x)                   # weight is required


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = np.linspace(-3, 3, 13)
    slope = (0.125 + 1 / 3) / 2
    np.testing.assert_array_equal(fa.rrelu(x), fa.leaky_relu(x, slope))
    np.testing.assert_array_equal(fa.rrelu_backward(1.0, x), fa.leaky_relu_backward(1.0, x, negative_slope=slope))
    y, slopes = fa.rrelu(x, return_slopes=True)
    np.testing.assert_array_equal(slopes, np.where(x <= 0, slope, 1.0))


def test_rrelu_training_draws_reproducible_slopes_in_range():
    x = np.random.default_rng(2).standard_normal((50, 40))
    y1, s1 = fa.rrelu(x, 0.1, 0.3, training=True, rng=np.random.default_rng(7),
                      return_slopes=True)
    y2, s2 = fa.rrelu(x, 0.1, 0.3, training=True, rng=7, return_slopes=True)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(s1, s2)
    neg = x <= 0
    assert np.all((s1[neg] >= 0.1) & (s1[neg] <= 0.3)) and np.all(s1[~neg] == 1)
    assert len(np.unique(s1[neg])) == np.count_nonzero(neg)      # one draw each
    np.testing.assert_array_equal(y1, x * s1)
    # the backward with the forward's slopes
    gy = np.random.default_rng(3).standard_normal(x.shape)
    g = fa.rrelu_backward(gy, x, slopes=s1, lower=0.1, upper=0.3, training=True)
    np.testing.assert_array_equal(g, gy * s1)
    # a Generator is used as is: two calls continue its stream
    rng = np.random.default_rng(9)
    a = fa.rrelu(-np.ones(5), training=True, rng=rng, return_slopes=True)[1]
    b = fa.rrelu(-np.ones(5), training=True, rng=rng, return_slopes=True)[1]
    assert not np.array_equal(a, b)


def test_rrelu_training_float32_uses_the_slopes_it_returns():
    x = -np.linspace(0.1, 5, 101, dtype=np.float32)
    y, s = fa.rrelu(x, training=True, rng=0, return_slopes=True)
    assert y.dtype == s.dtype == np.float32
    np.testing.assert_array_equal(y, (x.astype(np.float64) * s).astype(np.float32))


def test_rrelu_training_backward_needs_slopes():
    x = np.ones(3)
    with pytest.raises(TypeError, match="training=True needs the slopes"):
        fa.rrelu_backward(1.0, x, training=True)
    with pytest.raises(ValueError, match="slopes has shape"):
        fa.rrelu_backward(1.0, x, slopes=np.ones(2), training=True)
    with pytest.raises(TypeError, match="fastact.rrelu_backward needs x"):
        fa.rrelu_backward(1.0, y=x)


def test_rrelu_lower_equal_upper_is_deterministic():
    x = np.array([-2.0, 1.0])
    np.testing.assert_array_equal(fa.rrelu(x, 0.2, 0.2, training=True), [-0.4, 1.0])


@pytest.mark.parametrize("fn,args", [(fa.prelu, (np.ones((2, 3)),)),
                                     (fa.prelu_backward, (1.0, np.ones((2, 3))))])
def test_prelu_axis_error_names_the_function(fn, args):
    """API.md section 4: every refusal names the function (NumPy's AxisError
    said only 'axis 2 is out of bounds for array of dimension 2')."""
    with pytest.raises(np.exceptions.AxisError,
                       match=f"fastact.{fn.__name__}: axis 2 is out of bounds"):
        fn(*args, weight=[1.0, 2.0, 3.0], axis=2)


@pytest.mark.parametrize("rng,exc", [("seed", TypeError), (-1, ValueError), (1.5, TypeError)])
def test_rrelu_bad_rng_names_the_function(rng, exc):
    """NumPy's own message ('SeedSequence expects int or sequence of ints')
    used to come out without naming rrelu (found by tests/test_fuzz.py)."""
    out = np.full(3, 7.0)
    with pytest.raises(exc, match="fastact.rrelu: rng must be"):
        fa.rrelu(-np.ones(3), training=True, rng=rng, out=out)
    assert np.all(out == 7.0)


@pytest.mark.parametrize("lower,upper", [(0.1, np.inf), (-np.inf, 0.5), (-1e308, 1e308)])
def test_rrelu_training_needs_a_finite_range(lower, upper):
    """NumPy's uniform raised OverflowError('high - low range exceeds valid
    bounds'), which API.md does not name (found by tests/test_fuzz.py). In
    eval mode the slope (lower + upper)/2 is still computed."""
    out = np.full(3, 7.0)
    with pytest.raises(ValueError, match="fastact.rrelu: training draws slopes from"):
        fa.rrelu(-np.ones(3), lower, upper, training=True, out=out)
    assert np.all(out == 7.0)
    fa.rrelu(-np.ones(3), lower, upper)


def test_prelu_backward_raises_no_flag_when_the_weight_gradient_is_nan():
    """grad_weight = 1 * -inf + (-1) * -inf is NaN; the sum used to raise
    'invalid value encountered in reduce' (an error under
    np.errstate(all='raise')), where the kernels make NaN from inf * 0
    silently."""
    with np.errstate(all="raise"):
        gx, gw = fa.prelu_backward(np.array([1.0, -1.0]), np.array([-np.inf, -np.inf]),
                                   weight=0.25)
    np.testing.assert_array_equal(gx, [0.25, -0.25])
    assert np.isnan(gw)


# ---- leaky_relu float32 with a certified float pair (fastact/_slope32.h) ----

def product_rounded(x, slope):
    """The float64 kernel's leaky_relu rounded to float32: the bits the
    float32 loops promise, however they compute them."""
    with np.errstate(all="ignore"):
        return np.where(x > 0, x.astype(np.float64),
                        x.astype(np.float64) * slope).astype(np.float32)


def awkward_floats(rng, n):
    """Random bit patterns (every exponent, inf, NaN, subnormals), normal
    values, and runs of tiny values around the pair's lower limit."""
    x = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32).copy()
    x[::3] = (rng.standard_normal(x[::3].size) * 4).astype(np.float32)
    tiny = np.float32(10.0) ** rng.uniform(-45, -20, 4096).astype(np.float32)
    x[8192:12288] = tiny * np.where(rng.random(4096) < 0.5, -1, 1).astype(np.float32)
    x[20000:20012] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38, -3e38,
                      1.1754944e-38, -1.1754944e-38, -1.0]
    return x


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    nan = np.isnan(a)
    return np.array_equal(nan, np.isnan(b)) and np.array_equal(
        np.where(nan, 0, a).view(np.uint32), np.where(nan, 0, b).view(np.uint32))


@pytest.mark.parametrize("slope", [0.01, 11 / 48, 0.3, -0.2, 2.7, 0.99, 0.0123456789])
def test_leaky_relu_float32_has_the_bits_of_the_float64_product(slope):
    """Certified slopes run in float arithmetic (a float pair for the slope),
    the others as the double product rounded: the same bits either way, for
    every input, in place and from y too. 2.7, 0.99 and 0.0123456789 fail
    the certification (48545, 2269 and one float of [1, 2)): their
    fallback is tested here as well."""
    from fastact import _dispatch
    from fastact._dispatch import kernels
    rng = np.random.default_rng(51)
    x = awkward_floats(rng, 1 << 23)            # 2^23 elements: enough to certify
    gy = rng.standard_normal(x.size).astype(np.float32)
    gy[::5] = x[::5]
    want = product_rounded(x, slope)
    with np.errstate(all="ignore"):
        g64 = gy.astype(np.float64)
        want_g = np.where(np.isnan(x), x, np.where(x > 0, g64, g64 * slope).astype(np.float32))
    for _ in range(2):                           # the second call after the verdict
        assert same_bits(fa.leaky_relu(x, slope), want)
    assert same_bits(fa.leaky_relu_backward(gy, x, negative_slope=slope), want_g)
    inplace = x.copy()
    fa.leaky_relu(inplace, slope, out=inplace)
    assert same_bits(inplace, want)
    g = gy.copy()
    fa.leaky_relu_backward(g, x, negative_slope=slope, out=g)
    assert same_bits(g, want_g)
    if slope > 0:
        assert same_bits(fa.leaky_relu_backward(gy, y=want, negative_slope=slope), want_g)
    if _dispatch.LEVEL != "baseline" and np.finfo(np.longdouble).nmant >= 63:
        assert kernels.slope_verdict(slope) == pair_is_exact(slope)


def pair_is_exact(slope):
    """The certification redone in NumPy: whether fl(x sh + fl(x sl)) (the
    slope as sh = slope rounded toward zero and sl = slope - sh rounded)
    equals the double product rounded for every float x in [1, 2). x sh is
    exact in float64 and x sh + fl(x sl) spans under 64 bits, so long
    double holds it exactly and its rounding to float32 is the one fmaf
    makes."""
    sh = np.float32(slope)
    if abs(float(sh)) > abs(slope):
        sh = np.nextafter(sh, np.float32(0))
    sl = np.float32(slope - float(sh))
    x = (np.arange(1 << 23, dtype=np.uint32) | np.uint32(0x3F800000)).view(np.float32)
    x64 = x.astype(np.float64)
    pair = (x64 * float(sh)).astype(np.longdouble) + (x64 * float(sl)).astype(np.float32)
    return int(np.array_equal(pair.astype(np.float32), (x64 * slope).astype(np.float32)))


@pytest.mark.skipif(np.finfo(np.longdouble).nmant < 63, reason="needs x87 long double")
def test_the_pair_check_in_numpy_finds_what_the_c_harness_found():
    # independent of the C code: 11/48 certifies with sh rounded toward zero,
    # 0.99 does not (2269 floats of [1, 2) differ, measured in C)
    assert pair_is_exact(0.01) == 1 and pair_is_exact(11 / 48) == 1
    assert pair_is_exact(0.99) == 0


def test_a_slope_is_judged_after_2_to_the_23_elements_of_its_own():
    """Certifying costs ~2 ms, so a slope is judged only once the double
    product has handled 2^23 elements with it (counted per slope: other
    slopes' calls in between do not count)."""
    from fastact import _dispatch
    from fastact._dispatch import kernels
    if _dispatch.LEVEL == "baseline" or np.finfo(np.longdouble).nmant < 63:
        pytest.skip("no verdicts on the baseline build (no FMA)")
    x = np.linspace(-3, 3, 1 << 20, dtype=np.float32)
    slope, other = 0.0314, 0.0271
    for _ in range(7):                                  # 7 * 2^20 < 2^23
        fa.leaky_relu(x, slope)
        fa.leaky_relu(x, other)
    assert kernels.slope_verdict(slope) == -1
    fa.leaky_relu(x, slope)                             # the 2^23rd element
    assert kernels.slope_verdict(slope) == pair_is_exact(slope)
    assert kernels.slope_verdict(other) == -1

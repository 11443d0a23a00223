"""Gated units (API.md section 1): glu, swiglu, geglu, reglu and their
backward, against the formulas written with SciPy's special functions and
mpmath, finite differences, axes, dtypes, out=, errors."""

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.special import erfc, expit

import fastact as fa

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
K = math.sqrt(2 / math.pi)


def _gelu_tanh(a):
    return 0.5 * a * (1 + np.tanh(K * (a + 0.044715 * a ** 3)))


# name -> (kwargs, unit(a, b) in NumPy/SciPy)
FORMULAS = {
    "glu": ({}, lambda a, b: a * expit(b)),
    "swiglu": ({}, lambda a, b: a * expit(a) * b),
    "geglu": ({}, lambda a, b: 0.5 * a * erfc(-a / math.sqrt(2)) * b),
    "geglu_tanh": ({"approximate": "tanh"}, lambda a, b: _gelu_tanh(a) * b),
    "reglu": ({}, lambda a, b: np.maximum(a, 0) * b),
}

# the derivatives d/da, d/db, in mpmath
MP = {
    "glu": lambda a, b: (1 / (1 + mp.exp(-b)), a * mp.exp(-b) / (1 + mp.exp(-b)) ** 2),
    "swiglu": lambda a, b: (b * (1 / (1 + mp.exp(-a))) * (1 + a / (1 + mp.exp(a))),
                            a / (1 + mp.exp(-a))),
    "geglu": lambda a, b: (b * (mp.erfc(-a / mp.sqrt(2)) / 2 + a * mp.npdf(a)),
                           a * mp.erfc(-a / mp.sqrt(2)) / 2),
    "reglu": lambda a, b: (b if a > 0 else 0, max(a, 0)),
    "geglu_tanh": lambda a, b: _mp_gelu_tanh_and_d(a, b),
}


def _mp_gelu_tanh_and_d(a, b):
    """d/da and d/db of gelu_tanh(a) b: sigmoid(t) (1 + a t'(a) (1 -
    sigmoid(t))) b and a sigmoid(t), t = 2 sqrt(2/pi) (a + 0.044715 a^3)."""
    k, c = 2 * mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
    s = 1 / (1 + mp.exp(-k * (a + c * a ** 3)))
    return b * s * (1 + a * k * (1 + 3 * c * a ** 2) * (1 - s)), a * s


def public(case):
    return "geglu" if case == "geglu_tanh" else case


def call(case, x, **kw):
    return getattr(fa, public(case))(x, **FORMULAS[case][0], **kw)


def grad(case, g, x, **kw):
    return getattr(fa, public(case) + "_backward")(g, x, **FORMULAS[case][0], **kw)


def halves(x, axis):
    a, b = np.split(x, 2, axis=axis)
    return a, b


CASES = sorted(FORMULAS)


MP_FORWARD = {
    "glu": lambda a, b: a / (1 + mp.exp(-b)),
    "swiglu": lambda a, b: a * b / (1 + mp.exp(-a)),
    "geglu": lambda a, b: a * mp.erfc(-a / mp.sqrt(2)) / 2 * b,
    # (1 + tanh u)/2 = 1/(1 + e^-2u): no cancellation in the reference either
    "geglu_tanh": lambda a, b: a / (1 + mp.exp(-2 * mp.sqrt(2 / mp.pi)
                                               * (a + mp.mpf("0.044715") * a ** 3))) * b,
    "reglu": lambda a, b: max(a, 0) * b,
}


@pytest.mark.parametrize("case", CASES)
def test_forward_against_mpmath(case):
    """Within a few ulp of the exact product (the unit's error, ~2 ulp in
    float64, plus the rounding of the product)."""
    rng = np.random.default_rng(40)
    x = rng.standard_normal((6, 4, 10)) * 4
    for axis in (0, 1, 2, -1):
        a, b = halves(x, axis)
        want = np.empty(a.shape)
        with mp.workdps(50):
            for i in np.ndindex(a.shape):
                want[i] = float(MP_FORWARD[case](mp.mpf(a[i]), mp.mpf(b[i])))
        np.testing.assert_allclose(call(case, x, axis=axis), want, rtol=8 * EPS64, atol=1e-300)
        # float32: from the same float32 inputs, rounded once
        x32 = x.astype(np.float32)
        a32, b32 = halves(x32, axis)
        want32 = np.empty(a32.shape)
        with mp.workdps(30):
            for i in np.ndindex(a32.shape):
                want32[i] = float(MP_FORWARD[case](mp.mpf(float(a32[i])), mp.mpf(float(b32[i]))))
        y32 = call(case, x32, axis=axis)
        assert y32.dtype == np.float32
        np.testing.assert_allclose(y32, want32, rtol=EPS32, atol=1e-44)


def test_forward_matches_the_scipy_formulas():
    rng = np.random.default_rng(45)
    x = rng.standard_normal((50, 64)) * 2                # where the formulas are accurate
    for case, (kw, f) in FORMULAS.items():
        a, b = halves(x, -1)
        np.testing.assert_allclose(call(case, x), f(a, b), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", sorted(MP))
def test_backward_against_mpmath(case):
    rng = np.random.default_rng(41)
    x = rng.standard_normal((5, 8)) * 3
    g = rng.standard_normal((5, 4))
    gx = grad(case, g, x)
    a, b = halves(x, -1)
    want = np.empty_like(x)
    with mp.workdps(40):
        for i in np.ndindex(a.shape):
            da, db = MP[case](mp.mpf(a[i]), mp.mpf(b[i]))
            want[i[0], i[1]] = float(g[i] * da)
            want[i[0], i[1] + 4] = float(g[i] * db)
    np.testing.assert_allclose(gx, want, rtol=1e-13, atol=1e-300)


# seed 46 puts a = -0.74906 near the zero of gelu' (-0.7518): float32
# gelu' there was 2.5 ulp off before it took the Taylor series at the zero.
@pytest.mark.parametrize("case", sorted(MP))
def test_backward_float32_against_mpmath(case):
    """float32 x and grad_output of the result's shape (the common call):
    within 2 ulp of the exact gradient of the float32 inputs."""
    rng = np.random.default_rng(46)
    x = (rng.standard_normal((7, 10)) * 3).astype(np.float32)
    g = rng.standard_normal((7, 5)).astype(np.float32)
    gx = grad(case, g, x)
    assert gx.dtype == np.float32
    a, b = halves(x, -1)
    want = np.empty(x.shape)
    with mp.workdps(30):
        for i in np.ndindex(a.shape):
            da, db = MP[case](mp.mpf(float(a[i])), mp.mpf(float(b[i])))
            want[i[0], i[1]] = float(mp.mpf(float(g[i])) * da)
            want[i[0], i[1] + 5] = float(mp.mpf(float(g[i])) * db)
    np.testing.assert_allclose(gx, want, rtol=2 * EPS32, atol=1e-44)


@pytest.mark.parametrize("case", CASES)
def test_backward_against_finite_differences(case):
    rng = np.random.default_rng(42)
    x = rng.standard_normal((4, 3, 6)) * 2
    x[np.abs(x) < 1e-3] = 0.5                            # away from reglu's kink
    h = 1e-6
    for axis in (0, 2):
        g = rng.standard_normal(call(case, x, axis=axis).shape)
        fd = np.empty_like(x)
        for i in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[i] += h
            xm[i] -= h
            fd[i] = (np.sum(g * call(case, xp, axis=axis)) - np.sum(g * call(case, xm, axis=axis))) / (2 * h)
        np.testing.assert_allclose(grad(case, g, x, axis=axis), fd, rtol=1e-6, atol=1e-7)


def test_special_values():
    x = np.array([[1.0, np.nan, 2.0, 3.0], [np.inf, 1.0, 0.5, -np.inf]])
    for name in ("glu", "swiglu", "geglu", "reglu"):
        with np.errstate(all="raise"):
            y = getattr(fa, name)(x)
            getattr(fa, name + "_backward")(1.0, x)
        assert np.isnan(y[0, 1])                          # NaN in a: NaN out
    # limits: glu's gate sigmoid(-inf) = 0, sigmoid(+inf) = 1
    np.testing.assert_array_equal(fa.glu([[2.0, 3.0, np.inf, -np.inf]]), [[2.0, 0.0]])
    # swiglu: silu(-inf) = 0, silu(+inf) = inf
    assert fa.swiglu([-np.inf, 2.0])[0] == 0 and fa.swiglu([np.inf, 2.0])[0] == np.inf
    np.testing.assert_array_equal(fa.swiglu_backward(1.0, [-np.inf, 2.0]), [0.0, 0.0])


@pytest.mark.parametrize("name", ["glu", "swiglu", "geglu", "reglu"])
def test_float32_specials_match_float64(name):
    """Where the float64 unit gives NaN, +-inf or 0, so does the float32 one
    (forward and both gradients), on a grid of extreme a and b: the float32
    kernels compute in double with their own exponentials (clamped at
    e^-708 in places), and a gate that is tiny but not 0 times an infinite
    b would give inf where float64 gives inf * 0 = NaN."""
    v = np.array([0, -0.0, 1, -1, 30, -30, 100, -100, -200, -1000, 3e38, -3e38,
                  np.inf, -np.inf, np.nan], dtype=np.float32)
    a, b = np.meshgrid(v, v, indexing="ij")
    x = np.stack([a.ravel(), b.ravel()], axis=-1)
    gy = np.ones((x.shape[0], 1), np.float32)

    def kinds(r):
        r = np.asarray(r, dtype=np.float64)
        return np.where(np.isnan(r), 9.0, np.where(np.isinf(r) | (r == 0), r, 1.0))

    with np.errstate(all="ignore"):
        # float64 results rounded to float32 (a tiny one may become 0, a huge one inf)
        pairs = [(getattr(fa, name)(x), getattr(fa, name)(x.astype(np.float64)).astype(np.float32)),
                 (getattr(fa, name + "_backward")(gy, x),
                  getattr(fa, name + "_backward")(gy.astype(np.float64),
                                                  x.astype(np.float64)).astype(np.float32))]
    for r32, r64 in pairs:
        np.testing.assert_array_equal(kinds(r32), kinds(r64))


@pytest.mark.parametrize("case", CASES)
def test_dtypes_layouts_and_out(case):
    rng = np.random.default_rng(43)
    x = rng.standard_normal((40, 64)) * 3
    y = call(case, x)
    np.testing.assert_array_equal(call(case, np.asfortranarray(x)), y)
    np.testing.assert_array_equal(call(case, x[::-1])[::-1], y)
    out = np.empty((40, 32))
    assert call(case, x, out=out) is out
    np.testing.assert_array_equal(out, y)
    gout = np.empty_like(x)
    assert grad(case, 1.0, x, out=gout) is gout
    np.testing.assert_array_equal(gout, grad(case, 1.0, x))
    x2 = x.copy()
    grad(case, 1.0, x2, out=x2)                           # in place
    np.testing.assert_array_equal(x2, gout)
    h = x.astype(np.float16)
    assert call(case, h).dtype == np.float16 and grad(case, 1.0, h).dtype == np.float16
    np.testing.assert_array_equal(call(case, h), call(case, h.astype(np.float32)).astype(np.float16))
    assert call(case, np.arange(8).reshape(2, 4)).dtype == np.float64
    with pytest.raises(TypeError, match="unsupported dtype"):
        call(case, np.zeros(4, complex))


@pytest.mark.parametrize("name", ["glu", "swiglu", "geglu", "reglu"])
def test_float16_rounding_raises_no_flags(name):
    """Regression: float16 results are computed in float32 and rounded by
    NumPy on the way into the float16 array; results past 65504 or below
    float16's subnormals raised RuntimeWarning 'overflow encountered in
    cast' and, under np.errstate(all='raise'), FloatingPointError (API.md
    section 4: no warnings; the element-wise functions never did). The
    result is the float32 one rounded, with and without out=."""
    import warnings
    x = np.array([[300.0, 2e-7, 1e-4, 300.0, 2e-7, -20.0]], np.float16)
    fn, bwd = getattr(fa, name), getattr(fa, name + "_backward")
    g = np.array([[300.0, 1e-4, 2e-7]], np.float16)
    with np.errstate(over="ignore", under="ignore"):
        want = fn(x.astype(np.float32)).astype(np.float16)
        want_b = bwd(g.astype(np.float32), x.astype(np.float32)).astype(np.float16)
    # the float16 rounding does underflow or overflow in forward and backward
    for y32, y16 in ((fn(x.astype(np.float32)), want),
                     (bwd(g.astype(np.float32), x.astype(np.float32)), want_b)):
        assert ((y32 != 0) & np.isfinite(y32) & ((abs(y16) < np.finfo(np.float16).tiny) | np.isinf(y16))).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            y, gx = fn(x), bwd(g, x)
            out, gout = np.full(want.shape, 7, np.float16), np.full(x.shape, 7, np.float16)
            assert fn(x, out=out) is out and bwd(g, x, out=gout) is gout
    assert y.dtype == gx.dtype == np.float16
    for got, expected in ((y, want), (out, want), (gx, want_b), (gout, want_b)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", ["glu", "swiglu", "geglu", "reglu"])
def test_errors(name):
    fn, bwd = getattr(fa, name), getattr(fa, name + "_backward")
    with pytest.raises(ValueError, match="must be even"):
        fn(np.ones((2, 3)))
    with pytest.raises(ValueError, match="0-d"):
        fn(1.0)
    with pytest.raises(np.exceptions.AxisError):
        fn(np.ones((2, 4)), axis=2)
    with pytest.raises(TypeError, match=f"fastact.{name}_backward needs x"):
        bwd(1.0, y=np.ones(2))
    with pytest.raises(ValueError, match="does not broadcast"):
        bwd(np.ones(3), np.ones((2, 4)))
    out = np.full((2, 3), 7.0)
    with pytest.raises(ValueError, match="out has shape"):
        fn(np.ones((2, 4)), out=out)
    assert np.all(out == 7)
    with pytest.raises(ValueError, match="approximate"):
        fa.geglu(np.ones(4), approximate="fast")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_any_axis_and_layout_gives_the_bits_of_one_flat_row(case, dtype):
    """The units are element-wise in (a, b): split along any axis, of any
    length and layout, the result is that of the flattened halves as one
    row, and the result is C-ordered. (The kernels loop along the axis of
    smallest stride, not necessarily the split one: _gated._core_axis.)"""
    rng = np.random.default_rng(45)
    for shape, axis in [((500, 2), -1), ((2, 500), 0), ((4, 6, 5, 3), 1), ((30, 8), -1),
                        ((3, 4, 10), -1), ((1, 2), -1), ((700, 6), -1)]:
        base = (rng.standard_normal(shape) * 3).astype(dtype)
        for x in (base, np.asfortranarray(base), base[::-1],
                  np.moveaxis(np.ascontiguousarray(np.moveaxis(base, 0, -1)), -1, 0)):
            a, b = halves(x, axis)
            flat = np.concatenate([a.ravel(), b.ravel()])
            g = rng.standard_normal(a.shape).astype(dtype)
            y = call(case, x, axis=axis)
            assert y.flags.c_contiguous and y.dtype == dtype
            np.testing.assert_array_equal(y, call(case, flat).reshape(a.shape))
            gx = grad(case, g, x, axis=axis)
            gflat = grad(case, g.ravel(), flat)
            want = np.concatenate([gflat[:a.size].reshape(a.shape), gflat[a.size:].reshape(a.shape)],
                                  axis=axis)
            assert gx.flags.c_contiguous
            np.testing.assert_array_equal(gx, want)


def test_threads_do_not_change_a_bit():
    rng = np.random.default_rng(44)
    for shape, axis in [((2000, 256), -1), ((1, 2_000_002), -1), ((300, 40), 0),
                        ((30000, 6), -1), ((2, 30000, 3), 0)]:
        x = rng.standard_normal(shape) * 3
        with fa.num_threads(1):
            want = [fa.swiglu(x, axis=axis), fa.geglu_backward(1.0, x, axis=axis)]
        for n in (2, 3, 8):
            with fa.num_threads(n):
                np.testing.assert_array_equal(fa.swiglu(x, axis=axis), want[0])
                np.testing.assert_array_equal(fa.geglu_backward(1.0, x, axis=axis), want[1])


def test_float64_gates_far_tails_against_mpmath():
    """glu, swiglu and geglu in float64 where the gate underflows (sigmoid(b)
    or silu(a) below e^-700, gelu(a) below a = -37.5 and -21.8 for the tanh
    form) but the product with
    the other half is still a normal number: within 4 ULP (API.md section 7),
    forward and backward. glu(10, -709.9) = 4.9e-308 once came out 0."""
    rng = np.random.default_rng(47)
    n = 400
    t = -rng.uniform(700, 1400, n)                      # the gate's argument
    big = 10.0 ** rng.uniform(0, 300, n) * rng.choice([-1, 1], n)
    gy = 10.0 ** rng.uniform(-5, 5, n)
    t_gelu = -rng.uniform(36, 53, n)                     # gelu(a) subnormal or 0 from -37.5
    t_tanh = -rng.uniform(21, 25, n)                     # gelu_tanh(a) subnormal from -21.8
    cases = {"glu": (big, t), "swiglu": (t, big), "geglu": (t_gelu, big),
             "geglu_tanh": (t_tanh, big)}                # (a, b)
    tiny = np.finfo(np.float64).tiny
    for case, (a, b) in cases.items():
        x = np.stack([a, b], axis=-1)                    # rows of [a, b]
        y = call(case, x)[:, 0]
        gx = grad(case, gy[:, None], x)
        # the same numbers from one long row (the vectorised loop, which
        # redoes its far elements in a second pass) and from strided halves
        row = np.concatenate([a, b])[None, :]
        strided = np.zeros((1, 4 * n))
        strided[:, ::2] = row
        for xr in (row, strided[:, ::2]):
            np.testing.assert_array_equal(call(case, xr)[0], y)
            g2 = grad(case, gy[None, :], xr)[0]
            np.testing.assert_array_equal(g2, np.concatenate([gx[:, 0], gx[:, 1]]))
        # in place (out= over x: the loops must not read overwritten inputs)
        xr = row.copy()
        call(case, xr, out=xr[:, :n])
        np.testing.assert_array_equal(xr[0, :n], y)
        xr = row.copy()
        grad(case, gy[None, :], xr, out=xr)
        np.testing.assert_array_equal(xr[0], np.concatenate([gx[:, 0], gx[:, 1]]))
        checked, worst = 0, 0
        with mp.workdps(40):
            for i in range(n):
                ai, bi = mp.mpf(a[i]), mp.mpf(b[i])
                exact = [MP_FORWARD[case](ai, bi)]
                exact += [mp.mpf(gy[i]) * d for d in MP[case](ai, bi)]
                for got, want in zip((y[i], gx[i, 0], gx[i, 1]), exact):
                    if not tiny <= abs(want) <= np.finfo(np.float64).max:
                        continue
                    checked += 1
                    ulps = abs(mp.mpf(float(got)) - want) / np.spacing(abs(float(want)))
                    worst = max(worst, ulps)
                    assert ulps <= 4, (case, a[i], b[i], gy[i], float(got), float(want))
        print(case, "far tail: worst", float(worst), "ULP over", checked, "results")
        assert checked > n


def test_float32_gates_far_tails_with_large_factors():
    """float32 gates where the other factors are huge: geglu's ga = gy b
    gelu'(a) with gy b up to 1.2e77 is a normal float32 down to a = -23.8
    (gy = b = 3e38 at a = -21.5 once came out 1.6e-4 off: the float32
    kernels clamped R's argument at 20); glu's gb = gy a sigmoid'(b) and
    swiglu's ga likewise with gy times a half up to 1.2e77. Within 2 float32
    ULP (API.md section 7) of mpmath, forward and backward."""
    rng = np.random.default_rng(32)
    n = 300
    big = lambda: (10.0 ** rng.uniform(25, 38.5, n) * rng.choice([-1, 1], n)).astype(np.float32)
    gy = big()
    cases = {"geglu": (-rng.uniform(14, 24.5, n).astype(np.float32), big()),
             "glu": (big(), -rng.uniform(80, 190, n).astype(np.float32)),
             "swiglu": (-rng.uniform(80, 190, n).astype(np.float32), big())}
    tiny = np.finfo(np.float32).tiny
    for case, (a, b) in cases.items():
        x = np.stack([a, b], axis=-1)
        y = call(case, x)[:, 0]
        gx = grad(case, gy[:, None], x)
        checked, worst = 0, 0
        with mp.workdps(40):
            for i in range(n):
                ai, bi = mp.mpf(float(a[i])), mp.mpf(float(b[i]))
                exact = [MP_FORWARD[case](ai, bi)]
                exact += [mp.mpf(float(gy[i])) * d for d in MP[case](ai, bi)]
                for got, want in zip((y[i], gx[i, 0], gx[i, 1]), exact):
                    if not tiny <= abs(want) <= np.finfo(np.float32).max:
                        continue
                    checked += 1
                    ulps = abs(mp.mpf(float(got)) - want) / float(np.spacing(np.float32(abs(want))))
                    worst = max(worst, ulps)
                    assert ulps <= 2, (case, a[i], b[i], gy[i], float(got), float(want))
        print(case, "float32 far tail: worst", float(worst), "ULP over", checked, "results")
        assert checked > n


def test_float64_gates_far_tails_with_the_largest_factors():
    """The far tails at their very edge, where only an other factor near
    1.8e308 keeps the product normal (glu(1.7e308, -1417), swiglu's
    gradient at -1415 with grad_output 1.7e308, geglu at -53): within 4 ULP.
    A shift of the exponent by 1000 LN2_HI in double left e^(t + 693)
    subnormal there (22 ULP for swiglu' at -1405 with 1e300, 6e6 ULP for
    glu' at -1417, 4e7 ULP for geglu' at -53.3)."""
    edges = {"glu": np.linspace(-1420, -1380, 81), "swiglu": np.linspace(-1420, -1380, 81),
             "geglu": np.linspace(-54, -50, 81), "geglu_tanh": np.linspace(-27.5, -26.5, 81)}
    tiny, huge = np.finfo(np.float64).tiny, np.finfo(np.float64).max
    worst = {}
    for case, t in edges.items():
        for big in (1.7e308, -1e300):
            one = np.ones_like(t)
            # forward: the other half is big; backward: grad_output is big
            a, b = (one * big, t) if case == "glu" else (t, one * big)
            da, db = (one, t) if case == "glu" else (t, one)
            y = call(case, np.concatenate([a, b]))
            gx = grad(case, np.full_like(t, big), np.concatenate([da, db]))
            ga, gb = gx[:len(t)], gx[len(t):]
            with mp.workdps(40):
                for i in range(len(t)):
                    exact = [MP_FORWARD[case](mp.mpf(float(a[i])), mp.mpf(float(b[i])))]
                    exact += [mp.mpf(big) * d for d in MP[case](mp.mpf(float(da[i])), mp.mpf(float(db[i])))]
                    for got, want in zip((y[i], ga[i], gb[i]), exact):
                        if not tiny <= abs(want) <= huge:
                            continue
                        ulps = float(abs(mp.mpf(float(got)) - want) / np.spacing(abs(float(want))))
                        worst[case] = max(worst.get(case, 0.0), ulps)
                        assert ulps <= 4, (case, float(t[i]), big, float(got), float(want))
    print("far tails at the edge, worst ULP:", worst)
    assert set(worst) == set(edges)


def test_float64_gates_far_beyond_any_normal_result():
    """Gate arguments so negative that every product is 0 (huge other half
    included): 0 with the vectorised kernel's sign, not NaN from an
    intermediate overflow, forward and backward; an infinite other half
    gives NaN (inf * 0), as in float32."""
    far = {"glu": [(1e300, -1e6), (-1e300, -1e300)],
           "swiglu": [(-1e300, 1e10), (-1e6, -1e306)],
           "geglu": [(-1e300, 1e300), (-1e6, -1e306)],
           "geglu_tanh": [(-1e300, 1e300), (-1e6, -1e306)]}
    for case, pairs in far.items():
        gate_first = case != "glu"
        for a, b in pairs:
            x = np.array([[a, b]])
            y = call(case, x)
            assert y[0, 0] == 0, (case, a, b, y)
            g = grad(case, np.array([[3.0]]), x)
            assert np.all(g == 0), (case, a, b, g)
            inf = np.array([[a, np.inf]]) if gate_first else np.array([[np.inf, b]])
            with np.errstate(invalid="ignore"):
                assert np.isnan(call(case, inf)[0, 0]), (case, a, b)

"""Accuracy against mpmath (API.md section 7): float32 <= 2 ULP, float64
<= 4 ULP wherever the exact result is a normal number, forward and backward;
piecewise-linear functions exact. Each test prints its worst case."""

import functools

import mpmath as mp

import numpy as np
import pytest

import fastact as fa
from conftest import backward, forward, sample_points
from references import REFERENCES, VARIANTS, entry
from ulp import reference, ulp_errors, worst

CASES = sorted(REFERENCES) + sorted(VARIANTS)
BOUND = {np.float32: 2.0, np.float64: 4.0}
# Piecewise linear: exact up to one rounding (0.5 ULP; in float32 the double
# result is rounded again, which may add 2^-29 ULP).
PIECEWISE_LINEAR = {"relu", "relu6", "leaky_relu", "leaky_relu_neg", "prelu", "rrelu",
                    "hard_sigmoid", "hard_tanh", "hard_tanh_wide", "hard_shrink",
                    "hard_shrink_wide", "soft_shrink", "soft_shrink_wide", "threshold"}
EXACT_BOUND = 0.5 + 2.0 ** -28
# float32 hard_sigmoid = (x + 3)/6 with 1/6 in two floats (fa_div6_f32):
# correctly rounded except within 2^-23 ULP of a tie; hard_swish' = gy (2x +
# 3)/6 through double (fa_hard_swish_vjp_f32): except within 2^-27 ULP of
# one, and only for |x| < 1/32; in float on x86-64-v4
# (fa16_hard_swish_vjp): except within about 2^-22 ULP of one.
EXACT_BOUND_F32 = {("hard_sigmoid", "forward"): 0.5 + 2.0 ** -23,
                   ("hard_swish", "backward"): 0.5 + 2.0 ** -22}
# points where the function or its derivative jumps, kept away from by the
# finite-difference check
KINKS = {"relu6": (0, 6), "hard_sigmoid": (-3, 3), "hard_swish": (-3, 3),
         "hard_tanh": (-1, 1), "hard_tanh_wide": (-0.3, 2.7), "hard_shrink": (-0.5, 0.5),
         "soft_shrink": (-0.5, 0.5), "hard_shrink_wide": (-2.3, 2.3),
         "soft_shrink_wide": (-2.3, 2.3), "threshold": (0.5,)}


def exact_bound(case, which):
    # hard_swish' = (2x + 3)/6 is piecewise linear too
    return case in PIECEWISE_LINEAR or (case, which) == ("hard_swish", "backward")


@functools.lru_cache(maxsize=None)
def _points_and_refs(case, dtype, which):
    xs = sample_points(dtype)
    _, f, df, _ = entry(case)
    hi, lo = reference(f if which == "forward" else df, xs)
    return xs, hi, lo


def measure(case, which, dtype):
    """(errors in ULP, sample, result, exact hi) of one case on the sample."""
    kwargs, _, _, zeros = entry(case)
    xs, hi, lo = _points_and_refs(case, dtype, which)
    if which == "forward":
        got = forward(case)(xs, **kwargs)
    else:
        got = backward(case)(1.0, xs, **kwargs)
    return ulp_errors(got, hi, lo, dtype, xs, zeros), xs, got, hi


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("which", ["forward", "backward"])
@pytest.mark.parametrize("case", CASES)
def test_max_ulp(case, which, dtype):
    err, xs, got, hi = measure(case, which, dtype)
    assert got.dtype == dtype
    bound = EXACT_BOUND if exact_bound(case, which) else BOUND[dtype]
    if dtype == np.float32:
        bound = EXACT_BOUND_F32.get((case, which), bound)
    e, at = worst(err, xs)
    print(f"{case} {which} {np.dtype(dtype).name}: max {e:.3f} ULP at x = {at!r}")
    assert np.count_nonzero(~np.isnan(err)) > 1000      # the sample was measured
    assert e <= bound, f"{case} {which}: {e:.2f} ULP at x = {at!r} (bound {bound})"
    if exact_bound(case, which):
        # where the exact value is 0 (not measured in ULP), the result is 0
        assert np.all(got[hi == 0] == 0)


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_finite_differences(case):
    """The backward against a central difference of the forward in float64,
    independent of the analytic derivative."""
    kwargs = entry(case)[0]
    fwd, bwd = forward(case), backward(case)
    x = np.linspace(-8, 8, 1601)
    for kink in (0,) + KINKS.get(case, ()):    # away from the kinks
        x = x[np.abs(x - kink) > 1e-3]
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


def test_tanh_backward_with_a_large_grad_output_where_sech2_is_subnormal():
    """gy sech^2(x) is normal for gy = 1e300 down to |x| ~ 699 while sech^2
    alone is subnormal from |x| = 354 and 0 past 373: the product must not
    go through the rounded sech^2 (it gave 0 at 373.3, 1e4 ULP at 360)."""
    x = np.array([355.0, 360.0, 373.3, -373.3, 380.0, 500.0, 690.0])
    gy = np.full_like(x, 1e300)
    hi, lo = reference(lambda v: mp.mpf(10) ** 300 * mp.sech(v) ** 2, x)
    err = ulp_errors(fa.tanh_backward(gy, x), hi, lo, np.float64)
    assert np.all(err <= 4.0), err


# ---- issue 3: the traps PyTorch falls into (API.md section 7) --------------

def _exact(f, x):
    """f(x) in mpmath, rounded to float64."""
    hi, lo = reference(f, np.array([x]))
    return hi[0] + lo[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case,x", [
    ("silu", -80.0), ("mish", -80.0), ("softplus", -80.0), ("log_sigmoid", 80.0),
    ("elu", -80.0), ("selu", -80.0), ("celu", -80.0), ("tanh_shrink", 1e-3),
    ("softsign", 1e-3), ("hard_swish", -2.9999)])
def test_derivative_tails_and_small_x_keep_precision(case, x, dtype):
    """sigma(1 - sigma)-style derivatives give 0 far out where the true value
    (silu'(-80) = -1.4e-33, ...) is a normal number; x - tanh x cancels for
    small x. Checked against mpmath to the dtype's bound."""
    kwargs, f, df, _ = entry(case)
    xs = np.array([x], dtype)
    for fn, ref in ((forward(case), f), (lambda v, **k: backward(case)(1.0, v, **k), df)):
        got = fn(xs, **kwargs)[0]
        exact = _exact(ref, float(xs[0]))
        assert got != 0 and abs(exact) > np.finfo(dtype).tiny
        assert abs(float(got) - exact) <= BOUND[dtype] * float(np.spacing(dtype(abs(exact))))


def test_tanh_shrink_small_x_where_the_formula_cancels():
    """x - tanh(x) in float32 keeps no correct digit at x = 1e-4."""
    x = np.float32(1e-4)
    exact = _exact(lambda v: v - mp_tanh(v), float(x))
    naive = x - np.tanh(x)
    assert abs(float(naive) - exact) > 0.5 * abs(exact)
    assert abs(float(fa.tanh_shrink(x)) - exact) <= 0.5 * float(np.spacing(np.float32(exact)))


def mp_tanh(v):
    import mpmath
    return mpmath.tanh(v)


def test_softplus_is_exact_by_default_and_linear_with_a_threshold():
    """PyTorch's threshold=20 returns x for x > 20, off by up to 2.6e5 ULP in
    float64; fastact's default is exact, threshold=20 reproduces PyTorch."""
    x = np.array([20.5, 25.0, 30.0, 33.0])      # softplus(x) - x > ulp(x)/2
    exact = np.array([_exact(entry("softplus")[1], v) for v in x])
    np.testing.assert_array_equal(fa.softplus(x), exact)
    assert np.all(fa.softplus(x) > x)
    np.testing.assert_array_equal(fa.softplus(x, threshold=20), x)
    assert fa.softplus(np.array([19.5]), threshold=20)[0] > 19.5
    np.testing.assert_array_equal(fa.softplus_backward(1.0, x, threshold=20), 1.0)
    assert np.all(fa.softplus_backward(1.0, x) < 1.0)


def test_far_negative_tail_of_x_exp_x():
    """silu, mish and their derivatives near x = -710, where e^x is subnormal
    in float64 but x e^x is still normal: not flushed, not 30% off."""
    x = np.array([-705.0, -710.0, -714.0])
    for case in ("silu", "mish"):
        kwargs, f, df, _ = entry(case)
        for fn, ref in ((forward(case), f), (lambda v: backward(case)(1.0, v), df)):
            got = fn(x)
            exact = np.array([_exact(ref, v) for v in x])
            assert np.all(np.abs(exact) > np.finfo(np.float64).tiny)
            np.testing.assert_allclose(got, exact, rtol=4 * 2.0 ** -52)


def test_piecewise_linear_quotients_are_correctly_rounded():
    """hard_sigmoid = (x + 3)/6 and hard_swish' = (2x + 3)/6 in float64 are
    the correctly rounded quotients (Python's exact fractions as reference),
    also right next to the kink at -3, for tiny x, and where the quotient is
    exactly halfway between two doubles (ties to even, as a division)."""
    from fractions import Fraction
    rng = np.random.default_rng(5)
    ties = []                             # x with (x + 3)/6 or (2x + 3)/6 a midpoint m
    for q in rng.uniform(0.01, 0.99, 4000).tolist():
        m = Fraction(q) + Fraction(float(np.spacing(q))) / 2
        ties += [x for x in (6 * m - 3, (6 * m - 3) / 2) if float(x) == x and -3 < x < 3]
    assert len(ties) > 1000
    x = np.concatenate([rng.uniform(-3, 3, 10000), rng.uniform(-3, -2.999999, 2000),
                        rng.uniform(-1e-300, 1e-300, 200), np.array(ties, dtype=np.float64)])
    y, g = fa.hard_sigmoid(x), fa.hard_swish_backward(1.0, x)
    for xi, yi, gi in zip(x.tolist(), y.tolist(), g.tolist()):
        assert yi == float((Fraction(xi) + 3) / 6), xi
        assert gi == float((2 * Fraction(xi) + 3) / 6), xi


def _round_to_float32(q):
    """The float32 nearest the fraction q, ties to even (exact comparisons:
    float32(float(q)) could round twice)."""
    from fractions import Fraction
    f = np.float32(float(q))
    best = None
    for c in (np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))):
        d = abs(Fraction(float(c)) - q)
        even = (int(c.view(np.uint32)) & 1) == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, c)
    return best[1]


def test_float32_hard_swish_backward_is_correctly_rounded():
    """float32 hard_swish' = gy (2x + 3)/6 rounded once, for any gy: also
    where the result is subnormal (the float pair kernel before lost bits
    there: 0.75 ULP) or exactly halfway between two floats (x = 0 and an odd
    multiple of 2^-149 as gy, or normal gy with short products: ties to
    even), checked against exact fractions. |x| >= 1/32 here, where the kernel is exact; below, it may
    miss a tie by 2^-27 ULP (test_accuracy's bound)."""
    from fractions import Fraction
    rng = np.random.default_rng(11)
    n = 6000
    x = rng.uniform(-3, 3, n)
    x = np.where(np.abs(x) < 1 / 32, 0.5, x).astype(np.float32)
    gy = (rng.standard_normal(n) * 2.0 ** rng.uniform(-149, 120, n)).astype(np.float32)
    gy[gy == 0] = 1.0           # the fractions carry no sign of zero
    odd = (2 * rng.integers(0, 2 ** 20, 500) + 1) * 2.0 ** -149 * rng.choice([-1, 1], 500)
    # and ties with normal results: x = 0.75 (t = 4.5) or -0.375 (t = 2.25)
    # makes gy t / 6 = 3 gy / 4 or 3 gy / 8, halfway for an odd mantissa M
    # in [2^23, 2^25 / 3) (3M has 25 bits, the last one set)
    m = 2 * rng.integers(2 ** 22, 2 ** 25 // 6, 500) + 1
    normal_ties = m * 2.0 ** rng.integers(-100, 80, 500) * rng.choice([-1, 1], 500)
    x = np.concatenate([x, np.zeros(500, np.float32),
                        rng.choice(np.float32([0.75, -0.375]), 500)])
    gy = np.concatenate([gy, odd.astype(np.float32), normal_ties.astype(np.float32)])
    g = fa.hard_swish_backward(gy, x)
    assert g.dtype == np.float32
    assert np.count_nonzero((g != 0) & (np.abs(g) < np.finfo(np.float32).tiny)) > 500
    for gi, xi, got in zip(gy.tolist(), x.tolist(), g):
        want = _round_to_float32(Fraction(gi) * (2 * Fraction(xi) + 3) / 6)
        assert got.view(np.uint32) == want.view(np.uint32), (gi, xi, got, want)

"""The float32 kernels that the v4 build computes by AVX-512 code of its own
(fastact/_simd16.h; kernels.SIMD16_UFUNCS and SIMD16_GATED): the same bits
for every layout, length (the masked tail), thread count and overlap, and
within 1 ULP of the float64 kernels rounded, for operands over the whole
float32 range. On other levels the same tests check the _math.pxd kernels.
Accuracy against mpmath: test_accuracy.py; special values:
test_float32_specials.py, test_gated.py."""

import numpy as np
import pytest

import fastact as fa
from fastact import _dispatch
from references import GELU_ZERO, SILU_ZERO

rng = np.random.default_rng(16)

UNARY = {
    "silu": lambda x: fa.silu(x),
    "swish": lambda x: fa.swish(x, beta=1.0),
    "gelu": lambda x: fa.gelu(x),
}
BINARY = {     # (gy, x) -> result
    "silu_backward": lambda g, x: fa.silu_backward(g, x),
    "swish_backward": lambda g, x: fa.swish_backward(g, x, beta=1.0),
    "softplus_backward": lambda g, x: fa.softplus_backward(g, x),
    "softplus_backward_threshold": lambda g, x: fa.softplus_backward(g, x, threshold=1.5),
    "log_sigmoid_backward": lambda g, x: fa.log_sigmoid_backward(g, x),
    "glu": lambda a, b: fa.glu(np.stack([a, b], axis=-1)).reshape(a.shape),
    "swiglu": lambda a, b: fa.swiglu(np.stack([a, b], axis=-1)).reshape(a.shape),
    "gelu_backward": lambda g, x: fa.gelu_backward(g, x),
    # (v, t) -> gelu(t) v: t is the kernel's argument, as for the others
    "geglu": lambda v, t: fa.geglu(np.stack([t, v], axis=-1)).reshape(v.shape),
    "hard_swish_backward": lambda g, x: fa.hard_swish_backward(g, x),
}


# the derivatives' interior zeros, where the bound is absolute
ZEROS = {"silu": SILU_ZERO, "swish": SILU_ZERO, "gelu": GELU_ZERO}


def random_floats(n):
    """Every kind of float32: random bit patterns (all exponents, NaN and
    inf included) and normal values of moderate size."""
    bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    moderate = (rng.standard_normal(n) * 8).astype(np.float32)
    return np.where(rng.random(n) < 0.5, bits, moderate)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    nan = np.isnan(a) & np.isnan(b)
    return a.shape == b.shape and bool(np.all(nan | (a.view(np.uint32) == b.view(np.uint32))))


def test_the_v4_build_has_the_kernels():
    k = _dispatch.kernels
    assert set(k.SIMD16_UFUNCS) == {"silu", "swish", "silu_vjp", "swish_vjp",
                                    "softplus_vjp", "log_sigmoid_vjp", "gelu", "gelu_vjp",
                                    "hard_swish_vjp"}
    assert set(k.SIMD16_GATED) == {"glu", "swiglu", "geglu"}
    assert set(k.SIMD16_GATED_VJP) == {"glu", "swiglu"}
    assert k.HAS_SIMD16 == (_dispatch.LEVEL == "v4")


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_layouts_lengths_and_overlap_give_the_same_bits(name, threads):
    f = UNARY[name]
    x = random_floats(70007)
    want = f(x)
    assert same_bits(f(x[::-1]), want[::-1])
    assert same_bits(f(x[::3]), want[::3])
    assert same_bits(f(x.reshape(7, 10001).T), want.reshape(7, 10001).T)
    for n in range(1, 40):                                 # every tail length
        assert same_bits(f(x[5:5 + n]), want[5:5 + n])
    inplace = x.copy()
    getattr(fa, name)(inplace, out=inplace)
    assert same_bits(inplace, want)
    behind = x.copy()                                      # out one element behind
    getattr(fa, name)(behind[1:], out=behind[:-1])
    assert same_bits(behind[:-1], want[1:])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_layouts_lengths_and_overlap_give_the_same_bits(name, threads):
    f = BINARY[name]
    g, x = random_floats(40001), random_floats(40001)
    want = f(g, x)
    assert same_bits(f(g[::-1], x[::-1]), want[::-1])
    assert same_bits(f(g[::2], x[::2]), want[::2])
    for n in range(1, 40):
        assert same_bits(f(g[3:3 + n], x[3:3 + n]), want[3:3 + n])
    if name not in ("glu", "swiglu", "geglu"):
        inplace = x.copy()                   # into x itself
        ufunc_name = name.replace("_threshold", "")
        kwargs = {"threshold": 1.5} if name.endswith("_threshold") else {}
        getattr(fa, ufunc_name)(g, inplace, out=inplace, **kwargs)
        assert same_bits(inplace, want)


def ulps_from_float64(got, want64, near_zero=None):
    """|got - want64| in float32 ULPs where the float64 result is a normal
    float32 (as tests/ulp.py: subnormal results are not measured). Where
    near_zero is set (x within 0.05 of a derivative's zero, scale |gy|), the ULP is
    that of scale/64 at least: the promise is absolute there."""
    mag = np.abs(want64)
    if near_zero is not None:
        mag = np.where(near_zero[0], np.maximum(mag, np.abs(near_zero[1]) / 64), mag)
    ok = np.isfinite(want64) & (mag >= np.finfo(np.float32).tiny) \
        & (mag <= np.finfo(np.float32).max)
    spacing = np.spacing(mag[ok].astype(np.float32)).astype(np.float64)
    return np.abs(got[ok].astype(np.float64) - want64[ok]) / spacing


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_within_one_ulp_of_float64_over_the_whole_range(name):
    """v sigmoid(t) with v anywhere in float32 (subnormal to 3.4e38: the
    kernel splits v into mantissa and exponent) and t where the sigmoid
    matters (swiglu: silu(t) v; silu', gelu': gy f'(t), also near its
    zero x0, where the bound is absolute); the float64 kernels are themselves
    within 4 float64 ULP of mpmath."""
    f = BINARY[name]
    n = 200000
    v = random_floats(n)
    v = np.where(np.isfinite(v), v, 1.0).astype(np.float32)
    # gelu' is below float32's range past |t| = 20 even for |gy| = 3.4e38;
    # hard_swish' is linear between -3 and 3
    span = {"gelu": 22, "geglu": 22, "hard": 4}.get(name.split("_")[0], 110)
    t = (rng.uniform(-span, span, n)).astype(np.float32)
    zero = ZEROS.get(name.split("_")[0])
    if zero is not None:
        t[: n // 4] = zero + rng.uniform(-0.06, 0.06, n // 4).astype(np.float32)
    got = f(v, t)
    want = f(v.astype(np.float64), t.astype(np.float64))
    near = (np.abs(t - zero) < 0.05, v) if zero is not None else None
    err = ulps_from_float64(got, want, near)
    assert err.size > n // 3
    assert err.max() <= 1.0, err.max()
    # the same kinds (0, inf, NaN) as float64 rounded
    w32 = want.astype(np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(w32))
    assert np.array_equal(got[w32 == 0] == 0, np.ones(int((w32 == 0).sum()), bool))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_within_one_ulp_of_float64(name):
    x = random_floats(300000)
    err = ulps_from_float64(UNARY[name](x), UNARY[name](x.astype(np.float64)))
    assert err.max() <= 1.0, err.max()


def gated_backward(name, gy, a, b):
    """(ga, gb) of glu or swiglu for halves a, b and grad_output gy."""
    f = getattr(fa, name + "_backward")
    ga, gb = np.moveaxis(f(gy[..., None], np.stack([a, b], axis=-1)), -1, 0)
    return ga, gb


@pytest.mark.parametrize("name", ["glu", "swiglu"])
def test_gated_backward_layouts_and_lengths_give_the_same_bits(name, threads):
    gy, a, b = random_floats(30001), random_floats(30001), random_floats(30001)
    want = gated_backward(name, gy, a, b)
    for sl in (slice(None, None, -1), slice(None, None, 3), slice(7, 8), slice(5, 38)):
        got = gated_backward(name, gy[sl], a[sl], b[sl])
        assert all(same_bits(g, w[sl]) for g, w in zip(got, want))
    x = np.stack([a, b], axis=-1)
    direct = getattr(fa, name + "_backward")(gy[:, None], x)   # halves of a contiguous x
    assert same_bits(direct[:, 0], want[0]) and same_bits(direct[:, 1], want[1])


@pytest.mark.parametrize("name", ["glu", "swiglu"])
def test_gated_backward_within_one_ulp_of_float64(name):
    """gy and the factor half anywhere in float32 (subnormal to 3.4e38), the
    gate's argument where it matters (swiglu: a, also near silu''s zero x0,
    where ga's bound is absolute: scale |gy b|)."""
    n = 200000
    gy = np.where(rng.random(n) < 0.5, random_floats(n), 1.0).astype(np.float32)
    v = random_floats(n)
    gy, v = (np.where(np.isfinite(u), u, 1.0).astype(np.float32) for u in (gy, v))
    t = rng.uniform(-110, 110, n).astype(np.float32)
    if name == "glu":
        a, b, near = v, t, (None, None)
    else:
        t[: n // 4] = SILU_ZERO + rng.uniform(-0.06, 0.06, n // 4).astype(np.float32)
        a, b = t, v
        near = ((np.abs(t - SILU_ZERO) < 0.05, gy.astype(np.float64) * v), None)
    got = gated_backward(name, gy, a, b)
    want = gated_backward(name, gy.astype(np.float64), a.astype(np.float64), b.astype(np.float64))
    for g, w, z in zip(got, want, near):
        err = ulps_from_float64(g, w, z)
        assert err.size > n // 4 and err.max() <= 1.0, err.max()
        assert np.array_equal(np.isnan(g), np.isnan(w.astype(np.float32)))


def test_next_to_silus_zero_an_infinite_factor_keeps_the_sign():
    """Regression: next to x0 the v4 silu' carries its value in the low part
    of the quotient (d + x rounds to 0), and the kind of an infinite gy's
    product was taken from the high part alone: NaN, not -inf."""
    x = np.array([-1.2784646, -1.2784645, -1.2784644, -1.25], np.float32)
    inf = np.full(4, np.inf, np.float32)
    want = fa.silu_backward(inf.astype(np.float64), x.astype(np.float64)).astype(np.float32)
    assert np.array_equal(want, [-np.inf, -np.inf, np.inf, np.inf])
    assert np.array_equal(fa.silu_backward(inf, x), want)
    ga, _ = gated_backward("swiglu", inf, x, np.ones(4, np.float32))
    assert np.array_equal(ga, want)

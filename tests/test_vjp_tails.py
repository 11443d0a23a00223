"""float64 backward with a huge grad_output where f'(x) is below the normal
doubles but grad_output * f'(x) is not (fastact/_vjp_tails.pxd): the
product must keep the accuracy promise (4 ULP) there too. Before the
redo, sigmoid' times 1e300 was 0 from x = -745 on although the exact
product is normal down to x = -1381."""

import mpmath as mp
import numpy as np
import pytest

import fastact as fa
from references import REFERENCES, VARIANTS, entry, public_name
from ulp import reference, ulp_errors, worst

TINY = np.finfo(np.float64).tiny
GRAD_OUTPUTS = (1e300, -1e250, 1.7e308, 3.0)

# the tails of every case: exp-like derivatives underflow past |x| ~ 708
# (|beta x| for softplus and swish, |x / alpha| for celu), gelu's below
# -38.6 and gelu-tanh's below -21.8 (tanh' = 4e^-2|x| times gy = 1.7e308
# reaches 4.0 ULP at x = -709.7, where 2e^-|x| is subnormal)
X_TAILS = np.unique(np.concatenate([
    -np.geomspace(20.0, 5000.0, 700), np.geomspace(20.0, 5000.0, 700),
    -np.linspace(20.0, 60.0, 161), np.linspace(700.0, 760.0, 61), -np.linspace(700.0, 760.0, 61),
    -np.linspace(705.0, 715.0, 101)]))


def _backward_cases():
    for case in list(REFERENCES) + list(VARIANTS):
        name = public_name(case)
        try:
            getattr(fa, name + "_backward")(np.ones(1), np.ones(1), **entry(case)[0])
        except TypeError:
            continue                                   # needs more than (gy, x)
        yield case


def _exact_products(fd, xs, gy):
    """gy * f'(x) for each x as (hi, lo) float64 pairs (mpmath, with the
    precision raised until it agrees, as the textbook formulas cancel)."""
    return reference(lambda v: mp.mpf(gy) * fd(v), xs)


@pytest.mark.parametrize("case", list(_backward_cases()))
def test_huge_grad_output_in_the_tails(case):
    kwargs, _, fd, _ = entry(case)
    backward = getattr(fa, public_name(case) + "_backward")
    report = []
    for gy in GRAD_OUTPUTS:
        hi, lo = _exact_products(fd, X_TAILS, gy)
        keep = (np.abs(hi) >= TINY) & (np.abs(hi) < np.inf)
        got = backward(np.full_like(X_TAILS, gy), X_TAILS, **kwargs)
        got = got[0] if isinstance(got, tuple) else got          # prelu: (gx, gweight)
        err = ulp_errors(got[keep], hi[keep], lo[keep], np.float64)
        e, at = worst(err, X_TAILS[keep])
        report.append(f"gy={gy:g}: {e:.2f} ULP at x={at}")
        assert e <= 4.0, f"{case}: " + "; ".join(report)
    print(case, "; ".join(report))


def test_the_redo_gives_the_same_bits_in_every_layout():
    """Contiguous, strided, in place (out=x and out=grad_output, where the
    redo must still see the inputs), on one thread and on two."""
    rng = np.random.default_rng(7)
    n = 3 * 4096 + 123                                  # blocks and a remainder
    x = rng.normal(0, 4, n)
    x[rng.integers(0, n, 500)] = rng.uniform(-1400, -700, 500)
    x[rng.integers(0, n, 50)] = rng.uniform(-45, -21, 50)
    x[:4] = [-np.inf, np.inf, np.nan, -1000.0]
    gy = np.full(n, 1e300)
    gy[rng.integers(0, n, 100)] = rng.normal(0, 1, 100)
    for name, kwargs in (("sigmoid", {}), ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
                         ("softplus", {"beta": 0.9}), ("celu", {"alpha": 0.7})):
        backward = getattr(fa, name + "_backward")
        with fa.num_threads(1):
            want = backward(gy, x, **kwargs)
        # some products came from a derivative below the normal doubles
        assert np.any((np.abs(want) > 0) & (np.abs(want) < np.abs(gy) * TINY)), name
        with fa.num_threads(2):
            np.testing.assert_array_equal(backward(gy, x, **kwargs), want, err_msg=name)
        for threads in (1, 2):
            with fa.num_threads(threads):
                out = x.copy()
                backward(gy, out, out=out, **kwargs)
                np.testing.assert_array_equal(out, want, err_msg=f"{name} out=x")
                out = gy.copy()
                backward(out, x, out=out, **kwargs)
                np.testing.assert_array_equal(out, want, err_msg=f"{name} out=gy")
                wide_x, wide_gy = np.repeat(x, 2), np.repeat(gy, 2)
                np.testing.assert_array_equal(backward(wide_gy[::2], wide_x[::2], **kwargs), want,
                                              err_msg=f"{name} strided")


@pytest.mark.parametrize("name, kwargs", [
    ("sigmoid", {}), ("log_sigmoid", {}), ("elu", {"alpha": 1e-310}), ("elu", {"alpha": -2.0}),
    ("elu", {"alpha": 0.0}), ("selu", {}), ("celu", {"alpha": 1e-300}), ("celu", {"alpha": -0.5}),
    ("silu", {}), ("swish", {"beta": -3.0}), ("swish", {"beta": 1e-3}), ("swish", {"beta": 0.0}),
    ("mish", {}), ("softplus", {"beta": 2.0, "threshold": -800.0}), ("softplus", {"beta": -1.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"})])
def test_the_redo_with_special_inputs_and_parameters(name, kwargs):
    """Special grad_outputs (0, -0, +-inf, NaN, subnormal, huge) and x
    (+-inf, NaN, the tails, the cut-offs) under odd parameters: no warning,
    no crash, the same bits in every layout and team; NaN only from NaN or
    inf * 0, as the kernels give it."""
    rng = np.random.default_rng(11)
    xs = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0, -700.0, -708.0, -745.2, -800.0, -1e300,
                   700.0, 708.0, 800.0, 1e300, -21.0, -36.0, -38.6, -60.0, 5e-324, -5e-324])
    gys = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e300, -1.7e308, 1.0])
    x = np.repeat(xs, len(gys))
    gy = np.tile(gys, len(xs))
    order = rng.permutation(len(x))
    x, gy = np.concatenate([x[order]] * 400), np.concatenate([gy[order]] * 400)   # > 2 blocks
    backward = getattr(fa, name + "_backward")
    with np.errstate(all="raise"):
        with fa.num_threads(1):
            want = backward(gy, x, **kwargs)
        with fa.num_threads(2):
            np.testing.assert_array_equal(backward(gy, x, **kwargs), want)
            out = x.copy()
            backward(gy, out, out=out, **kwargs)
            np.testing.assert_array_equal(out, want)
        wide = np.repeat(np.stack([gy, x]), 2, axis=1)
        np.testing.assert_array_equal(backward(wide[0, ::2], wide[1, ::2], **kwargs), want)
    with np.errstate(over="ignore"):
        derivative = backward(np.ones_like(x), x, **kwargs)
    # NaN from NaN, an infinite input, or 0 * an infinite derivative (celu'
    # with alpha < 0 overflows for x << 0)
    nan_ok = np.isnan(x) | np.isnan(gy) | np.isinf(gy) | np.isinf(x) | np.isinf(derivative)
    assert not np.isnan(want[~nan_ok]).any()

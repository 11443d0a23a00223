"""float64 backward of the axis functions where a softmax weight p_i is
below the normal doubles while grad_output brings the product back into
the normal range (fastact/_axis_tails.pxi). Before the redo,
log_softmax_backward([1e300, 0], [0, -800]) gave 0 for the second entry,
exactly -3.7e-48.

The bound is the one the backward keeps everywhere, per entry and
relative to the size of its terms (the formulas subtract, so a bound on
the result itself cannot hold), with each weight p_i counted in the unit
the README states for the forward, eps (|a_i| + 1) with a_i = (x_i -
max)/T (the condition of e^(x_i - max), whose argument is rounded):
softmax p_i (k_i (|g_i| + D) + sum_j |g_j| p_j k_j)/T with D = sum_j
|g_j| p_j, log_softmax (|g_i| + p_i k_i sum_j |g_j|)/T, logsumexp |gy w_i
p_i| k_i, k_i = |a_i| + 1 + sum_j |p_j| (|a_j| + 1) (the last for the
total, which weights b can leave to entries far from the maximum; 1 from
y, where y itself is the input). The references are mpmath's, at
60 digits."""

import mpmath as mp
import numpy as np
import pytest

import fastact as fa

EPS = np.finfo(np.float64).eps
TOL = 16 * EPS                      # rows of 40: the sums' roundings, with room
SUBNORMAL_SLACK = 4 * 5e-324        # results near the subnormals round on a coarser grid


def _rows(seed, n_rows=6, n=40, T=1.0, top=308):
    """x: a few entries near the maximum, the rest spread down to -1500 T
    (past the cut at -680 and the underflow of e^a at -745); g: grad_output
    between 1e250 and 10^top with either sign, some entries small."""
    rng = np.random.default_rng(seed)
    x = -rng.uniform(0.0, 1500.0, (n_rows, n)) * T
    x[:, :3] = rng.uniform(-2.0, 2.0, (n_rows, 3))
    x = rng.permuted(x, axis=1)
    g = rng.choice([-1.0, 1.0], (n_rows, n)) * 10.0 ** rng.uniform(250, top, (n_rows, n))
    g[rng.random((n_rows, n)) < 0.2] = rng.standard_normal()
    return x, g


def _reference(op, x, g, T=1.0, b=None, gy=None, from_y=False):
    """(exact result, term scale) per entry of each row, in mpmath."""
    want, scale = np.empty_like(x), np.empty_like(x)
    sign = -1.0 if op == "softmin" else 1.0
    with mp.workdps(60):
        for r in range(x.shape[0]):
            if from_y:
                p = [mp.exp(mp.mpf(float(v))) for v in x[r]]
                k = [1.0] * len(p)
            else:
                z = [mp.mpf(sign * float(v)) / mp.mpf(T) for v in x[r]]
                w = [mp.mpf(1)] * len(z) if b is None else [mp.mpf(float(v)) for v in b[r]]
                tot = mp.fsum(wi * mp.exp(v) for wi, v in zip(w, z))
                p = [wi * mp.exp(v) / tot for wi, v in zip(w, z)]
                top = max(z)
                k = [float(abs(v - top)) + 1.0 if mp.isfinite(v) else 1.0 for v in z]
                k_tot = float(mp.fsum(abs(pj) * kj for pj, kj in zip(p, k)))
                k = [kj + k_tot for kj in k]
            gr = [mp.mpf(float(v)) for v in g[r]] if gy is None else None
            if gr is not None:
                sum_g, sum_abs_g = mp.fsum(gr), mp.fsum(abs(v) for v in gr)
                dot = mp.fsum(gj * pj for gj, pj in zip(gr, p))
                dot_abs = mp.fsum(abs(gj) * abs(pj) for gj, pj in zip(gr, p))
                dot_abs_k = mp.fsum(abs(gj) * abs(pj) * kj for gj, pj, kj in zip(gr, p, k))
            for i, pi in enumerate(p):
                if op == "logsumexp":
                    val = mp.mpf(float(gy[r])) * pi
                    sc = abs(val) * k[i]
                elif op == "log_softmax":
                    val = (gr[i] - pi * sum_g) / T
                    sc = (abs(gr[i]) + pi * k[i] * sum_abs_g) / T
                else:
                    val = sign * pi * (gr[i] - dot) / T
                    sc = pi * (k[i] * (abs(gr[i]) + dot_abs) + dot_abs_k) / T
                want[r, i], scale[r, i] = float(val), float(sc)
    return want, scale


def _check(got, want, scale):
    err = np.abs(got - want)
    bad = err > TOL * scale + SUBNORMAL_SLACK
    i = np.argmax(np.where(scale > 0, err / np.maximum(scale, 1e-320), 0))
    assert not bad.any(), (
        f"{np.count_nonzero(bad)} entries beyond {TOL / EPS:.0f} eps of their terms; "
        f"at {np.unravel_index(i, got.shape)}: got {got.flat[i]!r}, "
        f"exact {want.flat[i]!r}")
    print(f"worst {np.max(np.where(scale > 0, err / np.maximum(scale, 1e-320), 0)) / EPS:.2f} "
          f"eps of the terms")


def _backward(op, g, x, **kw):
    if op == "logsumexp":
        return fa.logsumexp_backward(g, x, **kw)
    return getattr(fa, op + "_backward")(g, x, **kw)


def test_readme_example():
    """The README's case: the second entry is -e^-800 1e300 (its term)."""
    got = fa.log_softmax_backward(np.array([1e300, 0.0]), np.array([0.0, -800.0]))
    with mp.workdps(40):
        exact = float(-mp.exp(-800) / (1 + mp.exp(-800)) * mp.mpf(1e300))
    assert abs(got[1] - exact) <= 4 * np.spacing(abs(exact))
    # softmax: dot = 1e300 p_1 is itself a tail term, and every entry needs it
    got = fa.softmax_backward(np.array([0.0, 1e300]), np.array([0.0, -800.0]))
    with mp.workdps(40):
        p1 = mp.exp(-800) / (1 + mp.exp(-800))
        dot = p1 * mp.mpf(1e300)
        exact = [float((1 - p1) * (0 - dot)), float(p1 * (mp.mpf(1e300) - dot))]
    np.testing.assert_allclose(got, exact, rtol=4 * EPS, atol=0)


@pytest.mark.parametrize("T", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("op", ["softmax", "softmin", "log_softmax"])
def test_softmax_family_against_mpmath(op, T):
    x, g = _rows(1, T=T)
    if op == "softmin":
        x = -x
    want, scale = _reference(op, x, g, T)
    _check(_backward(op, g, x, temperature=T), want, scale)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
def test_long_rows_against_mpmath(op, threads):
    """Rows of several blocks (2048 entries each), alone (split between
    threads) and along axis 0 (tiles)."""
    x, g = _rows(6, n_rows=2, n=5000, top=304)     # sum(g) within range
    gy = g[:, 0] if op == "logsumexp" else None
    want, scale = _reference(op, x, g, gy=gy)
    with fa.num_threads(threads):
        _check(_backward(op, g[:, 0] if gy is not None else g, x), want, scale)
        _check(_backward(op, g[:1, 0] if gy is not None else g[:1], x[:1]), want[:1], scale[:1])
        gT = g[:, 0] if gy is not None else np.ascontiguousarray(g.T)
        _check(_backward(op, gT, np.ascontiguousarray(x.T), axis=0).T, want, scale)


def test_log_softmax_from_y_against_mpmath():
    """From y, p = e^y: the y given (itself rounded) is the input."""
    x, g = _rows(2)
    y = fa.log_softmax(x)
    want, scale = _reference("log_softmax", y, g, from_y=True)
    _check(fa.log_softmax_backward(g, y=y), want, scale)


def test_logsumexp_against_mpmath_with_weights():
    """gy (w_i p_i): also tiny weights (1e-300) at entries near the maximum,
    where p_i is normal but p_i w_i is not."""
    x, _ = _rows(3)
    rng = np.random.default_rng(3)
    gy = rng.choice([-1.0, 1.0], x.shape[0]) * 10.0 ** rng.uniform(280, 308, x.shape[0])
    want, scale = _reference("logsumexp", x, None, gy=gy)
    _check(fa.logsumexp_backward(gy, x), want, scale)
    b = 10.0 ** rng.uniform(-300, 0, x.shape)
    want, scale = _reference("logsumexp", x, None, b=b, gy=gy)
    _check(fa.logsumexp_backward(gy, x, b=b), want, scale)


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
def test_masks_and_far_entries_are_left_as_they_are(op):
    """where= False, -inf and masks far below the floor (-1e4, -1e9): the
    backward gives what it gives without the redo (0, or g)."""
    x, g = _rows(4, n_rows=2, n=12)
    x[:, 1], x[:, 2], x[:, 3] = -np.inf, -1e9, -1e4
    where = np.ones(x.shape, bool)
    where[:, 4] = False
    gy = g[:, 0] if op == "logsumexp" else g
    got = _backward(op, gy, x, where=where)
    assert np.all(got[:, 4] == 0)
    far = got[:, 1:4]
    if op == "log_softmax":
        np.testing.assert_array_equal(far, g[:, 1:4])
    else:
        assert np.all(far == 0)
    sel = np.ones(x.shape[1], bool)
    sel[4] = False
    want, scale = _reference(op, x[:, sel], g[:, sel], gy=g[:, 0] if op == "logsumexp" else None)
    _check(got[:, sel], want, scale)


@pytest.mark.parametrize("op", ["softmax", "softmin", "log_softmax", "logsumexp"])
def test_every_layout_and_thread_count_gives_the_same_bits(op):
    """Contiguous rows, rows along axis 0 (tiles), strided rows, where= all
    True (the general loops), out= x and out= grad_output (in place: the
    redo reads the inputs before the block is written), one long row split
    between threads (blocks of 2048), 1 and 2 threads."""
    x, g = _rows(5, n_rows=3, n=5000, top=304)
    gy = g[:, 0].copy() if op == "logsumexp" else g

    def run(gy, x, **kw):
        return _backward(op, gy, x, **kw)

    with fa.num_threads(1):
        ref = run(gy, x)
    for threads in (1, 2):
        with fa.num_threads(threads):
            np.testing.assert_array_equal(run(gy, x), ref)
            gT = gy if op == "logsumexp" else np.ascontiguousarray(gy.T)
            np.testing.assert_array_equal(run(gT, np.ascontiguousarray(x.T), axis=0).T, ref)
            wide_x = np.zeros((x.shape[0], 2 * x.shape[1]))
            wide_x[:, ::2] = x
            wide_g = np.zeros_like(wide_x)
            wide_g[:, ::2] = g
            gw = gy if op == "logsumexp" else wide_g[:, ::2]
            np.testing.assert_array_equal(run(gw, wide_x[:, ::2]), ref)
            np.testing.assert_array_equal(run(gy, x, where=np.ones(x.shape, bool)), ref)
            xc = x.copy()
            run(gy, xc, out=xc)
            np.testing.assert_array_equal(xc, ref)
            if op != "logsumexp":
                gc = g.copy()
                run(gc, x, out=gc)
                np.testing.assert_array_equal(gc, ref)
            one = run(gy[:1], x[:1])
            np.testing.assert_array_equal(one, ref[:1])

"""Backward of the axis-wise functions (API.md section 3): against the
analytic Jacobians (written out in NumPy) and central finite differences of
the forward, from x and from y, special rows, where=, b=, maxout routing."""

import numpy as np
import pytest
import scipy.special as sp

import fastact as fa

EPS64 = np.finfo(np.float64).eps
inf, nan = np.inf, np.nan


def fd_vjp(f, x, g, h=1e-6):
    """sum(g * f(x)) differentiated by central differences, entry by entry."""
    x = np.array(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        out[i] = (np.sum(g * f(xp)) - np.sum(g * f(xm))) / (2 * h)
    return out


def jacobian_softmax_vjp(x, g, axis, T):
    """J^T g of softmax(x/T) from the Jacobian diag(p) - p p^T, row by row."""
    p = sp.softmax(x / T, axis=axis)
    rows_p = np.moveaxis(p, axis, -1).reshape(-1, p.shape[axis])
    rows_g = np.moveaxis(np.broadcast_to(g, x.shape), axis, -1).reshape(rows_p.shape)
    out = np.empty_like(rows_p)
    for r, (pr, gr) in enumerate(zip(rows_p, rows_g)):
        J = (np.diag(pr) - np.outer(pr, pr)) / T
        out[r] = J.T @ gr
    shape = np.moveaxis(p, axis, -1).shape
    return np.moveaxis(out.reshape(shape), -1, axis)


@pytest.mark.parametrize("T", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_backward_against_the_jacobian(axis, T):
    rng = np.random.default_rng(30)
    x = rng.standard_normal((4, 7)) * 3
    g = rng.standard_normal((4, 7))
    want = jacobian_softmax_vjp(x, g, axis, T)
    np.testing.assert_allclose(fa.softmax_backward(g, x, axis=axis, temperature=T), want,
                               rtol=1e-12, atol=1e-15)
    y = fa.softmax(x, axis, temperature=T)
    np.testing.assert_allclose(fa.softmax_backward(g, y=y, axis=axis, temperature=T), want,
                               rtol=1e-12, atol=1e-15)
    # softmin(x) = softmax(-x): its vjp is minus softmax's at -x
    np.testing.assert_allclose(fa.softmin_backward(g, x, axis=axis, temperature=T),
                               -jacobian_softmax_vjp(-x, g, axis, T), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn,fwd", [(fa.softmax_backward, fa.softmax),
                                    (fa.log_softmax_backward, fa.log_softmax),
                                    (fa.softmin_backward, fa.softmin)],
                         ids=["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("T", [1.0, 0.7])
def test_backward_against_finite_differences(fn, fwd, T):
    rng = np.random.default_rng(31)
    x = rng.standard_normal((3, 5)) * 2
    g = rng.standard_normal((3, 5))
    for axis in (0, 1, None):
        want = fd_vjp(lambda v: fwd(v, axis, temperature=T), x, g)
        np.testing.assert_allclose(fn(g, x, axis=axis, temperature=T), want, rtol=1e-7, atol=1e-8)
        y = fwd(x, axis, temperature=T)
        np.testing.assert_allclose(fn(g, y=y, axis=axis, temperature=T), want, rtol=1e-7, atol=1e-8)


def test_log_softmax_backward_analytic():
    rng = np.random.default_rng(32)
    x = rng.standard_normal((6, 40)) * 4
    g = rng.standard_normal((6, 40))
    p = sp.softmax(x, axis=-1)
    want = g - p * g.sum(-1, keepdims=True)
    np.testing.assert_allclose(fa.log_softmax_backward(g, x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fa.log_softmax_backward(g, y=fa.log_softmax(x)), want,
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_backward_is_softmax_weighted(keepdims):
    rng = np.random.default_rng(33)
    x = rng.standard_normal((5, 8)) * 3
    for axis in (0, 1, None, (0, 1)):
        gshape = np.shape(sp.logsumexp(x, axis, keepdims=keepdims))
        g = rng.standard_normal(gshape)
        ax = (0, 1) if axis is None else axis
        want = np.expand_dims(g, ax) * sp.softmax(x, ax) if not keepdims else g * sp.softmax(x, ax)
        got = fa.logsumexp_backward(g, x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        fd = fd_vjp(lambda v: fa.logsumexp(v, axis, keepdims=keepdims), x, g)
        np.testing.assert_allclose(got, fd, rtol=1e-7, atol=1e-8)
    # the derivative itself, with a scalar grad_output
    np.testing.assert_allclose(fa.logsumexp_backward(1.0, x), sp.softmax(x, -1), rtol=1e-13)


def test_logsumexp_backward_with_b_and_sign():
    rng = np.random.default_rng(34)
    x = rng.standard_normal((4, 6))
    b = rng.standard_normal((4, 6))
    g = rng.standard_normal(4)

    def signed_lse(v):
        return fa.logsumexp(v, b=b, return_sign=True)[0]

    got = fa.logsumexp_backward(g, x, b=b, return_sign=True)
    np.testing.assert_allclose(got, fd_vjp(signed_lse, x, g), rtol=1e-6, atol=1e-7)
    s = np.sum(b * np.exp(x), axis=-1, keepdims=True)
    np.testing.assert_allclose(got, g[:, None] * b * np.exp(x) / s, rtol=1e-12)
    # without return_sign, rows whose sum is negative are NaN, as their forward
    plain = fa.logsumexp_backward(g, x, b=b)
    neg = (s < 0).ravel()
    assert np.isnan(plain[neg]).all() and np.allclose(plain[~neg], got[~neg])


def test_special_rows_give_zero_or_nan_gradients():
    x = np.array([[-inf, -inf, -inf], [1.0, nan, 2.0], [1.0, inf, 2.0], [0.0, -inf, 1.0]])
    g = np.ones_like(x)
    with np.errstate(all="raise"):
        grads = {"softmax": fa.softmax_backward(g, x), "log_softmax": fa.log_softmax_backward(g, x),
                 "softmin": fa.softmin_backward(g, -x),
                 "logsumexp": fa.logsumexp_backward(np.ones(4), x)}
    for name, gx in grads.items():
        assert np.all(gx[0] == 0), name                # all -inf: 0, never NaN
        assert np.isnan(gx[1]).all() and np.isnan(gx[2]).all(), name
        # a -inf entry of a finite row: p = 0 there, so d/dx = 0, except for
        # log_softmax, whose entry x_i - lse moves with x_i: g_i - 0 sum(g)
        assert gx[3, 1] == (1.0 if name == "log_softmax" else 0.0), name
        assert np.isfinite(gx[3]).all(), name
    # the same rows masked out entirely, from x and from y
    mask = np.zeros_like(x, bool)
    for fn, fwd in [(fa.softmax_backward, fa.softmax), (fa.log_softmax_backward, fa.log_softmax)]:
        assert np.all(fn(g, x, where=mask) == 0)
        assert np.all(fn(g, y=fwd(x, where=mask), where=mask) == 0)
    assert np.all(fa.logsumexp_backward(np.ones(4), x, where=mask) == 0)


def test_masked_entries_get_zero_even_with_nan_grad():
    rng = np.random.default_rng(35)
    x = rng.standard_normal((5, 9))
    mask = rng.random((5, 9)) < 0.5
    g = rng.standard_normal((5, 9))
    g[~mask] = nan                                      # must not leak
    for fn in (fa.softmax_backward, fa.log_softmax_backward, fa.softmin_backward):
        gx = fn(g, x, where=mask)
        assert np.all(gx[~mask] == 0) and np.isfinite(gx).all()
        for i in range(5):
            sel = x[i][mask[i]]
            if sel.size == 0:
                continue
            want = {fa.softmax_backward: lambda: jacobian_softmax_vjp(sel, g[i][mask[i]], 0, 1.0),
                    fa.softmin_backward: lambda: -jacobian_softmax_vjp(-sel, g[i][mask[i]], 0, 1.0),
                    fa.log_softmax_backward: lambda: g[i][mask[i]] - sp.softmax(sel)
                    * g[i][mask[i]].sum()}[fn]()
            np.testing.assert_allclose(gx[i][mask[i]], want, rtol=1e-12, atol=1e-15)


def test_grad_output_broadcasts_and_dtypes():
    rng = np.random.default_rng(36)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    d = fa.softmax_backward(1.0, x)
    assert d.dtype == np.float32
    np.testing.assert_allclose(d, 0.0, atol=1e-6)        # rows of the Jacobian sum to 0
    g = rng.standard_normal(6)
    np.testing.assert_array_equal(fa.softmax_backward(g, x),
                                  fa.softmax_backward(np.broadcast_to(g, (4, 6)).astype(np.float64), x))
    assert fa.softmax_backward(g, x).dtype == np.float64  # promoted with grad_output
    assert fa.log_softmax_backward(1.0, x.astype(np.float16)).dtype == np.float16
    assert fa.logsumexp_backward(1.0, x.astype(np.int32)).dtype == np.float64
    with pytest.raises(ValueError, match="does not broadcast"):
        fa.softmax_backward(np.ones(5), x)
    with pytest.raises(ValueError, match="does not broadcast to the result"):
        fa.logsumexp_backward(np.ones(6), x)            # the result has shape (4,)
    with pytest.raises(TypeError, match="fastact.softmax_backward needs x or y"):
        fa.softmax_backward(1.0)
    with pytest.raises(TypeError, match="fastact.logsumexp_backward needs x"):
        fa.logsumexp_backward(1.0, y=np.zeros(4))
    with pytest.raises(ValueError, match="y has shape"):
        fa.logsumexp_backward(1.0, x, y=np.zeros(3))


def test_backward_out_and_in_place():
    rng = np.random.default_rng(37)
    x = rng.standard_normal((30, 3000))
    g = rng.standard_normal((30, 3000))
    for axis in (1, 0):
        want = fa.softmax_backward(g, x, axis=axis)
        out = np.empty_like(x)
        assert fa.softmax_backward(g, x, axis=axis, out=out) is out
        np.testing.assert_array_equal(out, want)
        g2 = g.copy()                                   # into grad_output
        fa.softmax_backward(g2, x, axis=axis, out=g2)
        np.testing.assert_array_equal(g2, want)
        x2 = x.copy()                                   # into x
        fa.softmax_backward(g, x2, axis=axis, out=x2)
        np.testing.assert_array_equal(x2, want)
        y = fa.softmax(x, axis)                         # into y
        want_y = fa.softmax_backward(g, y=y, axis=axis)
        fa.softmax_backward(g, y=y, axis=axis, out=y)
        np.testing.assert_array_equal(y, want_y)
    out = np.full((30, 3000), 7.0, np.float32)
    with pytest.raises(TypeError, match="out has dtype"):
        fa.logsumexp_backward(1.0, x, out=out)
    assert np.all(out == 7)


def test_backward_from_x_and_y_agree_for_every_layout():
    rng = np.random.default_rng(38)
    x = rng.standard_normal((300, 401)) * 4
    g = rng.standard_normal((300, 401))
    for fn, fwd in [(fa.softmax_backward, fa.softmax), (fa.log_softmax_backward, fa.log_softmax)]:
        for axis in (0, 1):
            want = fn(g, x, axis=axis)
            np.testing.assert_array_equal(fn(np.asfortranarray(g), np.asfortranarray(x), axis=axis),
                                          want)
            np.testing.assert_allclose(fn(g, y=fwd(x, axis), axis=axis), want, rtol=1e-10,
                                       atol=1e-13)


# ---- maxout -------------------------------------------------------------------------

def test_maxout_backward_routes_to_the_winner():
    x = np.array([[3.0, 3.0, 1.0, 5.0, nan, 2.0]])
    g = np.array([[10.0, 20.0, 30.0]])
    gx = fa.maxout_backward(g, x, 2)
    np.testing.assert_array_equal(gx, [[10.0, 0.0, 0.0, 20.0, 30.0, 0.0]])  # first on ties, NaN
    _, idx = fa.maxout(x, 2, return_indices=True)
    np.testing.assert_array_equal(fa.maxout_backward(g, x, 2, indices=idx), gx)
    np.testing.assert_array_equal(fa.maxout_backward(1.0, x, 2), [[1, 0, 0, 1, 1, 0]])


def test_maxout_backward_against_finite_differences():
    rng = np.random.default_rng(39)
    x = rng.standard_normal((3, 6, 4))                   # no ties
    for axis in (0, 1, 2):
        for pieces in (1, 3):
            if x.shape[axis] % pieces:
                continue
            g = rng.standard_normal(fa.maxout(x, pieces, axis).shape)
            fd = fd_vjp(lambda v: fa.maxout(v, pieces, axis), x, g)
            np.testing.assert_allclose(fa.maxout_backward(g, x, pieces, axis), fd, rtol=1e-7,
                                       atol=1e-8)


def test_maxout_backward_errors_and_out():
    x = np.arange(12.0).reshape(2, 6)
    with pytest.raises(ValueError, match="indices must lie in"):
        fa.maxout_backward(1.0, x, 2, indices=np.full((2, 3), 2))
    with pytest.raises(ValueError, match="indices must be an integer array"):
        fa.maxout_backward(1.0, x, 2, indices=np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="does not broadcast"):
        fa.maxout_backward(np.ones(4), x, 2)
    out = np.full_like(x, 7.0)
    assert fa.maxout_backward(np.ones((2, 3)), x, 2, out=out) is out
    np.testing.assert_array_equal(out, [[0, 1] * 3] * 2)
    assert fa.maxout_backward(1.0, x.astype(np.float32), 2).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_maxout_backward_large_against_numpy(dtype, threads):
    """Several threads, P and Q > 1, ties and NaN: grad_output lands on
    numpy.argmax's winner of each group (from x, and from the indices),
    zeros elsewhere, also through a strided grad_output and out=."""
    rng = np.random.default_rng(27)
    x = rng.integers(-3, 4, (5, 12, 1001)).astype(dtype)
    x[rng.random(x.shape) < 0.01] = nan
    for axis, pieces in ((1, 3), (2, 7), (0, 5), (-1, 7)):
        moved = np.moveaxis(x, axis, -1)
        groups = moved.reshape(moved.shape[:-1] + (moved.shape[-1] // pieces, pieces))
        gshape = list(x.shape)
        gshape[axis] //= pieces
        g = rng.standard_normal([2 * n for n in gshape]).astype(dtype)[::2, ::2, ::2]
        want = np.zeros_like(groups)
        np.put_along_axis(want, groups.argmax(-1)[..., None],
                          np.moveaxis(g, axis, -1)[..., None], axis=-1)
        want = np.moveaxis(want.reshape(moved.shape), -1, axis)
        with fa.num_threads(threads):
            _, idx = fa.maxout(x, pieces, axis, return_indices=True)
            out = np.full_like(x, 7.0)
            fa.maxout_backward(g, x, pieces, axis, out=out)
            np.testing.assert_array_equal(out, want)
            np.testing.assert_array_equal(fa.maxout_backward(g, x, pieces, axis, indices=idx),
                                          want)
            np.testing.assert_array_equal(
                fa.maxout_backward(np.ascontiguousarray(g), x, pieces, axis), want)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 100_001), (3, 40_000)], ids=str)
def test_long_rows_from_x_against_numpy(shape, dtype, threads):
    """Rows longer than a row's scratch buffer keep their exps for the
    backward's later phases (buffers of the call): the values against the
    analytic formulas in float64, and the same bits as the rows along axis 0
    (tiles, which compute their own exps)."""
    rng = np.random.default_rng(31)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    xd, gd = x.astype(np.float64), g.astype(np.float64)
    p = sp.softmax(xd, axis=-1)
    want = {"softmax": p * (gd - np.sum(gd * p, axis=-1, keepdims=True)),
            "log_softmax": gd - p * np.sum(gd, axis=-1, keepdims=True),
            "logsumexp": gd[:, :1] * p}
    # the reference's own sums over 10^5 terms (and g - dot) are not exact:
    # float64 measured 68 eps of the row's largest entry, float32 0.3 eps
    tol = (1024 if dtype == np.float64 else 8) * np.finfo(dtype).eps
    with fa.num_threads(threads):
        for name, ref in want.items():
            fn = getattr(fa, name + "_backward")
            gy = g[:, 0] if name == "logsumexp" else g
            got = fn(gy, x, axis=-1)
            scale = np.max(np.abs(ref), axis=-1, keepdims=True)
            assert np.all(np.abs(got - ref) <= tol * scale), name
            gy_t = gy if name == "logsumexp" else gy.T.copy()
            np.testing.assert_array_equal(fn(gy_t, x.T.copy(), axis=0).T, got)


@pytest.mark.parametrize("threads", [1, 2])
def test_log_softmax_backward_from_float32_y(threads):
    """float32 log_softmax backward from y at temperature 1 computes in
    float (e^y by a float polynomial, one FMA): within 3 eps of the row's
    largest entry of g - e^y sum(g) evaluated in float64 from the same
    float32 y and g; every layout (strided, transposed, where= all True,
    broadcast gradient) gives the same bits; rows whose sum of gradients
    leaves float's comfortable range take the double path and still agree."""
    rng = np.random.default_rng(41)
    x = (rng.standard_normal((64, 3001)) * 4).astype(np.float32)
    y = fa.log_softmax(x)
    g = rng.standard_normal(x.shape).astype(np.float32)
    g[3] *= np.float32(1e34)               # sum(g) beyond 2^100: double path
    g[4] *= np.float32(1e-34)              # sum(g) below 2^-100: double path
    yd, gd = y.astype(np.float64), g.astype(np.float64)
    ref = gd - np.exp(yd) * gd.sum(axis=-1, keepdims=True)
    scale = np.max(np.abs(ref), axis=-1, keepdims=True)
    eps = np.finfo(np.float32).eps
    with fa.num_threads(threads):
        got = fa.log_softmax_backward(g, y=y)
        assert got.dtype == np.float32
        assert np.all(np.abs(got - ref) <= 3 * eps * scale)
        np.testing.assert_array_equal(fa.log_softmax_backward(g.T.copy(), y=y.T.copy(), axis=0).T,
                                      got)
        np.testing.assert_array_equal(
            fa.log_softmax_backward(g[:, ::-1], y=y[:, ::-1])[:, ::-1], got)
        np.testing.assert_array_equal(
            fa.log_softmax_backward(g, y=y, where=np.ones(x.shape, bool)), got)
        g1 = np.ones(x.shape[1], np.float32)
        np.testing.assert_array_equal(fa.log_softmax_backward(np.float32(1.0), y=y),
                                      fa.log_softmax_backward(np.broadcast_to(g1, x.shape), y=y))
        # temperature 2: computed in double and rounded once
        y2 = fa.log_softmax(x, temperature=2.0)
        ref2 = (gd - np.exp(y2.astype(np.float64)) * gd.sum(axis=-1, keepdims=True)) / 2
        got2 = fa.log_softmax_backward(g, y=y2, temperature=2.0)
        assert np.all(np.abs(got2 - ref2) <= 3 * eps * np.max(np.abs(ref2), -1, keepdims=True))
        # y = -inf entries (outside a where= of the forward): g there
        yi = y.copy()
        yi[:, :5] = -np.inf
        gi = fa.log_softmax_backward(g, y=yi)
        np.testing.assert_array_equal(gi[:, :5], g[:, :5])

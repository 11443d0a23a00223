"""Axis-wise functions (API.md section 2): softmax, log_softmax, softmin,
logsumexp, maxout. Against SciPy and mpmath, the special-case table,
where=, temperature, b=/return_sign, out=, dtypes, layouts, errors."""

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fastact as fa
from axis_references import mp_logsumexp_b, mp_softmax_row, np_softmax

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
inf, nan = np.inf, np.nan
SOFTMAXES = [fa.softmax, fa.log_softmax, fa.softmin]
REDUCERS = [fa.softmax, fa.log_softmax, fa.softmin, fa.logsumexp]


def scipy_of(fn):
    """SciPy's version of a fastact function (softmin: softmax of -x)."""
    return {fa.softmax: sp.softmax, fa.log_softmax: sp.log_softmax,
            fa.logsumexp: sp.logsumexp,
            fa.softmin: lambda x, axis: sp.softmax(-np.asarray(x), axis)}[fn]


# ---- against SciPy and mpmath -------------------------------------------------------

SHAPES_AXES = [((7,), -1), ((5, 9), 1), ((5, 9), 0), ((5, 9), None), ((3, 4, 6), (0, 2)),
               ((3, 4, 6), 1), ((2, 3, 4, 5), (1, 3)), ((3, 4100), 1), ((4100, 3), 0),
               ((2, 5000, 3), 1), ((1, 20000), -1)]


@pytest.mark.parametrize("shape,axis", SHAPES_AXES, ids=str)
@pytest.mark.parametrize("fn", REDUCERS, ids=lambda f: f.__name__)
def test_matches_scipy_float64(fn, shape, axis):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape) * 6
    got, want = fn(x, axis), scipy_of(fn)(x, axis)
    if fn is fa.log_softmax:
        # SciPy's log(sum) loses digits when the sum is near 1 (and sums in
        # float64); bound the difference by the size of the terms (x - max
        # and the log of the sum). test_accuracy_against_mpmath says which
        # is right.
        d = np.abs(x - np.max(x, axis=axis, keepdims=True))
        tol = 64 * EPS64 * (d + np.abs(np.log(np.sum(np.exp(x - np.max(x, axis=axis, keepdims=True)),
                                                    axis=axis, keepdims=True))) + 1)
        assert np.all(np.abs(got - want) <= tol)
    else:
        np.testing.assert_allclose(got, want, rtol=64 * EPS64, atol=0)


@pytest.mark.parametrize("T", [1.0, 0.37, 5.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_accuracy_against_mpmath(dtype, T):
    """Errors against mpmath (exact to double). The rounding of d = x_i - max
    (|d|/T * eps relative, in double) is the condition of the textbook
    formula that fastact (like SciPy) evaluates, so errors are measured in
    units of eps * (|d|/T + 1): softmax relative, log_softmax absolute
    (with |log_softmax| added to the unit), logsumexp absolute in ulp of
    the result. Prints the measured maxima."""
    rng = np.random.default_rng(11)
    eps = np.finfo(dtype).eps
    worst = {"softmax": 0.0, "log_softmax": 0.0, "logsumexp": 0.0}
    rows = [rng.standard_normal(n) * s for n in (1, 2, 7, 64, 2049, 5000) for s in (0.1, 3, 30)]
    rows += [np.array([0.0, -40.0]), np.array([1000.0, 999.0, -1000.0]), np.array([-5e-9, 0.0])]
    for row in rows:
        row = row.astype(dtype)
        p, lp, lse = mp_softmax_row(row, T)
        p, lp = np.array(p), np.array(lp)
        d = np.abs(row.astype(np.float64) - row.max()) / T
        unit = eps + d * EPS64                        # one ulp of the result + cond.
        ok = p > np.finfo(dtype).tiny
        err_p = np.abs(fa.softmax(row, temperature=T)[ok] - p[ok]) / p[ok] / unit[ok]
        err_lp = np.abs(fa.log_softmax(row, temperature=T) - lp) / (unit * (1 + np.abs(lp)))
        assert np.all(err_p <= 8) and np.all(err_lp <= 4), row
        worst["softmax"] = max(worst["softmax"], float(np.max(err_p, initial=0)))
        worst["log_softmax"] = max(worst["log_softmax"], float(np.max(err_lp)))
        if T == 1.0:
            err = abs(float(fa.logsumexp(row)) - lse) / (eps * max(abs(lse), 1e-300))
            unit_lse = 1 + EPS64 / eps * np.abs(row.astype(np.float64)).max() / max(abs(lse), 1e-300)
            assert err <= 2 * unit_lse, row
            worst["logsumexp"] = max(worst["logsumexp"], err / unit_lse)
    print(f"{np.dtype(dtype).name} T={T}: max error in units of eps*(|x-max|/T + 1): "
          + ", ".join(f"{k} {v:.2f}" for k, v in worst.items() if T == 1.0 or k != "logsumexp"))


def test_logsumexp_keeps_the_small_terms():
    """SciPy gh-18295: log(1 + e^-40) = 4.248354255291589e-18, not 0."""
    assert fa.logsumexp(np.array([0.0, -40.0])) == 4.248354255291589e-18
    assert fa.logsumexp(np.array([-40.0, 0.0, -inf])) == 4.248354255291589e-18
    np.testing.assert_allclose(fa.logsumexp(np.array([0.0, -40.0], np.float32)),
                               4.248354255291589e-18, rtol=2 * EPS32)
    # and log_softmax of the maximum, the same number with a minus sign
    assert fa.log_softmax(np.array([0.0, -40.0]))[0] == -4.248354255291589e-18


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_against_float64(dtype):
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((64, 3000)) * 8).astype(np.float32)
    ref = x.astype(np.float64)
    np.testing.assert_allclose(fa.softmax(x), sp.softmax(ref, axis=-1), rtol=2 * EPS32,
                               atol=np.finfo(np.float32).tiny)
    np.testing.assert_allclose(fa.logsumexp(x), sp.logsumexp(ref, axis=-1), rtol=2 * EPS32)
    lp = fa.log_softmax(x)
    assert lp.dtype == np.float32
    np.testing.assert_allclose(lp, sp.log_softmax(ref, axis=-1), rtol=2 * EPS32, atol=4 * EPS32)


@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_property_random_shapes_and_axes(data):
    """Random shapes, axes (int, tuple, None), dtypes and layouts: shape and
    dtype of the result, rows summing to 1, agreement with the NumPy
    formula, and the same bits for every layout."""
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-50, 50, width=32)))
    nd = len(shape)
    axis = data.draw(st.one_of(
        st.none(), st.integers(-nd, nd - 1),
        st.lists(st.integers(0, nd - 1), unique=True, min_size=0, max_size=nd).map(tuple)))
    y = fa.softmax(x, axis)
    assert y.shape == x.shape and y.dtype == dtype
    ax = tuple(range(nd)) if axis is None else axis
    if x.size:
        np.testing.assert_allclose(y, np_softmax(x, ax), rtol=8 * np.finfo(dtype).eps,
                                   atol=8 * np.finfo(dtype).eps)
        sums = np.sum(y.astype(np.float64), axis=ax)
        np.testing.assert_allclose(sums, 1.0, rtol=0, atol=64 * np.finfo(dtype).eps)
    lse = fa.logsumexp(x, axis, keepdims=True)
    assert lse.shape == np.sum(x, axis=ax, keepdims=True).shape
    assert fa.logsumexp(x, axis).shape == np.sum(x, axis=ax).shape
    # the layout does not change a bit
    for view in (np.asfortranarray(x), x[::-1][::-1], np.flip(np.flip(x.copy(), 0), 0)):
        np.testing.assert_array_equal(fa.softmax(view, axis), y)
        np.testing.assert_array_equal(fa.logsumexp(view, axis, keepdims=True), lse)


# ---- the special-case table ----------------------------------------------------------

# row -> (softmax, log_softmax, logsumexp), each a rule written from the
# mathematics (API.md section 2), not from the code
TABLE = {
    "some -inf": ([1.0, -inf, 3.0], "scipy", "scipy", "scipy"),
    "all -inf": ([-inf, -inf, -inf], [nan] * 3, [nan] * 3, -inf),
    "+inf": ([1.0, inf, 3.0], [nan] * 3, [nan] * 3, inf),
    "+inf and -inf": ([-inf, inf], [nan] * 2, [nan] * 2, inf),
    "NaN": ([1.0, nan, 3.0], [nan] * 3, [nan] * 3, nan),
    "NaN and +inf": ([nan, inf], [nan] * 2, [nan] * 2, nan),
    "NaN and -inf": ([-inf, nan], [nan] * 2, [nan] * 2, nan),
    "empty": ([], [], [], -inf),
    "huge": ([1000.0, -1000.0, 999.0], "scipy", "scipy", "scipy"),
    "float32 edge": ([3e38, -3e38, 3e38], [0.5, 0.0, 0.5], "scipy", 3e38 + np.log(2)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(TABLE))
def test_special_case_table(case, dtype):
    row, want_p, want_lp, want_lse = TABLE[case]
    x = np.array(row, dtype=dtype)
    with np.errstate(all="raise"):                      # and no spurious warnings
        got = fa.softmax(x), fa.log_softmax(x), fa.logsumexp(x)
    ref = x.astype(np.float64)
    with np.errstate(all="ignore"):
        wants = [sp.softmax(ref) if want_p == "scipy" else want_p,
                 sp.log_softmax(ref) if want_lp == "scipy" else want_lp,
                 sp.logsumexp(ref) if want_lse == "scipy" else want_lse]
        wants = [np.asarray(w, np.float64).astype(dtype) for w in wants]  # -6e38 -> -inf
    for g, w in zip(got, wants):
        np.testing.assert_allclose(g, w, rtol=4 * np.finfo(dtype).eps)


def test_softmin_is_softmax_of_minus_x():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((6, 50)) * 4
    np.testing.assert_array_equal(fa.softmin(x), fa.softmax(-x))
    np.testing.assert_array_equal(fa.softmin(x, 0, temperature=2.5), fa.softmax(-x, 0, temperature=2.5))
    # its table is the table of -x: -inf in x is +inf in -x
    assert np.isnan(fa.softmin([1.0, -inf])).all()
    assert np.array_equal(fa.softmin([1.0, inf]), [1.0, 0.0])


def test_no_overflow_at_the_extremes():
    for dtype in (np.float32, np.float64):
        big = np.finfo(dtype).max
        x = np.array([big, -big, big / 2], dtype=dtype)
        with np.errstate(all="raise"):
            np.testing.assert_array_equal(fa.softmax(x), [1.0, 0.0, 0.0])
            assert fa.logsumexp(x) == big
            assert fa.logsumexp(np.array([big, big], dtype)) == big   # + log 2 rounds away
            np.testing.assert_array_equal(fa.log_softmax(x)[:2], [0.0, -inf])  # -2 big


# ---- where= -----------------------------------------------------------------------------

def test_where_masks_entries_out_of_their_rows():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((20, 33)) * 5
    mask = rng.random((20, 33)) < 0.6
    mask[3] = False                                     # a row with nothing selected
    p, lp, lse = (fa.softmax(x, where=mask), fa.log_softmax(x, where=mask),
                  fa.logsumexp(x, where=mask))
    assert np.all(p[~mask] == 0) and np.all(lp[~mask] == -inf)
    assert np.all(p[3] == 0) and np.all(lp[3] == -inf) and lse[3] == -inf
    for i in range(20):
        if i == 3:
            continue
        sel = x[i][mask[i]]
        np.testing.assert_allclose(p[i][mask[i]], sp.softmax(sel), rtol=16 * EPS64)
        np.testing.assert_allclose(lp[i][mask[i]], sp.log_softmax(sel), rtol=16 * EPS64,
                                   atol=16 * EPS64)
        np.testing.assert_allclose(lse[i], sp.logsumexp(sel), rtol=4 * EPS64)


def test_where_all_true_is_no_where_bit_for_bit():
    """The masked loops compute the same numbers as the fast ones."""
    rng = np.random.default_rng(15)
    for shape in [(7, 5000), (33, 17), (2, 3000, 3)]:
        for dtype in (np.float32, np.float64):
            x = (rng.standard_normal(shape) * 7).astype(dtype)
            for fn in REDUCERS:
                np.testing.assert_array_equal(fn(x, where=np.ones(shape, bool)), fn(x))
                np.testing.assert_array_equal(fn(x, 1, where=True), fn(x, 1))


def test_where_broadcasts_and_hides_nan_and_inf():
    x = np.array([[1.0, nan, 2.0], [inf, 0.0, -inf]])
    mask = np.array([True, False, True])                # broadcast over rows
    p = fa.softmax(x, where=mask)
    np.testing.assert_allclose(p[0], [sp.softmax([1.0, 2.0])[0], 0, sp.softmax([1.0, 2.0])[1]])
    assert np.isnan(p[1][[0, 2]]).all() and p[1][1] == 0   # +inf selected: NaN
    assert fa.logsumexp(x, where=mask)[1] == inf
    with pytest.raises(ValueError, match="where of shape"):
        fa.softmax(x, where=np.ones(2, bool))
    with pytest.raises(TypeError, match="where must be a boolean array"):
        fa.softmax(x, where=np.ones(3))
    np.testing.assert_array_equal(fa.softmax(x, where=[1, 0, 1]), p)   # 0/1 ints work


def test_all_neg_inf_with_and_without_where():
    x = np.full((2, 4), -inf)
    assert np.isnan(fa.softmax(x)).all()                 # 0/0 as SciPy, PyTorch
    mask = np.zeros((2, 4), bool)
    assert np.all(fa.softmax(x, where=mask) == 0)       # nothing selected
    mask[0, 1] = True                                   # selected, but -inf
    p = fa.softmax(x, where=mask)
    assert np.isnan(p[0, 1]) and np.all(p[0, [0, 2, 3]] == 0) and np.all(p[1] == 0)


# ---- temperature ---------------------------------------------------------------------------

@pytest.mark.parametrize("T", [0.01, 0.5, 1.0, 3.0, 1e6])
def test_temperature_is_the_function_of_x_over_T(T):
    rng = np.random.default_rng(16)
    x = rng.standard_normal((8, 300)) * 3
    d = np.abs(x - x.max(-1, keepdims=True)) / T
    np.testing.assert_allclose(fa.softmax(x, temperature=T), sp.softmax(x / T, axis=-1),
                               rtol=(d.max() + 16) * EPS64)
    np.testing.assert_allclose(fa.log_softmax(x, temperature=T), sp.log_softmax(x / T, axis=-1),
                               rtol=(d.max() + 16) * EPS64, atol=16 * EPS64)


@pytest.mark.parametrize("bad", [0.0, -1.0, nan, inf, -inf])
@pytest.mark.parametrize("fn", SOFTMAXES, ids=lambda f: f.__name__)
def test_bad_temperature(fn, bad):
    out = np.full(3, 7.0)
    with pytest.raises(ValueError, match=f"fastact.{fn.__name__}: temperature must be"):
        fn(np.ones(3), temperature=bad, out=out)
    assert np.all(out == 7)
    with pytest.raises(TypeError, match="temperature must be a real number"):
        fn(np.ones(3), temperature="hot")


# ---- logsumexp: b and return_sign ----------------------------------------------------------

def test_b_and_return_sign_match_scipy():
    rng = np.random.default_rng(17)
    for _ in range(40):
        n = int(rng.integers(1, 12))
        x = rng.standard_normal((3, n)) * 4
        b = rng.standard_normal((3, n))
        b[rng.random((3, n)) < 0.2] = 0
        for axis in (0, 1, None):
            for keep in (False, True):
                got = fa.logsumexp(x, axis, b=b, keepdims=keep, return_sign=True)
                want = sp.logsumexp(x, axis, b=b, keepdims=keep, return_sign=True)
                assert np.shape(got[0]) == np.shape(want[0])
                np.testing.assert_array_equal(got[1], want[1])
                np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-12)
                with np.errstate(invalid="ignore"):
                    np.testing.assert_allclose(fa.logsumexp(x, axis, b=b, keepdims=keep),
                                               sp.logsumexp(x, axis, b=b, keepdims=keep),
                                               rtol=1e-12, atol=1e-12)


def test_b_against_mpmath_and_special_cases():
    cases = [([1.0, 2.0], [1.0, -1.0]), ([0.0, -40.0], [2.0, 3.0]), ([5.0, 5.0], [1.0, -1.0]),
             ([700.0, 710.0, 1.0], [-0.5, 0.25, 3.0]), ([-3.0, 0.0, 0.0], [1.0, 1.0, -0.5])]
    for row, b in cases:
        lse, sign = fa.logsumexp(np.array(row), b=np.array(b), return_sign=True)
        want, want_sign = mp_logsumexp_b(row, b)
        assert sign == want_sign
        np.testing.assert_allclose(lse, want, rtol=4 * EPS64, atol=4 * EPS64)
    # a weight of 0 takes inf and NaN out of the sum (SciPy's meaning)
    assert fa.logsumexp([inf, nan, 1.0], b=[0, 0, 1]) == 1.0
    # negative sum without return_sign: NaN, as SciPy
    with np.errstate(all="raise"):
        assert np.isnan(fa.logsumexp([1.0, 2.0], b=[1, -1]))
    # +inf with weights that cancel: NaN; with a negative weight: sign -1
    assert np.isnan(fa.logsumexp([inf, inf], b=[1, -1]))
    assert fa.logsumexp([inf, 1.0], b=[-1, 1], return_sign=True) == (inf, -1.0)
    with pytest.raises(ValueError, match="b of shape"):
        fa.logsumexp(np.ones((2, 3)), b=np.ones(2))
    # b broadcasts; a Python number keeps float32
    np.testing.assert_allclose(fa.logsumexp(np.zeros((4, 3)), b=[1, 2, 3]), np.log(6.0), rtol=4 * EPS64)
    assert fa.logsumexp(np.zeros(3, np.float32), b=2).dtype == np.float32
    assert fa.logsumexp(np.zeros(3, np.float32), b=np.ones(3)).dtype == np.float64


def test_return_sign_of_special_rows():
    assert fa.logsumexp([-inf, -inf], return_sign=True) == (-inf, 0.0)
    out = fa.logsumexp([nan, 1.0], return_sign=True)
    assert np.isnan(out[0]) and np.isnan(out[1])
    assert fa.logsumexp([1.0, 2.0], return_sign=True)[1] == 1.0
    assert fa.logsumexp(np.zeros((2, 0)), return_sign=True)[1].tolist() == [0.0, 0.0]


# ---- shapes, 0-d, empty ---------------------------------------------------------------------

def test_zero_d_input_gives_a_scalar():
    for fn, want in [(fa.softmax, 1.0), (fa.log_softmax, 0.0), (fa.softmin, 1.0),
                     (fa.logsumexp, 2.5)]:
        y = fn(2.5)
        assert isinstance(y, np.float64) and y == want
        assert isinstance(fn(np.float32(2.5)), np.float32)
        assert fn(np.float64(2.5), axis=None) == want and fn(2.5, axis=0) == want
    assert fa.logsumexp(2.5, keepdims=True) == 2.5
    assert fa.maxout(2.5, 1) == 2.5


def test_empty_axes():
    assert fa.softmax(np.zeros((3, 0))).shape == (3, 0)
    assert fa.log_softmax(np.zeros((0, 3)), axis=0).shape == (0, 3)
    np.testing.assert_array_equal(fa.logsumexp(np.zeros((3, 0))), [-inf] * 3)
    np.testing.assert_array_equal(fa.logsumexp(np.zeros((0, 3)), axis=0), [-inf] * 3)
    assert fa.logsumexp(np.zeros((0, 3)), axis=1).shape == (0,)
    assert fa.logsumexp(np.zeros(0)) == -inf
    assert fa.logsumexp(np.zeros((2, 0, 3)), axis=(1, 2), keepdims=True).shape == (2, 1, 1)


def test_axis_none_and_empty_tuple():
    rng = np.random.default_rng(18)
    x = rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(fa.softmax(x, None), sp.softmax(x), rtol=16 * EPS64)
    np.testing.assert_allclose(fa.logsumexp(x, None), sp.logsumexp(x), rtol=4 * EPS64)
    np.testing.assert_array_equal(fa.softmax(x, ()), np.ones_like(x))   # each entry its own row
    np.testing.assert_array_equal(fa.logsumexp(x, ()), x)


def test_tuple_axes_are_the_flattened_axes_bit_for_bit():
    """Reducing over (0, 2) equals moving those axes last and flattening
    them (in order): the elements of a row in logical order."""
    rng = np.random.default_rng(19)
    x = rng.standard_normal((30, 7, 70)) * 5
    flat = np.moveaxis(x, 1, 0).reshape(7, -1)
    for fn in REDUCERS:
        got = fn(x, (0, 2), keepdims=True) if fn is fa.logsumexp else fn(x, (0, 2))
        want = fn(flat, -1)
        if fn is fa.logsumexp:
            np.testing.assert_array_equal(got.ravel(), want)
        else:
            np.testing.assert_array_equal(np.moveaxis(got, 1, 0).reshape(7, -1), want)


def test_non_last_axis_is_bit_for_bit_the_transposed_rows():
    rng = np.random.default_rng(20)
    for shape in [(1000, 37), (3000, 19), (5, 4500, 9)]:
        x = rng.standard_normal(shape) * 5
        for fn in REDUCERS:
            got = fn(x, 0)
            want = fn(np.ascontiguousarray(np.moveaxis(x, 0, -1)), -1)
            np.testing.assert_array_equal(got if fn is fa.logsumexp else np.moveaxis(got, 0, -1),
                                          want)


def test_non_last_axis_with_special_values_bit_for_bit():
    """Columns with -inf, all -inf, NaN and +inf take the careful path inside
    a tile of columns; every column still gets the bits of its row."""
    rng = np.random.default_rng(26)
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal((2100, 300)) * 5).astype(dtype)
        x[rng.random(x.shape) < 0.01] = -inf
        x[:, 7] = -inf
        x[5, 8] = nan
        x[2050, 9] = inf
        x[:2048, 10] = -inf                               # a block of -inf, then finite
        for fn in REDUCERS:
            with np.errstate(all="raise"):
                got = fn(x, 0)
            want = fn(np.ascontiguousarray(x.T), -1)
            np.testing.assert_array_equal(got if fn is fa.logsumexp else got.T, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [1, 2])
def test_short_last_axis_rows_are_bit_for_bit_each_row_alone(threads, dtype):
    """Rows of up to 64 entries along the last axis run transposed, as lane
    tiles of up to 128 rows (_axis_tiles.pxi; float32 rows of 33-64 at T = 1
    by _row_f32_lean, whose rows alone take it too), and so do softmax's backward
    from y up to 8: each row still gets the bits it has alone, with special
    values, temperature, return_sign, broadcast, strided and in-place
    operands."""
    rng = np.random.default_rng(27)
    for shape in [(1000, 2), (300, 7), (600, 8), (257, 32), (129, 64), (200, 65), (5, 3, 17)]:
        x = (rng.standard_normal(shape) * 6).astype(dtype)
        flat = x.reshape(-1, shape[-1])
        flat[rng.random(flat.shape) < 0.02] = -inf
        flat[1] = -inf                                   # a row of -inf
        flat[2, 0], flat[3, -1], flat[4, 0] = nan, inf, 700.0
        with fa.num_threads(threads):
            for view in (x, x[..., ::-1], np.asfortranarray(x)):
                rows = view.reshape(-1, shape[-1])
                for fn, kw in ((fa.softmax, {}), (fa.log_softmax, {}), (fa.logsumexp, {}),
                               (fa.softmax, {"temperature": 3.0}), (fa.softmin, {})):
                    with np.errstate(all="raise"):
                        got = fn(view, -1, **kw)
                    want = np.stack([fn(r.copy(), -1, **kw) for r in rows])
                    np.testing.assert_array_equal(got.reshape(want.shape), want)
                lse, sign = fa.logsumexp(view, -1, return_sign=True)
                want = [fa.logsumexp(r.copy(), -1, return_sign=True) for r in rows]
                np.testing.assert_array_equal(lse.ravel(), [w[0] for w in want])
                np.testing.assert_array_equal(sign.ravel(), [w[1] for w in want])
            inplace = x.copy()
            assert fa.softmax(inplace, -1, out=inplace) is inplace
            np.testing.assert_array_equal(inplace, fa.softmax(x, -1))
            # softmax's backward from y (rows of up to 8 run transposed too)
            y = fa.softmax(x, -1)
            g = rng.standard_normal(shape).astype(dtype)
            g.reshape(-1, shape[-1])[6, 0] = inf
            for gv, kw in ((g, {}), (g[..., :1], {}), (g, {"temperature": 3.0}),
                           (np.asfortranarray(g), {})):
                got = fa.softmax_backward(gv, y=y, **kw)
                gr = np.broadcast_to(gv, shape).reshape(-1, shape[-1])
                want = np.stack([fa.softmax_backward(gr[i].copy(), y=r.copy(), **kw)
                                 for i, r in enumerate(y.reshape(-1, shape[-1]))])
                np.testing.assert_array_equal(got.reshape(want.shape), want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(1, 100_001), (3, 40_000)], ids=str)
def test_softmax_keeping_exps_gives_the_same_bits(shape, threads, dtype):
    """Long rows keep their blocks' exps for the output pass (float64
    softmax: in a contiguous output; otherwise in a buffer of the call)
    instead of computing them twice. The bits must agree with a strided
    output (no output to keep them in), with the rows along axis 0 (tiles,
    their own exps), and in place, with -inf blocks, NaN rows and where=."""
    rng = np.random.default_rng(24)
    x = (rng.standard_normal(shape) * 6).astype(dtype)
    x[0, 2048:4096] = -inf                        # a whole block of -inf
    x[0, 5000] = 700.0                            # a maximum far from the rest
    if shape[0] > 1:
        x[1, 123] = nan                           # a NaN row
    mask = (np.arange(x.size) % 5 != 2).reshape(shape)
    with fa.num_threads(threads):
        for fn, kw in ((fa.softmax, {}), (fa.softmin, {}), (fa.softmax, {"where": mask}),
                       (fa.softmax, {"temperature": 3.0})):
            wide = np.zeros((shape[0], 2 * shape[1]), dtype)
            want = fn(x, -1, out=wide[:, ::2], **kw)         # exps recomputed
            np.testing.assert_array_equal(fn(x, -1, **kw), want)
            inplace = x.copy()
            assert fn(inplace, -1, out=inplace, **kw) is inplace
            np.testing.assert_array_equal(inplace, want)
            kw_t = {k: (v.T.copy() if k == "where" else v) for k, v in kw.items()}
            np.testing.assert_array_equal(fn(x.T.copy(), 0, **kw_t).T, want)
    ok = ~np.isnan(x).any(axis=-1)
    np.testing.assert_allclose(want[ok], sp.softmax(x[ok].astype(np.float64) / 3.0, axis=-1),
                               rtol=1e-13 if dtype == np.float64 else 8 * EPS32,
                               atol=np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", REDUCERS, ids=lambda f: f.__name__)
def test_layouts_give_the_same_bits(fn, dtype):
    """Contiguous rows (float32: 16 entries at a time, then the chunked
    loops for the last 0-15), strided rows and rows along axis 0 (tiles)
    compute each exp and sum the same way."""
    rng = np.random.default_rng(21)
    base = (rng.standard_normal((300, 401)) * 6).astype(dtype)
    for axis in (0, 1, None):
        want = fn(base, axis)
        np.testing.assert_array_equal(fn(np.asfortranarray(base), axis), want)
        for view in (base[::2, ::3], base[::-1, ::-2], base.T):
            np.testing.assert_array_equal(fn(view, axis), fn(np.ascontiguousarray(view), axis))


# ---- dtypes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", REDUCERS, ids=lambda f: f.__name__)
def test_dtypes(fn):
    rng = np.random.default_rng(22)
    x = rng.standard_normal((4, 9)) * 3
    h = x.astype(np.float16)
    y = fn(h)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, fn(h.astype(np.float32)).astype(np.float16))
    for dtype in (np.bool_, np.int8, np.uint16, np.int64):
        xi = np.arange(12).reshape(3, 4).astype(dtype)
        assert fn(xi).dtype == np.float64
        np.testing.assert_array_equal(fn(xi), fn(xi.astype(np.float64)))
    assert fn([[1, 2], [3, 4]]).dtype == np.float64
    for bad in (np.complex128, object, "U3", "M8[s]"):
        with pytest.raises(TypeError, match=f"fastact.{fn.__name__}: unsupported dtype"):
            fn(np.zeros(3, dtype=bad))


def rounded_to_float16(y32):
    with np.errstate(over="ignore", under="ignore"):
        return np.asarray(y32).astype(np.float16)


@pytest.mark.parametrize("case", ["softmax", "softmin", "log_softmax", "logsumexp",
                                  "softmax_backward", "log_softmax_backward",
                                  "logsumexp_backward"])
def test_float16_rounding_raises_no_flags(case):
    """Regression: float16 results are computed in float32 and rounded once;
    that rounding underflows (softmax's tiny probabilities, logsumexp near 0)
    or overflows (log_softmax(60000 - -60000) is -inf in float16). It raised
    RuntimeWarning 'overflow encountered in cast' and, under
    np.errstate(all='raise'), FloatingPointError, against API.md section 4
    (the element-wise functions never did). The result is the float32 one
    rounded, with and without out=."""
    import warnings
    x = np.array([[0.0, -20.0, 5.0, -30.0], [60000.0, -60000.0, 0.0, 1.0],
                  [0.0, -17.0, -20.0, -25.0]], np.float16)
    g = np.array([[6e4] * 4, [1.5, -2.0, 0.5, 3.0], [1.5, -2.0, 0.5, 3.0]], np.float16)
    fn = getattr(fa, case)
    if case.startswith("logsumexp"):
        x, g = x[1:], g[1:, 0]                # rows whose results over- or underflow
    args = (g, x) if case.endswith("_backward") else (x,)
    y32 = fn(*(a.astype(np.float32) for a in args))
    want = rounded_to_float16(y32)
    # the float16 rounding does underflow (to a subnormal or 0) or overflow
    assert ((y32 != 0) & np.isfinite(y32) & ((abs(want) < np.finfo(np.float16).tiny) | np.isinf(want))).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = fn(*args)
            out = np.full(want.shape, 7, np.float16)
            assert fn(*args, out=out) is out
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out, want)


def unaligned_copy(a):
    buf = np.frombuffer(bytearray(a.nbytes + 1), dtype=a.dtype, count=a.size, offset=1)
    buf[:] = a.ravel()
    return buf.reshape(a.shape)


def test_unaligned_operands_reach_the_kernels_aligned():
    """Regression (the behaviour matrix under UBSan: 'load of misaligned
    address ... for type const float' in fa_ax_max_f): _layout.run saw that
    an unaligned C-contiguous input is not usable by the kernels but 'fixed'
    it with np.ascontiguousarray, which returns such an array as it is. Every
    operand the kernel gets must be aligned, full-shaped or reduced; the
    public functions give the bits of aligned copies."""
    from fastact import _layout
    x = unaligned_copy(np.linspace(-3, 3, 36, dtype=np.float32).reshape(4, 9))
    g = unaligned_copy(np.ones((4, 1), np.float32))
    assert not x.flags.aligned and x.flags.c_contiguous and not g.flags.aligned
    seen = {}

    def kernel(dims, arrays):
        seen.update({name: a.flags.aligned for name, (a, _) in arrays.items()})

    _layout.run(kernel, x.shape, (1,), {"x": (x, False), "g": (g, True)},
                {"o": (np.empty((4, 9), np.float32), False)})
    assert seen == {"x": True, "g": True, "o": True}
    for fn, args in ((fa.softmax, (x,)), (fa.logsumexp, (x,)), (fa.maxout, (x, 3)),
                     (fa.logsumexp_backward, (g[:, 0], x)), (fa.softmax_backward, (x, x))):
        aligned = tuple(np.array(a) for a in args)
        np.testing.assert_array_equal(fn(*args), fn(*aligned))


def test_read_only_input():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    x.flags.writeable = False
    for fn in REDUCERS:
        np.testing.assert_array_equal(fn(x), fn(x.copy()))


# ---- out= ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", SOFTMAXES, ids=lambda f: f.__name__)
def test_out_argument(fn):
    rng = np.random.default_rng(23)
    x = rng.standard_normal((50, 3000)) * 4
    for axis in (1, 0):
        want = fn(x, axis)
        out = np.empty_like(x)
        assert fn(x, axis, out=out) is out
        np.testing.assert_array_equal(out, want)
        x2 = x.copy()                                   # in place
        assert fn(x2, axis, out=x2) is x2
        np.testing.assert_array_equal(x2, want)
        xf = np.asfortranarray(x)                       # in place, Fortran order
        assert fn(xf, axis, out=xf) is xf
        np.testing.assert_array_equal(xf, want)
        buf = np.concatenate([x.ravel(), [0.0]])        # partial overlap
        fn(buf[:-1].reshape(x.shape), axis, out=buf[1:].reshape(x.shape))
        np.testing.assert_array_equal(buf[1:].reshape(x.shape), want)
        wide = np.zeros((50, 6000))                     # strided out
        fn(x, axis, out=wide[:, ::2])
        np.testing.assert_array_equal(wide[:, ::2], want)
        assert not wide[:, 1::2].any()
    h = x.astype(np.float16)
    out16 = np.empty_like(h)
    assert fn(h, out=out16) is out16
    np.testing.assert_array_equal(out16, fn(h))


def test_logsumexp_out():
    rng = np.random.default_rng(24)
    x = rng.standard_normal((40, 300))
    out = np.empty(40)
    assert fa.logsumexp(x, out=out) is out
    np.testing.assert_array_equal(out, fa.logsumexp(x))
    out = np.empty((1, 300))
    assert fa.logsumexp(x, 0, keepdims=True, out=out) is out
    np.testing.assert_array_equal(out, fa.logsumexp(x, 0, keepdims=True))
    wide = np.zeros(80)
    fa.logsumexp(x, out=wide[::2])
    np.testing.assert_array_equal(wide[::2], fa.logsumexp(x))
    out0 = np.empty(())
    assert fa.logsumexp(x, None, out=out0) is out0 and out0 == fa.logsumexp(x, None)
    lse, sign = fa.logsumexp(x, out=np.empty(40), return_sign=True)
    assert np.all(sign == 1)


@pytest.mark.parametrize("fn", REDUCERS + [lambda x, **kw: fa.maxout(x, 2, **kw)],
                         ids=["softmax", "log_softmax", "softmin", "logsumexp", "maxout"])
def test_bad_out_is_refused_and_untouched(fn):
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    shape = fn(x).shape
    for out, err, msg in [(np.full((5,), 7.0), ValueError, "out has shape"),
                          (np.full(shape, 7.0, np.float32), TypeError, "out has dtype"),
                          (np.full(shape, 7, np.int64), TypeError, "out has dtype")]:
        with pytest.raises(err, match=msg):
            fn(x, out=out)
        assert np.all(out == 7)
    ro = np.full(shape, 7.0)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        fn(x, out=ro)
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        fn(x, out=[0.0])


# ---- bad axes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", REDUCERS, ids=lambda f: f.__name__)
def test_bad_axes(fn):
    x = np.ones((2, 3))
    for axis in (2, -3, (0, 2), (5,)):
        with pytest.raises(np.exceptions.AxisError):
            fn(x, axis)
    with pytest.raises(ValueError, match="repeated axis"):
        fn(x, (1, -1))
    for axis in (1.0, "0", [0.5]):
        with pytest.raises(TypeError, match="axis must be"):
            fn(x, axis)
    with pytest.raises(np.exceptions.AxisError):
        fn(np.float64(1.0), 1)


# ---- maxout ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxout_matches_numpy(dtype):
    rng = np.random.default_rng(25)
    x = (rng.standard_normal((4, 12, 6)) * 3).astype(dtype)
    for axis in (0, 1, 2, -1):
        for pieces in (1, 2, x.shape[axis]):
            if x.shape[axis] % pieces:
                continue
            y, idx = fa.maxout(x, pieces, axis, return_indices=True)
            g = np.moveaxis(x, axis, -1)
            g = g.reshape(g.shape[:-1] + (g.shape[-1] // pieces, pieces))
            np.testing.assert_array_equal(np.moveaxis(y, axis, -1), g.max(-1))
            np.testing.assert_array_equal(np.moveaxis(idx, axis, -1), g.argmax(-1))
            assert y.dtype == dtype and idx.dtype == np.intp


def test_maxout_ties_and_nan():
    y, idx = fa.maxout(np.array([3.0, 3.0, 1.0, nan, 2.0, nan, 1.0, 1.0]), 2,
                       return_indices=True)
    assert idx.tolist() == [0, 1, 1, 0]                  # first on ties, first NaN
    assert y[0] == 3 and np.isnan(y[1]) and np.isnan(y[2]) and y[3] == 1
    assert fa.maxout([-inf, -inf], 2) == [-inf]


def test_maxout_errors_and_out():
    x = np.arange(12.0).reshape(2, 6)
    for bad in (0, -2, 4, 5):
        with pytest.raises(ValueError, match="pieces must be a positive divisor"):
            fa.maxout(x, bad)
    with pytest.raises(TypeError, match="pieces must be an int"):
        fa.maxout(x, 2.0)
    with pytest.raises(np.exceptions.AxisError):
        fa.maxout(x, 2, axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.maxout(x, 2, axis=(0, 1))
    out = np.empty((2, 3))
    assert fa.maxout(x, 2, out=out) is out
    np.testing.assert_array_equal(out, [[1, 3, 5], [7, 9, 11]])
    assert fa.maxout(np.zeros((0, 4)), 2).shape == (0, 2)
    assert fa.maxout(np.zeros((3, 0)), 2).shape == (3, 0)
    assert fa.maxout(x.astype(np.float16), 3).dtype == np.float16
    assert fa.maxout(x.astype(np.int32), 3).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_maxout_large_against_numpy(dtype, threads):
    """Big enough for several threads, with P and Q > 1 (the threads' row
    ranges start inside a p), Q not a multiple of the kernel's block of
    groups, ties and NaN in random places; numpy's max/argmax are the
    reference (first maximum, first NaN)."""
    rng = np.random.default_rng(26)
    x = rng.integers(-3, 4, (5, 12, 1001)).astype(dtype)   # many ties
    x[rng.random(x.shape) < 0.01] = nan
    x[rng.random(x.shape) < 0.01] = -inf
    for axis, pieces in ((1, 3), (1, 4), (2, 7), (0, 5), (2, 1), (-1, 13)):
        g = np.moveaxis(x, axis, -1)
        g = g.reshape(g.shape[:-1] + (g.shape[-1] // pieces, pieces))
        with fa.num_threads(threads):
            y, idx = fa.maxout(x, pieces, axis, return_indices=True)
            out = np.empty_like(y)
            fa.maxout(x, pieces, axis, out=out)
        np.testing.assert_array_equal(np.moveaxis(idx, axis, -1), g.argmax(-1))
        np.testing.assert_array_equal(np.moveaxis(y, axis, -1), g.max(-1))
        np.testing.assert_array_equal(out, y)

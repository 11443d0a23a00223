"""Properties (hypothesis), forward and backward, at bounded example counts:

- against the mpmath references of tests/references.py at values hypothesis
  draws from the whole float32/float64 range: the accuracy promise (API.md
  section 7) holds there too, not only on the fixed sample of test_accuracy;
- over arrays of any shape and strides holding +-inf, NaN, +-0 and
  subnormals among ordinary values: each element gets the bits the function
  gives that value alone (layout and position invariance, API.md section 5),
  NaN gives NaN, and no floating-point flag is raised (section 4);
- the same for the axis-wise functions and gated units along a drawn axis
  (with temperature and where= where they take them): each row gets the
  bits the function gives that row alone, the values of a reference
  computed row by row in longdouble or mpmath (tests/adapters.py), and no
  flag is raised.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adapters import CALLS, mismatch
from conftest import backward, forward
from references import REFERENCES, entry
from test_accuracy import BOUND, EXACT_BOUND, exact_bound
from ulp import reference, ulp_errors

CASES = sorted(REFERENCES)
FLOATS = [np.float16, np.float32, np.float64]
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def finite(dtype, limit=None):
    limit = min(limit, float(np.finfo(dtype).max)) if limit else None
    return st.floats(-limit if limit else None, limit, allow_nan=False,
                     allow_infinity=False, width=np.finfo(dtype).bits)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("which", ["forward", "backward"])
@SETTINGS
@given(data=st.data())
def test_within_the_promised_ulps_of_mpmath(which, dtype, data):
    case = data.draw(st.sampled_from(CASES), label="case")
    kwargs, f, df, zeros = entry(case)
    # near the interesting region as often as anywhere in the range (up to
    # 1e150: mpmath's erfc overflows past 1.3e154)
    xs = np.array(data.draw(st.lists(finite(dtype, 1e150) | st.floats(-30, 30, width=32),
                                     min_size=1, max_size=4), label="x"), dtype)
    got = forward(case)(xs, **kwargs) if which == "forward" else backward(case)(1.0, xs, **kwargs)
    hi, lo = reference(f if which == "forward" else df, xs)
    with np.errstate(over="ignore", invalid="ignore"):    # exact values past float32
        err = ulp_errors(got, hi, lo, dtype, xs, zeros)
    bound = EXACT_BOUND if exact_bound(case, which) else BOUND[dtype]
    bad = ~(np.nan_to_num(err, nan=0.0) <= bound)
    assert not bad.any(), (f"{case} {which}: {err[bad]} ULP at x = {xs[bad].tolist()} "
                           f"(bound {bound})")


def special_floats(dtype):
    info = np.finfo(dtype)
    specials = [np.inf, -np.inf, np.nan, 0.0, -0.0, float(info.smallest_subnormal),
                -float(info.smallest_subnormal), float(info.max), -float(info.max)]
    return st.sampled_from(specials) | finite(dtype)


@st.composite
def strided(draw, dtype, shape):
    """An array of ``shape`` holding special and ordinary values, as a view
    with random steps (negative included) into a larger array."""
    steps = draw(st.lists(st.sampled_from([1, 2, -1, -3]), min_size=len(shape),
                          max_size=len(shape)))
    base = draw(hnp.arrays(dtype, [n * abs(s) for n, s in zip(shape, steps)],
                           elements=special_floats(dtype)))
    return base[tuple(slice(None, None, s) for s in steps)]


POINTWISE = [c for c in CALLS if c.adapter.pointwise]


@SETTINGS
@given(data=st.data())
def test_every_element_gets_the_bits_of_its_value_alone(data):
    call = data.draw(st.sampled_from(POINTWISE), label="call")
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                      label="shape")
    arrays = tuple(data.draw(strided(dtype, s), label="array") for s in call.shapes(shape))
    with np.errstate(all="raise"):
        got = np.asarray(call.fn(*arrays))
    assert got.shape == shape and got.dtype == dtype
    x = arrays[-1]
    assert np.isnan(got[np.isnan(x)]).all()
    if x.size:
        for _ in range(min(x.size, 6)):
            idx = np.unravel_index(data.draw(st.integers(0, x.size - 1), label="i"), shape)
            with np.errstate(all="raise"):
                alone = call.fn(*(a[idx] for a in arrays))
            assert np.array_equal(got[idx], alone, equal_nan=True), (idx, got[idx], alone)


# ---- axis-wise functions and gated units: row by row --------------------------

ROWWISE = [c for c in CALLS if not c.adapter.pointwise]


def rounded_reference(want, tol, dtype):
    """The float64 reference as the dtype's result: rounded once more, so
    an ulp of the dtype more is allowed; values past the dtype's range are
    its infinities."""
    if dtype == np.float64:
        return want, tol
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        rounded = want.astype(dtype)
        spacing = np.spacing(np.abs(rounded)).astype(np.float64)
    return rounded.astype(np.float64), tol + np.where(np.isfinite(spacing), spacing, 0.0)


def moderate(dtype, shape):
    """grad_output: finite, |g| <= 1, zeros and subnormals among them (as
    in the matrix, no inf: inf times a derivative that underflows in
    double is NaN, not the limit; and |g| <= 1 keeps the gated kernels'
    g * b from overflowing, see adapters.Gated)."""
    tiny = float(np.finfo(dtype).smallest_subnormal)
    return hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, -0.0, tiny, -tiny])
                      | st.floats(-1, 1, width=np.finfo(dtype).bits))


@st.composite
def row_call(draw):
    """A call, a dtype, an input shape it takes, its axis and parameters."""
    call = draw(st.sampled_from(ROWWISE), label="call")
    adapter, params = call.adapter, call.adapter.record.params
    dtype = draw(st.sampled_from(FLOATS), label="dtype")
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
                 label="shape")
    kw = {"axis": draw(st.integers(-len(shape), len(shape) - 1), label="axis")}
    if "temperature" in params:
        kw["temperature"] = draw(st.sampled_from([1.0, 0.25, 3.0]), label="T")
    shape = adapter.fit(shape, **kw)
    if "where" in params and draw(st.booleans(), label="masked"):
        kw["where"] = draw(hnp.arrays(np.bool_, shape), label="where")
    return call, dtype, shape, kw


@SETTINGS
@given(data=st.data())
def test_every_row_gets_the_bits_of_the_row_alone(data):
    call, dtype, shape, kw = data.draw(row_call())
    shapes = call.shapes(shape, **kw)
    arrays = (data.draw(strided(dtype, shapes[-1]), label="x"),)
    if call.backward:
        arrays = (data.draw(moderate(dtype, shapes[0]), label="grad_output"),) + arrays
    with np.errstate(all="raise"):
        got = np.asarray(call.fn(*arrays, **kw))
    assert got.shape == call.out_shape(shape, **kw) and got.dtype == dtype
    # the values: against the reference on the same (float64) inputs
    want, tol = call.reference(*(a.astype(np.float64) for a in arrays), **kw)
    why = mismatch(got, *rounded_reference(want, tol, dtype))
    assert why is None, why
    # the bits: each row alone, taken as a 1-d array (a contiguous copy)
    axis = kw["axis"] % len(shape)
    outer = shape[:axis] + shape[axis + 1:]
    n_outer = int(np.prod(outer))
    for _ in range(min(n_outer, 4)):
        o = np.unravel_index(data.draw(st.integers(0, n_outer - 1), label="row"), outer)
        row = o[:axis] + (slice(None),) + o[axis:]
        # logsumexp's result and grad_output have no axis: their row is an entry
        small = row if call.adapter.keeps_axis else o
        pieces = (arrays[0][small], arrays[1][row]) if call.backward else (arrays[0][row],)
        row_kw = dict(kw, axis=0)
        if "where" in kw:
            row_kw["where"] = kw["where"][row]
        with np.errstate(all="raise"):
            alone = call.fn(*(np.array(p) for p in pieces), **row_kw)
        mine = got[row] if call.backward else got[small]
        assert np.array_equal(mine, alone, equal_nan=True), (o, mine, alone)

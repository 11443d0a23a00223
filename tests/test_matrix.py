"""The behaviour matrix (API.md section 4), driven by ``fastact.ACTIVATIONS``:
every public function, forward and backward, over input dtypes and shapes,
memory layouts, and ``out=`` variants.

Each case gives the right answer -- the same function computed in float64
on a contiguous copy of the input, bitwise where section 5 promises the same
bits (float64, integers, any layout), to the precision of the dtype
otherwise, and in float64 the value of an independent reference (mpmath or
NumPy in longdouble, ``tests/adapters.py``) within the documented error --
or the exception section 4 names, with a message naming the function; a
refused call leaves ``out`` untouched, and no call writes to its inputs.
Functions added to the registry are covered through ``tests/adapters.py``,
whose adapters also give each function's valid shapes (gated units: an even
split axis; maxout: a multiple of pieces; refused shapes are checked too),
result shapes (logsumexp reduces its axis) and axes.
"""

import re

import numpy as np
import pytest

import fastact as fa
from adapters import ADAPTERS, CALLS, mismatch

IDS = [c.name for c in CALLS]
BIG = 2 * fa._dispatch.kernels.work_per_thread() + 5    # threaded even for relu
SHAPES = [(), (0,), (1,), (7,), (2, 0, 3), (2, 3, 5)]
# Above the threading threshold: one dtype per path into the loops (native
# float32 and float64, float16 through float32, integers through float64);
# each threaded call costs thread wake-ups on a busy 2-core machine.
THREADED = {"float16", "float32", "float64", "int16"}
ACCEPTED = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
            "uint64", "float16", "float32", "float64", ">f8", ">f4", ">i2"]
REFUSED = ["complex64", "complex128", "object", "U3", "S3", "M8[s]", "m8[ms]",
           "longdouble", "V8", "i4,f4"]
SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0]


def result_dtype(dtype):
    """API.md section 4: float16/32/64 stay, bool and integers give float64."""
    dtype = np.dtype(dtype).newbyteorder("=")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def values(dtype, shape, seed, specials=True):
    """An array of ``dtype``: normal values times 4 with inf, NaN and -0.0 at
    random places (floats), small integers, random bools."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    if dtype.kind == "f":
        v = rng.standard_normal(n) * 4
        if specials and n >= len(SPECIALS):
            v[rng.choice(n, len(SPECIALS), replace=False)] = SPECIALS
    elif dtype.kind == "b":
        v = rng.random(n) < 0.5
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        v = rng.integers(max(info.min, -40), min(info.max, 40), n, endpoint=True)
    else:
        return np.zeros(shape, dtype)
    return v.astype(dtype).reshape(shape)


def inputs(call, dtype, shape, seed=0, **kw):
    """The data arrays of a call, of ``dtype``: (x,) or (grad_output, x);
    grad_output finite (inf * a derivative that underflows in float32 but
    not in float64 would make NaN against inf)."""
    shapes = call.shapes(shape, **kw)
    return tuple(values(dtype, s, seed + k, specials=k == len(shapes) - 1)
                 for k, s in enumerate(shapes))


def truth(call, arrays):
    """The float64 result of the same function on contiguous copies."""
    return call.fn(*(np.array(a, dtype=np.float64, order="C") for a in arrays))


def assert_matches_truth(got, expected, dtype):
    """Bitwise where the computation is float64; else within the dtype's
    precision (float16 is computed in float32 and rounded once more)."""
    result = result_dtype(dtype)
    assert got.dtype == result
    if result == np.float64:
        np.testing.assert_array_equal(got, expected)
        return
    eps = float(np.finfo(result).eps)
    with np.errstate(over="ignore", under="ignore"):
        np.testing.assert_allclose(got.astype(np.float64), expected,
                                   rtol=4 * eps, atol=float(np.finfo(np.float32).eps))


def raises_naming(exc, call, what=""):
    """pytest.raises for ``exc`` whose message names the function (and says
    ``what``)."""
    pattern = re.escape(f"fastact.{call.name}") + r"\b.*" + what
    return pytest.raises(exc, match=pattern)


def unchanged(arrays, copies):
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


def test_every_kind_has_an_adapter():
    kinds = {rec.kind for rec in fa.ACTIVATIONS.values()}
    missing = kinds - set(ADAPTERS)
    assert not missing, f"add an adapter for {missing} to tests/adapters.py"
    assert len(CALLS) == 2 * len(fa.ACTIVATIONS)


# ---- dtypes x shapes ------------------------------------------------------

def assert_refused_shape(call, dtype, shape):
    """A shape the function does not take (an odd split axis, pieces not
    dividing the axis, a 0-d input to split) raises what the adapter says,
    naming the function; a backward writes nothing to its out."""
    exc, what = call.adapter.refusal(shape)
    x = values(dtype, shape, 0)
    out = np.full(shape, 7, result_dtype(dtype))
    with raises_naming(exc, call, what):
        if call.backward:
            call.fn(np.ones((), dtype), x, out=out)
        else:
            call.fn(x)
    assert np.all(out == 7)


@pytest.mark.parametrize("dtype", ACCEPTED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_accepted_dtypes_and_shapes(call, dtype):
    for shape in SHAPES + [(BIG,)] * (dtype in THREADED):
        if not call.adapter.valid_shape(shape):
            assert_refused_shape(call, dtype, shape)
            shape = call.adapter.fit(shape)            # the nearest shape it takes
            assert call.adapter.valid_shape(shape)
        arrays = inputs(call, dtype, shape)
        copies = [a.copy() for a in arrays]
        got = call.fn(*arrays)
        unchanged(arrays, copies)
        assert np.shape(got) == call.out_shape(shape)
        if shape == ():
            assert isinstance(got, np.generic), type(got)     # a NumPy scalar, as a ufunc
        assert_matches_truth(np.asarray(got), truth(call, arrays), dtype)
        out = np.full(np.shape(got), 7, result_dtype(dtype))
        assert call.fn(*arrays, out=out) is out
        np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("dtype", REFUSED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_refused_dtypes_name_the_function(call, dtype):
    shape = call.adapter.fit((3,))
    good = inputs(call, np.float64, shape)
    out = np.full(call.out_shape(shape), 7.0)
    # every data argument in turn of the refused dtype, then all of them
    variants = [tuple(np.zeros(a.shape, dtype) if j == k else a for j, a in enumerate(good))
                for k in range(len(good))]
    variants.append(tuple(np.zeros(a.shape, dtype) for a in good))
    for arrays in variants:
        with raises_naming(TypeError, call, "dtype"):
            call.fn(*arrays, out=out)
        assert np.all(out == 7.0)


# ---- memory layouts -------------------------------------------------------

def byteswapped(a):
    return a.astype(a.dtype.newbyteorder())


def unaligned(a):
    buf = np.frombuffer(bytearray(a.nbytes + 1), dtype=a.dtype, count=a.size, offset=1)
    buf[:] = a.ravel()
    return buf.reshape(a.shape)


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def memmap(a, path):
    m = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    m[...] = a
    m.flush()
    del m
    return np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape)   # read-only


def embedded(a, steps):
    """``a`` as a view with ``steps`` (one per axis, the first ones of
    the tuple) into a larger array."""
    steps = steps[:a.ndim]
    base = np.zeros([n * abs(s) for n, s in zip(a.shape, steps)], a.dtype)
    view = base[tuple(slice(None, None, s) for s in steps)]
    view[...] = a
    return view


# name -> (array, path) -> a view of the same shape and values in that
# layout (broadcast: the values of the first row in every row), so that
# the shape stays one the function takes
LAYOUTS = {
    "strided": lambda a, p: embedded(a, (2, 3, 2)),
    "negative": lambda a, p: embedded(a, (-1, -2, -1)),
    "fortran": lambda a, p: np.asfortranarray(a),
    "transposed": lambda a, p: np.ascontiguousarray(a.T).T,
    "broadcast": lambda a, p: np.broadcast_to(a[:1], a.shape),
    "read-only": lambda a, p: read_only(a),
    "memmap": lambda a, p: memmap(a, p),
    "unaligned": lambda a, p: unaligned(a),
    "byteswapped": lambda a, p: byteswapped(a),
}


# The layouts that reach the loops other than as contiguous data (strided,
# stride 0, or in NumPy's buffers), tried above the threading threshold too;
# the others (transposed, read-only, ...) reach it as contiguous memory.
THREADED_LAYOUTS = {"strided", "negative", "broadcast", "byteswapped"}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_layouts_give_the_contiguous_bits(call, layout, tmp_path):
    """Every layout gives the bits of a contiguous copy (API.md section 5),
    small and above the threading threshold."""
    for dtype in (np.float16, np.float32, np.float64, np.int32):
        big = dtype == np.float32 and layout in THREADED_LAYOUTS
        for shape in ((6, 9),) + ((8, BIG // 4),) * big:
            shape = call.adapter.fit(shape)
            arrays = tuple(LAYOUTS[layout](a, tmp_path / f"{k}.dat")
                           for k, a in enumerate(inputs(call, dtype, shape)))
            copies = [np.array(a, dtype=a.dtype.newbyteorder("="), order="C") for a in arrays]
            got = call.fn(*arrays)
            unchanged(arrays, copies)
            np.testing.assert_array_equal(got, call.fn(*copies))
            assert got.dtype == result_dtype(dtype)


# ---- out= -----------------------------------------------------------------

def overlapping(arrays, shift, shape):
    """The last data array (x) copied into a buffer one element longer than
    it or the result, and an out of the result's ``shape`` in the same
    buffer ``shift`` elements further on (-1: behind)."""
    x = arrays[-1]
    n = int(np.prod(shape))
    buf = np.empty(max(x.size, n) + 1, x.dtype)
    lo, hi = (0, 1) if shift > 0 else (1, 0)
    buf[lo:lo + x.size] = x.ravel()
    out = buf[hi:hi + n].reshape(shape)
    return arrays[:-1] + (buf[lo:lo + x.size].reshape(x.shape),), out


def in_x(x, shape, step=1):
    """An out of ``shape`` in x's memory: x itself when the result has x's
    shape, else its first elements (reversed: its last, backwards)."""
    if step == 1 and x.shape == shape:
        return x
    flat = x.reshape(-1)[::step]
    out = flat[:int(np.prod(shape))].reshape(shape)
    assert np.shares_memory(out, x)
    return out


def wide(shape, dtype):
    return np.full(shape[:-1] + (2 * shape[-1],), 7, dtype)


def backwards(ndim):
    """Every axis reversed, the last one with step 2 (of a ``wide`` array)."""
    return (slice(None, None, -1),) * (ndim - 1) + (slice(None, None, -2),)


# Accepted variants: name -> (arrays, shape, dtype) -> (arrays, out); out of
# the result's shape and dtype, sharing memory with the inputs or not.
OUT_OK = {
    "new": lambda a, s, d: (a, np.empty(s, d)),
    "in x": lambda a, s, d: (a, in_x(a[-1], s)),
    "grad_output itself": lambda a, s, d: (a, a[0]),
    "overlap ahead": lambda a, s, d: overlapping(a, +1, s),
    "overlap behind": lambda a, s, d: overlapping(a, -1, s),
    "x reversed": lambda a, s, d: (a, in_x(a[-1], s, -1)),
    "strided": lambda a, s, d: (a, wide(s, d)[..., ::2]),
    "negative strides": lambda a, s, d: (a, wide(s, d)[backwards(len(s))]),
    "fortran": lambda a, s, d: (a, np.asfortranarray(np.empty(s, d))),
}


def gy_has_the_result_shape(call):
    """grad_output can be the out of a backward (softmax: yes; logsumexp,
    maxout, gated: it is smaller)."""
    shape = call.adapter.fit((3, 7))
    return call.backward and call.shapes(shape)[0] == shape


OUT_CASES = [(c, v) for c in CALLS for v in OUT_OK
             if v != "grad_output itself" or gy_has_the_result_shape(c)]


@pytest.mark.parametrize("call,variant", OUT_CASES, ids=[f"{c.name}-{v}" for c, v in OUT_CASES])
def test_out_variants_give_the_answer(call, variant):
    for dtype in (np.float16, np.float32, np.float64):
        big = dtype == np.float64 and variant not in ("new", "fortran")   # others share memory
        for shape in ((3, 7),) + ((5, BIG // 5),) * big:
            shape = call.adapter.fit(shape)
            arrays = inputs(call, dtype, shape)
            expected = call.fn(*(a.copy() for a in arrays))
            arrays, out = OUT_OK[variant](arrays, call.out_shape(shape), dtype)
            assert call.fn(*arrays, out=out) is out
            np.testing.assert_array_equal(out, expected)
            if variant in ("strided", "negative strides"):
                out[...] = 7                     # nothing was written between
                assert np.all(out.base == 7)


def test_out_memmap(tmp_path):
    for call in CALLS:
        shape = call.adapter.fit((4, 5))
        arrays = inputs(call, np.float32, shape)
        out = np.memmap(tmp_path / f"{call.name}.dat", dtype=np.float32, mode="w+",
                        shape=call.out_shape(shape))
        assert call.fn(*arrays, out=out) is out
        np.testing.assert_array_equal(out, call.fn(*arrays))


def read_only_out(shape, dtype):
    out = np.full(shape, 7, dtype)
    out.flags.writeable = False
    return out


def other_shape(s):
    """s reversed, or with the last axis one longer if that is s."""
    return s[::-1] if s[::-1] != s else s[:-1] + (s[-1] + 1,)


# Refused variants: name -> (shape, dtype) -> (out, exception, message).
OUT_REFUSED = {
    "wrong shape": lambda s, d: (np.full(other_shape(s), 7, d), ValueError, "shape"),
    "broadcastable shape": lambda s, d: (np.full((2,) + s, 7, d), ValueError, "shape"),
    "one element short": lambda s, d: (np.full(s[:-1] + (s[-1] - 1,), 7, d), ValueError, "shape"),
    "wrong float dtype": lambda s, d: (np.full(s, 7, np.float32 if d == np.float64 else np.float64),
                                       TypeError, "dtype"),
    "integer dtype": lambda s, d: (np.full(s, 7, np.int64), TypeError, "dtype"),
    "read-only": lambda s, d: (read_only_out(s, d), ValueError, "read-only"),
    "a list": lambda s, d: (np.full(s, 7).tolist(), TypeError, "ndarray"),
}


@pytest.mark.parametrize("variant", OUT_REFUSED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_refused_out_is_untouched(call, variant):
    shape = call.adapter.fit((3, 7))
    for dtype in (np.float32, np.float64):
        arrays = inputs(call, dtype, shape)
        out, exc, what = OUT_REFUSED[variant](call.out_shape(shape), dtype)
        before = np.array(out, copy=True)
        with raises_naming(exc, call, what):
            call.fn(*arrays, out=out)
        np.testing.assert_array_equal(np.asarray(out), before)


# ---- against an independent reference, every axis, bad axes -----------------

def assert_near(got, want, tol, what):
    """NaN where the reference is NaN, the same infinities, and finite
    values within ``tol`` of it (adapters.mismatch)."""
    why = mismatch(got, want, tol)
    assert why is None, f"{what}: {why}"


def finite(a):
    return np.nan_to_num(a, nan=0.5, posinf=3.0, neginf=-3.0)


def rng_mask(shape, seed):
    """A where= mask: random, one row with nothing selected, one with all."""
    w = np.random.default_rng(seed).random(shape) < 0.6
    w[0] = False
    w[-1] = True
    return w


def reference_cases(call):
    """(shape, keywords) to compare with the reference: the matrix's shapes
    with the defaults, a 3-d input along every valid axis, and the other
    parameters the references know (temperature, where, keepdims)."""
    adapter, params = call.adapter, call.adapter.record.params
    cases = [(shape, {}) for shape in SHAPES]
    cases += [((2, 3, 4), {"axis": axis}) for axis in adapter.valid_axes(3)]
    if "temperature" in params:
        cases += [((3, 6), {"temperature": 0.37}), ((3, 6), {"temperature": 4.0})]
    if "where" in params:
        cases += [((4, 6), {"where": rng_mask((4, 6), 1)}),
                  ((4, 6), {"where": rng_mask((4, 1), 2), "axis": 0}),
                  ((2, 3, 4), {"where": rng_mask((2, 3, 4), 3), "axis": (0, 2)})]
    if "keepdims" in params:
        cases += [((2, 3, 4), {"keepdims": True, "axis": a}) for a in (1, (0, 2), None)]
    return cases


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_matches_the_independent_reference(call):
    """float64 results against the adapter's reference, which shares no code
    with fastact: special values (inf, NaN, -0.0) among the inputs where the
    reference knows their limits (all but the element-wise mpmath
    references, whose limits test_behaviour.py checks)."""
    for k, (shape, kw) in enumerate(reference_cases(call)):
        shape = call.adapter.fit(shape, **kw)
        arrays = inputs(call, np.float64, shape, seed=k, **kw)
        if not call.adapter.reference_specials:
            arrays = tuple(map(finite, arrays))
        got = call.fn(*arrays, **kw)
        assert np.shape(got) == call.out_shape(shape, **kw)
        want, tol = call.reference(*arrays, **kw)
        assert_near(got, want, tol, f"{call.name} {shape} {kw}")


AXIS_CALLS = [c for c in CALLS if c.adapter.bad_axes(2)]


@pytest.mark.parametrize("call", AXIS_CALLS, ids=[c.name for c in AXIS_CALLS])
def test_bad_axes_are_refused_and_out_untouched(call):
    """Out of range: AxisError; not an int (or a tuple, where one int is
    needed): TypeError; repeated: ValueError; each naming the function."""
    shape = call.adapter.fit((4, 6))
    arrays = inputs(call, np.float64, shape)
    out = np.full(call.out_shape(shape), 7.0)
    for axis, exc in call.adapter.bad_axes(len(shape)):
        with raises_naming(exc, call):
            call.fn(*arrays, axis=axis, out=out)
        assert np.all(out == 7), axis

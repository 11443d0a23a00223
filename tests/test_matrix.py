"""The behaviour matrix (API.md section 4), driven by ``fastact.ACTIVATIONS``:
every public function, forward and backward, over input dtypes and shapes,
memory layouts, and ``out=`` variants.

Each case gives the right answer -- the same function computed in float64
on a contiguous copy of the input, bitwise where section 5 promises the same
bits (float64, integers, any layout), to the precision of the dtype
otherwise -- or the exception section 4 names, with a message naming the
function; a refused call leaves ``out`` untouched, and no call writes to its
inputs. Functions added to the registry are covered through
``tests/adapters.py``.
"""

import re

import numpy as np
import pytest

import fastact as fa
from adapters import ADAPTERS, CALLS

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


def inputs(call, dtype, shape, seed=0):
    """The data arrays of a call, of ``dtype``: (x,) or (grad_output, x);
    grad_output finite (inf * a derivative that underflows in float32 but
    not in float64 would make NaN against inf)."""
    shapes = call.shapes(shape)
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


@pytest.mark.xfail(strict=True, reason="adapters for the 'axis' and 'gated' kinds are "
                   "not written yet (issue 7 is open for it); strict: this turns "
                   "into a failure as soon as they exist, to remove the mark")
def test_every_kind_has_an_adapter():
    kinds = {rec.kind for rec in fa.ACTIVATIONS.values()}
    missing = kinds - set(ADAPTERS)
    assert not missing, f"add an adapter for {missing} to tests/adapters.py"
    assert len(CALLS) == 2 * len(fa.ACTIVATIONS)


# ---- dtypes x shapes ------------------------------------------------------

@pytest.mark.parametrize("dtype", ACCEPTED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_accepted_dtypes_and_shapes(call, dtype):
    for shape in SHAPES + [(BIG,)] * (dtype in THREADED):
        if not call.adapter.valid_shape(shape):
            continue
        arrays = inputs(call, dtype, shape)
        copies = [a.copy() for a in arrays]
        got = call.fn(*arrays)
        unchanged(arrays, copies)
        assert np.shape(got) == call.adapter.result_shape(shape)
        if shape == ():
            assert isinstance(got, np.generic), type(got)     # a NumPy scalar, as a ufunc
        assert_matches_truth(np.asarray(got), truth(call, arrays), dtype)
        out = np.full(np.shape(got), 7, result_dtype(dtype))
        assert call.fn(*arrays, out=out) is out
        np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("dtype", REFUSED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_refused_dtypes_name_the_function(call, dtype):
    shape = (3,)
    good = inputs(call, np.float64, shape)
    out = np.full(call.adapter.result_shape(shape), 7.0)
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


# name -> view of a 2-D base array of the same values (the base is larger
# where the view takes a part of it)
LAYOUTS = {
    "strided": lambda b, p: b[::2, ::3],
    "negative": lambda b, p: b[::-1, ::-2],
    "fortran": lambda b, p: np.asfortranarray(b),
    "transposed": lambda b, p: b.T,
    "broadcast": lambda b, p: np.broadcast_to(b[1], b.shape),
    "read-only": lambda b, p: read_only(b),
    "memmap": lambda b, p: memmap(b, p),
    "unaligned": lambda b, p: unaligned(b),
    "byteswapped": lambda b, p: byteswapped(b),
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
            if not call.adapter.valid_shape(shape):
                continue
            arrays = tuple(LAYOUTS[layout](a, tmp_path / f"{k}.dat")
                           for k, a in enumerate(inputs(call, dtype, shape)))
            copies = [np.array(a, dtype=a.dtype.newbyteorder("="), order="C") for a in arrays]
            got = call.fn(*arrays)
            unchanged(arrays, copies)
            np.testing.assert_array_equal(got, call.fn(*copies))
            assert got.dtype == result_dtype(dtype)


# ---- out= -----------------------------------------------------------------

def overlapping(arrays, shift):
    """The last data array (x) copied into a buffer one element longer, and
    an out in the same buffer ``shift`` elements further on (-1: behind)."""
    x = arrays[-1]
    buf = np.empty(x.size + 1, x.dtype)
    lo, hi = (0, 1) if shift > 0 else (1, 0)
    buf[lo:lo + x.size] = x.ravel()
    out = buf[hi:hi + x.size].reshape(x.shape)
    return arrays[:-1] + (buf[lo:lo + x.size].reshape(x.shape),), out


def wide(shape, dtype):
    return np.full(shape[:-1] + (2 * shape[-1],), 7, dtype)


# Accepted variants: name -> (arrays, shape, dtype) -> (arrays, out); out of
# the result's shape and dtype, sharing memory with the inputs or not.
OUT_OK = {
    "new": lambda a, s, d: (a, np.empty(s, d)),
    "x itself": lambda a, s, d: (a, a[-1]),
    "grad_output itself": lambda a, s, d: (a, a[0]),
    "overlap ahead": lambda a, s, d: overlapping(a, +1),
    "overlap behind": lambda a, s, d: overlapping(a, -1),
    "x reversed": lambda a, s, d: (a, a[-1][::-1, ::-1]),
    "strided": lambda a, s, d: (a, wide(s, d)[:, ::2]),
    "negative strides": lambda a, s, d: (a, wide(s, d)[::-1, ::-2]),
    "fortran": lambda a, s, d: (a, np.asfortranarray(np.empty(s, d))),
}


OUT_CASES = [(c, v) for c in CALLS for v in OUT_OK
             if c.backward or v != "grad_output itself"]


@pytest.mark.parametrize("call,variant", OUT_CASES, ids=[f"{c.name}-{v}" for c, v in OUT_CASES])
def test_out_variants_give_the_answer(call, variant):
    for dtype in (np.float16, np.float32, np.float64):
        big = dtype == np.float64 and variant not in ("new", "fortran")   # others share memory
        for shape in ((3, 7),) + ((5, BIG // 5),) * big:
            arrays = inputs(call, dtype, shape)
            expected = call.fn(*(a.copy() for a in arrays))
            arrays, out = OUT_OK[variant](arrays, call.adapter.result_shape(shape), dtype)
            assert call.fn(*arrays, out=out) is out
            np.testing.assert_array_equal(out, expected)
            if variant in ("strided", "negative strides"):
                out[...] = 7                     # nothing was written between
                assert np.all(out.base == 7)


def test_out_memmap(tmp_path):
    for call in CALLS:
        arrays = inputs(call, np.float32, (4, 5))
        out = np.memmap(tmp_path / f"{call.name}.dat", dtype=np.float32, mode="w+", shape=(4, 5))
        assert call.fn(*arrays, out=out) is out
        np.testing.assert_array_equal(out, call.fn(*arrays))


def read_only_out(shape, dtype):
    out = np.full(shape, 7, dtype)
    out.flags.writeable = False
    return out


# Refused variants: name -> (shape, dtype) -> (out, exception, message).
OUT_REFUSED = {
    "wrong shape": lambda s, d: (np.full(s[::-1], 7, d), ValueError, "shape"),
    "broadcastable shape": lambda s, d: (np.full((2,) + s, 7, d), ValueError, "shape"),
    "one element short": lambda s, d: (np.full(s[:-1] + (s[-1] - 1,), 7, d), ValueError, "shape"),
    "wrong float dtype": lambda s, d: (np.full(s, 7, np.float32 if d == np.float64 else np.float64),
                                       TypeError, "dtype"),
    "integer dtype": lambda s, d: (np.full(s, 7, np.int64), TypeError, "dtype"),
    "read-only": lambda s, d: (read_only_out(s, d), ValueError, "read-only"),
    "a list": lambda s, d: ([[7] * s[1]] * s[0], TypeError, "ndarray"),
}


@pytest.mark.parametrize("variant", OUT_REFUSED)
@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_refused_out_is_untouched(call, variant):
    for dtype in (np.float32, np.float64):
        arrays = inputs(call, dtype, (3, 7))
        out, exc, what = OUT_REFUSED[variant](call.adapter.result_shape((3, 7)), dtype)
        before = np.array(out, copy=True)
        with raises_naming(exc, call, what):
            call.fn(*arrays, out=out)
        np.testing.assert_array_equal(np.asarray(out), before)

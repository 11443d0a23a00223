"""The axis functions' fast path (_kernels.last_axis_rows, _axis_fast.pxi):
C-contiguous float arrays reduced along their last axis go straight to the
kernel, without _layout.run's search. It must give the general path's bits,
serve the common calls, and leave every other call (overlaps, wrong out=,
parameters to check) to the general path."""

import numpy as np
import pytest

import fastact as fa
from fastact import _axis, _layout

SHAPES = [(2,), (5,), (1, 7), (3, 7), (1, 1, 9), (2, 1, 9), (4, 3, 2), (1, 3, 1, 5), (130, 17)]

# name -> f(x, g, axis): every function with a fast path, forward and backward
CALLS = {
    "softmax": lambda x, g, ax: fa.softmax(x, axis=ax),
    "log_softmax": lambda x, g, ax: fa.log_softmax(x, axis=ax),
    "softmin T=0.7": lambda x, g, ax: fa.softmin(x, axis=ax, temperature=0.7),
    "logsumexp": lambda x, g, ax: fa.logsumexp(x, axis=ax),
    "logsumexp keepdims": lambda x, g, ax: fa.logsumexp(x, axis=ax, keepdims=True),
    "softmax_backward y": lambda x, g, ax: fa.softmax_backward(g, y=x, axis=ax),
    "log_softmax_backward x": lambda x, g, ax: fa.log_softmax_backward(g, x, axis=ax),
    "softmin_backward x": lambda x, g, ax: fa.softmin_backward(g, x, axis=ax),
    "logsumexp_backward": lambda x, g, ax: fa.logsumexp_backward(g[..., 0].copy(), x, axis=ax),
    "logsumexp_backward keepdims": lambda x, g, ax: fa.logsumexp_backward(
        g[..., :1].copy(), x, axis=ax, keepdims=True),
}


def _bits(a):
    a = np.asarray(a)
    return a.dtype, a.shape, a.tobytes()


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_gives_the_general_paths_bits(name, dtype, monkeypatch):
    # axis=-1 takes the fast path (the layout search refused); the same axis
    # as a tuple the general one
    rng = np.random.default_rng(5)
    f = CALLS[name]
    real_run = _layout.run
    for shape in SHAPES:
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        x.flat[::5] = x.flat[::3]                # ties with the maximum sometimes
        g = rng.standard_normal(shape).astype(dtype)
        monkeypatch.setattr(_layout, "run", _refuse)
        fast = f(x, g, -1)
        monkeypatch.setattr(_layout, "run", real_run)
        general = f(x, g, (x.ndim - 1,))
        assert type(fast) is type(general)
        assert _bits(fast) == _bits(general), (shape, name)


def _refuse(*args, **kwargs):
    raise AssertionError("the general path ran")


@pytest.mark.parametrize("name", CALLS)
def test_common_calls_skip_the_layout_search(name, monkeypatch):
    x = np.random.default_rng(1).standard_normal((8, 100)).astype(np.float32)
    g = np.ones_like(x)
    expected = CALLS[name](x, g, (1,))
    monkeypatch.setattr(_layout, "run", _refuse)
    assert np.array_equal(CALLS[name](x, g, -1), expected)
    assert np.array_equal(CALLS[name](x, g, 1), expected)


def test_fast_path_out_in_place_and_overlapping():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 50))
    g = rng.standard_normal((6, 50))
    y = fa.softmax(x)
    expected = fa.softmax_backward(g, y=y, axis=(1,))
    # out is the input itself: allowed, each entry is read before it is written
    a = x.copy()
    assert fa.softmax(a, out=a) is a
    assert np.array_equal(a, y)
    b = g.copy()
    assert fa.softmax_backward(b, y=y, out=b) is b
    assert np.array_equal(b, expected)
    # another object on the same memory, or a shifted window of it: the
    # general path (through a temporary where they differ)
    a = x.copy()
    assert np.array_equal(fa.softmax(a, out=a.view()), y)
    buf = np.concatenate([x.ravel(), np.zeros(50)])
    inp = buf[:300].reshape(6, 50)
    out = buf[50:].reshape(6, 50)
    fa.softmax(inp, out=out)
    assert np.array_equal(out, y)
    # logsumexp into a contiguous out, keepdims or not
    lse = fa.logsumexp(x, axis=(1,))
    o = np.empty(6)
    assert fa.logsumexp(x, out=o) is o
    assert np.array_equal(o, lse)
    o = np.empty((6, 1))
    assert fa.logsumexp(x, keepdims=True, out=o) is o
    assert np.array_equal(o[:, 0], lse)
    # one row: a NumPy scalar, as in the general path
    r = fa.logsumexp(x[0])
    assert type(r) is np.float64 and r == lse[0]


@pytest.mark.parametrize("call, error, match", [
    (lambda x: fa.softmax(x, out=np.empty((4, 9))), ValueError, "out has shape"),
    (lambda x: fa.softmax(x, out=np.empty((4, 10), np.float32)), TypeError, "out has dtype"),
    (lambda x: fa.softmax(x, out=np.empty((4, 10))[:, ::-1]), None, None),
    (lambda x: fa.softmax(x, temperature=float("nan")), ValueError, "temperature"),
    (lambda x: fa.softmax(x, temperature=0.0), ValueError, "temperature"),
    (lambda x: fa.softmax(x, axis=2), _axis.AxisError, None),
    (lambda x: fa.softmax_backward(np.ones((4, 9)), y=x), ValueError, "grad_output"),
    (lambda x: fa.logsumexp(x, out=np.empty(5)), ValueError, "out has shape"),
])
def test_calls_the_fast_path_declines_are_checked(call, error, match):
    x = np.random.default_rng(3).standard_normal((4, 10))
    if error is None:                             # declined, then served in general
        assert np.array_equal(call(x), fa.softmax(x, axis=(1,)))
    else:
        with pytest.raises(error, match=match):
            call(x)


def test_declined_calls_raise_the_general_paths_errors():
    x = np.random.default_rng(3).standard_normal((4, 10))
    ro = np.empty((4, 10))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fa.softmax(x, out=ro)
    with pytest.raises(ValueError, match="read-only"):
        fa.logsumexp_backward(np.ones(4), x, out=ro)
    # a backward without grad_output
    for call in (lambda: fa.softmax_backward(None, x), lambda: fa.softmax_backward(None, y=x),
                 lambda: fa.log_softmax_backward(None, x),
                 lambda: fa.logsumexp_backward(None, x)):
        with pytest.raises(TypeError, match="grad_output"):
            call()


def test_fast_path_other_parameters_as_the_general_path():
    # an int temperature, a float16 input, a Python-scalar grad_output and a
    # where= mask are declined by the fast path; results as documented
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 8))
    assert np.array_equal(fa.softmax(x, temperature=2), fa.softmax(x, temperature=2.0))
    h = x.astype(np.float16)
    assert fa.softmax(h).dtype == np.float16
    y = fa.softmax(x)
    assert np.array_equal(fa.softmax_backward(1.0, y=y), fa.softmax_backward(np.ones_like(y), y=y))
    w = np.ones_like(x, dtype=bool)
    assert np.array_equal(fa.softmax(x, where=w), y)


class _Sub(np.ndarray):
    pass


def _declined_cases():
    """(label, op, x, g, out, axis, temperature, where, keepdims): calls the
    fast path must leave to the general path."""
    x = np.random.default_rng(6).standard_normal((3, 8))
    sm, lse, bwd = _axis._SOFTMAX, _axis._LSE, _axis._SOFTMAX_BWD
    lseb = _axis._LSE_BWD
    ro = np.empty_like(x)
    ro.flags.writeable = False
    unaligned = np.frombuffer(np.zeros(x.nbytes + 1, np.uint8)[1:].data, np.float64)
    return [
        ("list", sm, x.tolist(), None, None, -1, 1.0, None, None),
        ("subclass", sm, x.view(_Sub), None, None, -1, 1.0, None, None),
        ("not contiguous", sm, x[:, ::2], None, None, -1, 1.0, None, None),
        ("Fortran order", sm, np.asfortranarray(x), None, None, -1, 1.0, None, None),
        ("unaligned", sm, unaligned.reshape(3, 8), None, None, -1, 1.0, None, None),
        ("byte-swapped", sm, x.astype(">f8"), None, None, -1, 1.0, None, None),
        ("float16", sm, x.astype(np.float16), None, None, -1, 1.0, None, None),
        ("int", sm, np.arange(8), None, None, -1, 1.0, None, None),
        ("0-d", sm, np.float64(2.0) * np.ones(()), None, None, -1, 1.0, None, None),
        ("one entry", sm, x[:, :1].copy(), None, None, -1, 1.0, None, None),
        ("axis 0", sm, x, None, None, 0, 1.0, None, None),
        ("axis bool", sm, x, None, None, True, 1.0, None, None),
        ("axis np.int64", sm, x, None, None, np.int64(-1), 1.0, None, None),
        ("axis out of range", sm, x, None, None, 2, 1.0, None, None),
        ("axis huge", sm, x, None, None, 2**70, 1.0, None, None),
        ("temperature int", sm, x, None, None, -1, 2, None, None),
        ("temperature nan", sm, x, None, None, -1, float("nan"), None, None),
        ("temperature inf", sm, x, None, None, -1, float("inf"), None, None),
        ("temperature 0", sm, x, None, None, -1, 0.0, None, None),
        ("temperature < 0", sm, x, None, None, -1, -1.0, None, None),
        ("where", sm, x, None, None, -1, 1.0, np.ones(x.shape, bool), None),
        ("out read-only", sm, x, None, ro, -1, 1.0, None, None),
        ("out shape", sm, x, None, np.empty((3, 7)), -1, 1.0, None, None),
        ("out dtype", sm, x, None, np.empty(x.shape, np.float32), -1, 1.0, None, None),
        ("out a view of x", sm, x, None, x.view(), -1, 1.0, None, None),
        ("out list", sm, x, None, [0.0] * 24, -1, 1.0, None, None),
        ("g shape", bwd, x, np.ones((3, 1)), None, -1, 1.0, None, None),
        ("g dtype", bwd, x, np.ones(x.shape, np.float32), None, -1, 1.0, None, None),
        ("g scalar", bwd, x, 1.0, None, -1, 1.0, None, None),
        ("out over g", bwd, x, np.ones_like(x), None, -1, 1.0, None, "out=g view"),
        ("keepdims int", lse, x, None, None, -1, 1.0, None, 1),
        ("keepdims None", lse, x, None, None, -1, 1.0, None, None),
        ("lse out shape", lse, x, None, np.empty((3, 1)), -1, 1.0, None, False),
        ("lse' g broadcast", lseb, x, np.ones(1), None, -1, 1.0, None, False),
        ("lse' g keepdims", lseb, x, np.ones((3, 1)), None, -1, 1.0, None, False),
        ("lse' g without", lseb, x, np.ones(3), None, -1, 1.0, None, True),
        ("lse' g x's shape", lseb, x, np.ones_like(x), None, -1, 1.0, None, False),
        ("lse' g dtype", lseb, x, np.ones(3, np.float32), None, -1, 1.0, None, False),
        ("lse' out shape", lseb, x, np.ones(3), np.empty(3), -1, 1.0, None, False),
        ("lse' out dtype", lseb, x, np.ones(3), np.empty(x.shape, np.float32), -1, 1.0,
         None, False),
        ("lse' out read-only", lseb, x, np.ones(3), ro, -1, 1.0, None, False),
        ("g None", bwd, x, None, None, -1, 1.0, None, None),
        ("lse' g None", lseb, x, None, None, -1, 1.0, None, False),
        ("forward with g", sm, x, np.ones_like(x), None, -1, 1.0, None, None),
    ]


@pytest.mark.parametrize("case", _declined_cases(), ids=lambda c: c[0])
def test_fast_path_declines_without_writing(case):
    label, op, x, g, out, axis, T, where, keepdims = case
    if keepdims == "out=g view":                 # another object on g's memory
        out, keepdims = g.view(), None
    before = None if out is None or isinstance(out, list) else np.array(out, copy=True)
    args = (op, 1.0, x, g, out, axis, T, where, op == _axis._SOFTMAX_BWD)
    if op in (_axis._LSE, _axis._LSE_BWD):
        assert _axis._k.last_axis_rows(*args, keepdims) is None
    else:
        assert _axis._k.last_axis_rows(*args) is None
    if before is not None:
        assert _bits(out) == _bits(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_empty_and_many_dimensions(dtype):
    # no rows: an empty result of the right shape; 32 dimensions: the same
    # as the general path
    x = np.empty((0, 4), dtype)
    assert fa.softmax(x).shape == (0, 4)
    assert fa.logsumexp(x).shape == (0,)
    assert fa.logsumexp(x, keepdims=True).shape == (0, 1)
    x = np.random.default_rng(8).standard_normal((1,) * 30 + (2, 3)).astype(dtype)
    assert _bits(fa.softmax(x)) == _bits(fa.softmax(x, axis=(31,)))
    assert _bits(fa.logsumexp(x, keepdims=True)) == \
        _bits(fa.logsumexp(x, axis=(31,), keepdims=True))


def _pool(rng):
    """Values for each argument of last_axis_rows: good and bad."""
    x = rng.standard_normal((3, 5))
    arrays = [x, x.astype(np.float32), x[:, :1].copy(), x.T, x[0], np.ones(()),
              np.ones(3), np.ones((3, 1)), np.ones((3, 5), np.float32), x.view(_Sub),
              x.astype(">f8"), np.arange(15).reshape(3, 5), np.empty((0, 5)), [1.0, 2.0],
              1.5, None, "x"]
    return {
        "op": list(range(6)),
        "sg": [1.0, -1.0],
        "x": arrays,
        "g": arrays,
        "out": arrays + [np.empty((3, 5)), np.empty(3), np.empty((3, 1)), x],
        "axis": [-1, 1, 0, 2, -2, None, True, 1.0, (1,), np.int64(-1), 2**70],
        "temperature": [1.0, 0.5, 2, float("nan"), float("inf"), 0.0, -1.0, None, 1e-320],
        "where": [None, True, np.ones((3, 5), bool)],
        "from_y": [False, True],
        "keepdims": [None, False, True, 1, np.True_],
    }


_PUBLIC = {  # (op, sg) -> the public function it stands for
    (_axis._SOFTMAX, 1.0): fa.softmax, (_axis._SOFTMAX, -1.0): fa.softmin,
    (_axis._LOG_SOFTMAX, 1.0): fa.log_softmax,
    (_axis._SOFTMAX_BWD, 1.0): fa.softmax_backward,
    (_axis._SOFTMAX_BWD, -1.0): fa.softmin_backward,
    (_axis._LOG_SOFTMAX_BWD, 1.0): fa.log_softmax_backward,
    (_axis._LSE, 1.0): fa.logsumexp, (_axis._LSE_BWD, 1.0): fa.logsumexp_backward,
}


def _general(op, sg, x, g, temperature, from_y, keepdims):
    """The general path's result for the call last_axis_rows stood for, or
    None where no public call passes these arguments."""
    f = _PUBLIC.get((op, sg))
    axis = (np.ndim(x) - 1,)
    if f is None or (from_y and op not in (_axis._SOFTMAX_BWD, _axis._LOG_SOFTMAX_BWD)):
        return None
    if op in (_axis._LSE, _axis._LSE_BWD) and temperature != 1.0:   # none in public
        return None
    if op == _axis._LSE:
        return f(x, axis=axis, keepdims=keepdims)
    if op == _axis._LSE_BWD:
        return f(g, x, axis=axis, keepdims=keepdims)
    if op in (_axis._SOFTMAX, _axis._LOG_SOFTMAX):
        return f(x, axis=axis, temperature=temperature)
    src = {"y": x} if from_y else {"x": x}
    return f(g, **src, axis=axis, temperature=temperature)


@pytest.mark.parametrize("seed", range(4))
def test_random_arguments_never_crash(seed):
    # last_axis_rows on random mixes of good and bad arguments (out may be
    # an input, or any other array): None, or the general path's result
    rng = np.random.default_rng(seed)
    pool = _pool(rng)
    ro = np.empty((3, 5))
    ro.flags.writeable = False
    pool["out"].append(ro)
    served = 0
    for _ in range(1500):
        # a call the fast path takes, then each argument swapped for a pool
        # value with probability 0.15
        args = _good_call(rng)
        for k, v in enumerate(pool.values()):
            if rng.random() < 0.15:
                args[k] = v[rng.integers(len(v))]
        op, sg, x, g, out, axis, temperature, where, from_y, keepdims = args
        x0, g0 = copy_of(x), copy_of(g)
        r = _axis._k.last_axis_rows(*args)
        if r is None:
            continue
        served += 1
        assert out is None or r is out
        want = _general(op, sg, x0, g0, temperature, from_y, keepdims)
        if want is not None:
            assert np.shape(r) == np.shape(want), args
            np.testing.assert_array_equal(r, want)
    assert served > 200                           # the mix reaches the kernel


def _good_call(rng):
    """Arguments of a call last_axis_rows takes, in its order."""
    op = int(rng.integers(6))
    dtype = (np.float32, np.float64)[rng.integers(2)]
    shape = [(7,), (4, 9), (2, 3, 5), (0, 4)][rng.integers(4)]
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    keepdims = bool(rng.integers(2))
    lse_shape = shape[:-1] + (1,) * keepdims
    g = None
    if op in (_axis._SOFTMAX_BWD, _axis._LOG_SOFTMAX_BWD):
        g = rng.standard_normal(shape).astype(dtype)
    elif op == _axis._LSE_BWD:
        g = rng.standard_normal(lse_shape).astype(dtype)
    out = None
    if rng.random() < 0.3:
        out = np.empty(lse_shape if op == _axis._LSE else shape, dtype)
    sg = -1.0 if op in (_axis._SOFTMAX, _axis._SOFTMAX_BWD) and rng.random() < 0.3 else 1.0
    T = 1.0 if op in (_axis._LSE, _axis._LSE_BWD) else [1.0, 0.5, 3.0][rng.integers(3)]
    return [op, sg, x, g, out, -1, T, None,
            bool(rng.integers(2)) and op in (_axis._SOFTMAX_BWD, _axis._LOG_SOFTMAX_BWD),
            keepdims]


def copy_of(a):
    return a.copy() if isinstance(a, np.ndarray) else a

"""The axis functions' fast path (fastact._axis._last_axis): C-contiguous
float arrays reduced along their last axis go straight to the kernel,
without _layout.run's search. It must hand the kernel exactly what the
general path hands it, serve the common calls, and leave every other call
(overlaps, wrong out=, parameters to check) to the general path."""

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
}


@pytest.fixture
def kernel_calls(monkeypatch):
    """The kernel's arguments, call by call (defaults filled in)."""
    calls = []
    real = _axis._k.axis_reduce

    def spy(op, dims, arrays, T=1.0, sg=1.0, from_y=False, ret_sign=False):
        calls.append((op, dims, {n: s for n, (_, s) in arrays.items()}, T, sg, from_y,
                      ret_sign))
        return real(op, dims, arrays, T=T, sg=sg, from_y=from_y, ret_sign=ret_sign)

    monkeypatch.setattr(_axis._k, "axis_reduce", spy)
    return calls


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_hands_the_kernel_what_the_general_path_does(name, dtype, kernel_calls):
    # axis=-1 takes the fast path; the same axis as a tuple the general one
    rng = np.random.default_rng(5)
    f = CALLS[name]
    for shape in SHAPES:
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        fast = f(x, g, -1)
        fast_call = kernel_calls[-1]
        general = f(x, g, (x.ndim - 1,))
        assert kernel_calls[-1] == fast_call, (shape, name)
        assert type(fast) is type(general)
        assert np.shape(fast) == np.shape(general)
        assert np.array_equal(fast, general), (shape, name)


@pytest.mark.parametrize("name", CALLS)
def test_common_calls_skip_the_layout_search(name, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the general path ran")

    x = np.random.default_rng(1).standard_normal((8, 100)).astype(np.float32)
    g = np.ones_like(x)
    expected = CALLS[name](x, g, (1,))
    monkeypatch.setattr(_layout, "run", refuse)
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
    ro = np.empty((4, 10))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fa.softmax(x, out=ro)
    if error is None:                             # declined, then served in general
        assert np.array_equal(call(x), fa.softmax(x, axis=(1,)))
    else:
        with pytest.raises(error, match=match):
            call(x)


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

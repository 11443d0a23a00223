"""The element-wise functions' fast paths (generated from
_elementwise.py.tp): a float32/float64 ndarray (and a grad_output of the same
shape and dtype), no out=, goes to the ufunc without _api.run. The results
must be those of the general path, which out= takes."""

import numpy as np
import pytest

import fastact as fa
from fastact import _api
from fastact._table import ELEMENTWISE

ROWS = [row for row in ELEMENTWISE if row.module is None]

# parameters other than the defaults (and the required ones)
PARAMS = {
    "leaky_relu": {"negative_slope": 0.2},
    "elu": {"alpha": 0.7},
    "celu": {"alpha": 1.5},
    "hard_tanh": {"min_val": -0.5, "max_val": 2.0},
    "swish": {"beta": 1.7},
    "softplus": {"beta": 2.0, "threshold": 10.0},
    "hard_shrink": {"lambd": 0.3},
    "soft_shrink": {"lambd": 0.3},
    "threshold": {"threshold": 0.1, "value": -2.0},
    "gelu": {"approximate": "tanh"},
}


def _data(dtype):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((3, 37)) * 3).astype(dtype)
    g = rng.standard_normal((3, 37)).astype(dtype)
    return x, g


def _same(fast, general):
    assert type(fast) is np.ndarray and fast.dtype == general.dtype
    assert fast.shape == general.shape
    assert np.array_equal(fast, general, equal_nan=True)


@pytest.fixture
def no_general_path(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("_api.run ran")

    monkeypatch.setattr(_api, "run", refuse)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_fast_path_matches_the_general_path(row, dtype, monkeypatch):
    f = getattr(fa, row.name)
    kw = PARAMS.get(row.name, {})
    x, _ = _data(dtype)
    general = f(x, **kw, out=np.empty_like(x))
    monkeypatch.setattr(_api, "run", None)        # the fast path must not need it
    _same(f(x, **kw), general)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_fast_path_matches_the_general_path(row, dtype, monkeypatch):
    f = getattr(fa, row.name + "_backward")
    kw = PARAMS.get(row.name, {})
    x, g = _data(dtype)
    general = f(g, x, **kw, out=np.empty_like(x))
    from_y = bool(row.grad_from_y)                # PARAMS meet its conditions
    if from_y:
        y = getattr(fa, row.name)(x, **kw)
        general_y = f(g, y=y, **kw, out=np.empty_like(x))
    monkeypatch.setattr(_api, "run", None)
    _same(f(g, x, **kw), general)
    if from_y:
        _same(f(g, y=y, **kw), general_y)


def test_calls_the_fast_paths_decline(no_general_path):
    # each of these needs the general path, which the fixture refuses: the
    # fast path must have let them through to it
    x, g = _data(np.float32)
    calls = [
        lambda: fa.relu_backward(g.astype(np.float64), x),          # promotion
        lambda: fa.relu_backward(g[:1], x),                           # broadcast
        lambda: fa.relu_backward(1.0, x),                             # a scalar
        lambda: fa.leaky_relu(x, out=np.empty_like(x)),               # out=
        lambda: fa.leaky_relu(x.astype(np.float16)),                  # float16
        lambda: fa.gelu(x.astype(np.int32), approximate="tanh"),      # integers
    ]
    for call in calls:
        with pytest.raises(AssertionError, match="_api.run ran"):
            call()


def test_fast_paths_keep_the_general_paths_results_elsewhere():
    x, g = _data(np.float32)
    # promotion and broadcasting, as documented
    assert fa.relu_backward(g.astype(np.float64), x).dtype == np.float64
    assert np.array_equal(fa.relu_backward(g[:1], x), fa.relu_backward(np.repeat(g[:1], 3, 0), x))
    # a byte-swapped input takes the fast path; NumPy casts it into the loop
    swapped = x.astype(x.dtype.newbyteorder(">"))
    _same(fa.leaky_relu(swapped, negative_slope=0.2), fa.leaky_relu(x, negative_slope=0.2))
    _same(fa.silu_backward(g, swapped), fa.silu_backward(g, x))
    # parameter checks run before the fast path
    with pytest.raises(ValueError, match="alpha"):
        fa.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match="approximate"):
        fa.gelu(x, approximate="fast")
    with pytest.raises(TypeError, match="negative_slope"):
        fa.leaky_relu_backward(g, x, negative_slope="0.1")

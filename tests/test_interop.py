"""Arrays of other libraries (issue 6): element-wise functions go through
NumPy's ``__array_ufunc__`` dispatch, so the same kind of array comes back;
axis-wise functions and gated units run chunk by chunk on Dask arrays whose
rows lie in one chunk."""

import numpy as np
import pytest

import fastact as fa

ELEMENTWISE = sorted(n for n, r in fa.ACTIVATIONS.items() if r.kind == "elementwise")
# parameters for the functions that have required ones
PARAMS = {"prelu": {"weight": 0.25}, "threshold": {"threshold": 0.5, "value": -2.0}}
LAZY_BACKWARD = [n for n in ELEMENTWISE if n not in ("prelu", "rrelu")]


class Wrapped(np.lib.mixins.NDArrayOperatorsMixin):
    """A minimal array of 'another library': it takes part in ufunc dispatch
    and counts the calls that reach it (as Dask or xarray would)."""

    calls = 0

    def __init__(self, data):
        self.data = np.asarray(data)

    dtype = property(lambda self: self.data.dtype)
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)

    def __array__(self, dtype=None, copy=None):
        return self.data

    def astype(self, dtype):
        return Wrapped(self.data.astype(dtype))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        Wrapped.calls += 1
        inputs = [i.data if isinstance(i, Wrapped) else i for i in inputs]
        result = getattr(ufunc, method)(*inputs, **kwargs)
        return Wrapped(result)


X = np.linspace(-6, 6, 61)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_elementwise_dispatch_to_array_ufunc(name, dtype):
    fn = getattr(fa, name)
    x = X.astype(dtype)
    before = Wrapped.calls
    y = fn(Wrapped(x), **PARAMS.get(name, {}))
    assert isinstance(y, Wrapped) and Wrapped.calls > before
    expected = fn(x, **PARAMS.get(name, {}))
    assert y.dtype == expected.dtype                  # the dtype policy holds
    np.testing.assert_array_equal(y.data, expected)


@pytest.mark.parametrize("name", LAZY_BACKWARD)
def test_elementwise_backward_dispatch(name):
    back = getattr(fa, name + "_backward")
    x = X.astype(np.float32)
    gy = np.linspace(0.5, 2, x.size).astype(np.float32)
    kw = PARAMS.get(name, {})
    for args in [(Wrapped(gy), x), (gy, Wrapped(x)), (1.0, Wrapped(x))]:
        g = back(*args, **kw)
        assert isinstance(g, Wrapped) and g.dtype == np.float32
        np.testing.assert_array_equal(g.data, back(*[getattr(a, "data", a) for a in args],
                                                   **kw))


def test_dispatch_keeps_the_checks():
    with pytest.raises(ValueError, match="approximate must be"):
        fa.gelu(Wrapped(X), approximate="foo")
    with pytest.raises(TypeError, match="unsupported dtype complex128"):
        fa.relu(Wrapped(X + 1j))
    with pytest.raises(ValueError, match="does not broadcast"):
        fa.relu_backward(Wrapped(np.ones(3)), Wrapped(np.ones(4)))
    with pytest.raises(TypeError, match="needs x"):
        fa.gelu_backward(Wrapped(X), y=Wrapped(X))


def test_out_and_numpy_scalars_take_the_numpy_path():
    out = np.empty_like(X)
    assert fa.relu(Wrapped(X), out=out) is out         # computed into out
    np.testing.assert_array_equal(out, np.maximum(X, 0))
    assert isinstance(fa.relu(np.float64(-2.0)), np.float64)


# ---- Dask --------------------------------------------------------------------

def dask_array():
    da = pytest.importorskip("dask.array", reason="dask is not installed (examples extra)")
    x = np.random.default_rng(1).standard_normal((60, 24)).astype(np.float32) * 3
    return da, x, da.from_array(x, chunks=(16, 24))


@pytest.mark.parametrize("name", ["relu", "gelu", "sigmoid", "softplus", "prelu", "rrelu"])
def test_dask_elementwise_is_lazy(name):
    da, x, d = dask_array()
    fn = getattr(fa, name)
    y = fn(d, **PARAMS.get(name, {}))
    assert isinstance(y, da.Array) and y.chunks == d.chunks and y.dtype == np.float32
    np.testing.assert_array_equal(y.compute(), fn(x, **PARAMS.get(name, {})))
    if name in LAZY_BACKWARD:
        back = getattr(fa, name + "_backward")
        g = back(d, d, **PARAMS.get(name, {}))
        assert isinstance(g, da.Array)
        np.testing.assert_array_equal(g.compute(), back(x, x, **PARAMS.get(name, {})))


ROWWISE = [("softmax", (), {}), ("log_softmax", (), {"temperature": 2.0}),
           ("softmin", (), {"where": "mask"}), ("logsumexp", (), {}),
           ("logsumexp", (), {"keepdims": True, "b": 0.5}), ("logsumexp", (), {"b": "x"}),
           ("maxout", (3,), {}), ("glu", (), {}), ("swiglu", (), {}),
           ("geglu", (), {"approximate": "tanh"}), ("reglu", (), {})]


@pytest.mark.parametrize("name, args, kw", ROWWISE, ids=lambda v: str(v))
def test_dask_rowwise_chunk_by_chunk(name, args, kw):
    da, x, d = dask_array()
    fn = getattr(fa, name)
    kw = {k: {"mask": x > 0, "x": np.abs(x)}.get(v, v) if isinstance(v, str) and k != "approximate"
          else v for k, v in kw.items()}
    y = fn(d, *args, **kw)
    expected = fn(x, *args, **kw)
    assert isinstance(y, da.Array) and y.chunks[0] == d.chunks[0]
    assert y.dtype == expected.dtype
    np.testing.assert_array_equal(y.compute(), expected)    # same bits, row by row


def test_dask_rows_must_be_whole():
    da, x, d = dask_array()
    with pytest.raises(ValueError, match=r"rechunk first: x.rechunk\(\{0: -1\}\)"):
        fa.softmax(d, axis=0)
    np.testing.assert_array_equal(fa.softmax(d.rechunk({0: -1}), axis=0).compute(),
                                  fa.softmax(x, axis=0))
    with pytest.raises(ValueError, match="pieces must be a positive divisor"):
        fa.maxout(d, 7)                     # refused at the call, not at compute
    with pytest.raises(TypeError, match="not supported for a Dask array"):
        fa.logsumexp(d, return_sign=True)


def test_compiled_ufuncs_pickle_by_reference():
    """Dask ships its graphs to worker processes by pickle: the ufuncs must
    come back as themselves (in another process, that process's level)."""
    import pickle
    from fastact._dispatch import kernels
    for ufunc in (kernels.gelu, kernels.gelu_vjp, kernels.leaky_relu_vjp_y, kernels.glu_vjp):
        assert pickle.loads(pickle.dumps(ufunc)) is ufunc


def test_xarray_in_xarray_out():
    xr = pytest.importorskip("xarray", reason="xarray is not installed")
    a = xr.DataArray(X.reshape(61, 1).astype(np.float32), dims=("batch", "feature"))
    for y, expected in [(fa.gelu(a, approximate="tanh"), fa.gelu(a.values, approximate="tanh")),
                        (fa.leaky_relu_backward(1.0, a, negative_slope=0.2),
                         fa.leaky_relu_backward(1.0, a.values, negative_slope=0.2))]:
        assert isinstance(y, xr.DataArray) and y.dims == ("batch", "feature")
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y.values, expected)

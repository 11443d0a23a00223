"""What every element-wise function accepts and returns (API.md section 4):
dtypes, shapes, strides, out=, special values, errors, warnings."""

import numpy as np
import pytest

import fastact as fa
from references import REFERENCES, public_name

CASES = sorted(REFERENCES)
FLOATS = [np.float16, np.float32, np.float64]


def call(case, x, **kw):
    return getattr(fa, public_name(case))(x, **REFERENCES[case][0], **kw)


def grad(case, gy, x, **kw):
    return getattr(fa, public_name(case) + "_backward")(gy, x, **REFERENCES[case][0], **kw)


def float64_truth(case, x):
    """The float64 result, as the reference for other dtypes and layouts."""
    return call(case, np.asarray(x, dtype=np.float64))


SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 3, 4), (70001,)]   # 70001: threaded


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES)
def test_dtype_shape_grid(case, dtype, shape, threads):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    y = call(case, x)
    assert np.shape(y) == shape
    assert y.dtype == dtype
    if shape == ():
        assert isinstance(y, np.generic)            # a NumPy scalar, as a ufunc
    # float16 is computed in float32 and rounded once
    compute = np.float32 if dtype == np.float16 else dtype
    expected = call(case, x.astype(compute)).astype(dtype)
    np.testing.assert_array_equal(y, expected)
    # and agrees with float64 to the precision of the dtype
    np.testing.assert_allclose(y, float64_truth(case, x).astype(dtype),
                               rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).tiny)
    g = grad(case, 1.0, x)
    assert g.dtype == dtype and np.shape(g) == shape


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int32, np.int64, np.uint64])
@pytest.mark.parametrize("case", CASES)
def test_bool_and_integers_compute_in_float64(case, dtype):
    x = np.array([0, 1, 2, 3], dtype=np.int64).astype(dtype)
    y = call(case, x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, call(case, x.astype(np.float64)))
    assert grad(case, 1.0, x).dtype == np.float64


@pytest.mark.parametrize("case", CASES)
def test_lists_and_python_scalars(case):
    assert call(case, [1.0, -2.0]).dtype == np.float64
    assert isinstance(call(case, 0.5), np.float64)
    assert isinstance(call(case, np.float32(0.5)), np.float32)


@pytest.mark.parametrize("bad", [np.complex128, object, "U3", "M8[s]", "m8[s]"])
@pytest.mark.parametrize("case", CASES)
def test_unsupported_dtypes_raise_type_error(case, bad):
    x = np.zeros(3, dtype=bad)
    name = public_name(case)
    with pytest.raises(TypeError, match=f"fastact.{name}: unsupported dtype"):
        call(case, x)
    with pytest.raises(TypeError, match=f"fastact.{name}_backward"):
        grad(case, 1.0, x)


@pytest.mark.parametrize("case", CASES)
def test_strided_layouts_match_contiguous(case, threads):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((300, 401)) * 6
    for view in (base[::2, ::3], base.T, base[::-1, ::-2], np.asfortranarray(base)):
        np.testing.assert_array_equal(call(case, view), call(case, np.ascontiguousarray(view)))
        np.testing.assert_array_equal(grad(case, 1.0, view),
                                      grad(case, 1.0, np.ascontiguousarray(view)))


@pytest.mark.parametrize("case", CASES)
def test_read_only_input(case):
    x = np.linspace(-3, 3, 11)
    x.flags.writeable = False
    np.testing.assert_array_equal(call(case, x), float64_truth(case, x.copy()))


@pytest.mark.parametrize("case", CASES)
def test_out_argument(case, threads):
    x = np.linspace(-5, 5, 100_001)
    expected = call(case, x)
    out = np.empty_like(x)
    assert call(case, x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    # in place
    x2 = x.copy()
    assert call(case, x2, out=x2) is x2
    np.testing.assert_array_equal(x2, expected)
    # partial overlap: out is x shifted by one element
    buf = np.concatenate([x, [0.0]])
    call(case, buf[:-1], out=buf[1:])
    np.testing.assert_array_equal(buf[1:], expected)
    # non-contiguous out
    wide = np.zeros(2 * x.size)
    call(case, x, out=wide[::2])
    np.testing.assert_array_equal(wide[::2], expected)
    assert not wide[1::2].any()
    # backward into out
    gout = np.empty_like(x)
    assert grad(case, 1.0, x, out=gout) is gout
    np.testing.assert_array_equal(gout, grad(case, 1.0, x))


@pytest.mark.parametrize("case", CASES)
def test_bad_out_is_refused_and_untouched(case):
    x = np.linspace(-1, 1, 6)
    name = public_name(case)
    for out, err, msg in [
        (np.full(5, 7.0), ValueError, "shape"),
        (np.full((2, 6), 7.0), ValueError, "shape"),
        (np.full(6, 7.0, dtype=np.float32), TypeError, "dtype"),
        (np.full(6, 7, dtype=np.int64), TypeError, "dtype"),
    ]:
        with pytest.raises(err, match=f"fastact.{name}: out has {msg}"):
            call(case, x, out=out)
        assert np.all(out == 7)
    ro = np.full(6, 7.0)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=f"fastact.{name}: out is read-only"):
        call(case, x, out=ro)
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        call(case, x, out=[0.0] * 6)
    assert np.all(ro == 7)


def test_bad_parameters():
    with pytest.raises(ValueError, match="fastact.gelu: approximate must be 'none' or 'tanh', got 'foo'"):
        fa.gelu(np.ones(3), approximate="foo")
    with pytest.raises(ValueError, match="fastact.gelu_backward: approximate"):
        fa.gelu_backward(1.0, np.ones(3), approximate=None)


SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324,
                    1e-310, 88.7, -88.7, 709.8, -709.8, 1e308, -1e308])

# name -> (f(+inf), f(-inf)), the mathematical limits
LIMITS = {
    "relu": (np.inf, 0.0), "sigmoid": (1.0, 0.0), "tanh": (1.0, -1.0),
    "gelu": (np.inf, 0.0), "gelu_tanh": (np.inf, 0.0),
}
DERIVATIVE_LIMITS = {
    "relu": (1.0, 0.0), "sigmoid": (0.0, 0.0), "tanh": (0.0, 0.0),
    "gelu": (1.0, 0.0), "gelu_tanh": (1.0, 0.0),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES)
def test_special_values_without_warnings(case, dtype):
    x = SPECIAL.astype(dtype) if dtype == np.float64 else SPECIAL[:5].astype(dtype)
    with np.errstate(all="raise"):
        y = call(case, x)
        g = grad(case, 1.0, x)
        gy = grad(case, np.full(x.shape, np.nan, dtype), x)
    assert np.isnan(y[4]) and np.isnan(g[4])                   # NaN in, NaN out
    assert y[2] == LIMITS[case][0] and y[3] == LIMITS[case][1]
    assert g[2] == DERIVATIVE_LIMITS[case][0] and g[3] == DERIVATIVE_LIMITS[case][1]
    assert not np.isnan(y[[0, 1, 2, 3]]).any()
    assert not np.isnan(g[[0, 1, 2, 3]]).any()
    assert np.isnan(gy[~(g == 0)]).all() or case == "relu"
    assert np.count_nonzero(np.isnan(y)) == 1          # only NaN gives NaN
    assert np.count_nonzero(np.isnan(g)) == 1


def test_relu_of_negative_zero_is_positive_zero():
    y = fa.relu(np.array([-0.0]))
    assert y[0] == 0 and not np.signbit(y[0])


def test_kinks_follow_pytorch():
    # relu'(0) = 0, as torch.relu's backward
    assert fa.relu_backward(1.0, np.array([0.0]))[0] == 0.0
    assert fa.relu_backward(1.0, y=np.array([0.0]))[0] == 0.0


@pytest.mark.parametrize("case", ["relu", "sigmoid", "tanh"])
def test_backward_from_y(case):
    x = np.linspace(-4, 4, 81)
    y = call(case, x)
    np.testing.assert_allclose(grad(case, 1.0, None, y=y), grad(case, 1.0, x),
                               rtol=1e-12, atol=1e-15)
    # both given: x is used
    np.testing.assert_array_equal(grad(case, 1.0, x, y=y), grad(case, 1.0, x))
    with pytest.raises(TypeError, match=f"fastact.{case}_backward needs x or y"):
        grad(case, 1.0, None)


def test_gelu_backward_needs_x():
    y = fa.gelu(np.ones(3))
    with pytest.raises(TypeError, match="fastact.gelu_backward needs x"):
        fa.gelu_backward(1.0, y=y)


@pytest.mark.parametrize("case", CASES)
def test_grad_output_broadcasts_and_multiplies(case):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    d = grad(case, 1.0, x)
    gy = rng.standard_normal((4, 5))
    np.testing.assert_allclose(grad(case, gy, x), gy * d, rtol=1e-15)
    row = rng.standard_normal(5)
    np.testing.assert_allclose(grad(case, row, x), row * d, rtol=1e-15)
    with pytest.raises(ValueError, match="does not broadcast to the input's shape"):
        grad(case, np.ones((3, 4, 5)), x)


def test_grad_dtype_follows_numpy_promotion():
    x32 = np.ones(3, np.float32)
    assert fa.sigmoid_backward(1.0, x32).dtype == np.float32          # weak scalar
    assert fa.sigmoid_backward(np.ones(3), x32).dtype == np.float64   # promotes
    assert fa.sigmoid_backward(np.ones(3, np.float16), np.ones(3, np.float16)).dtype == np.float16


def test_alias_expit():
    x = np.linspace(-3, 3, 7)
    assert fa.expit is fa.sigmoid
    np.testing.assert_array_equal(fa.expit(x), fa.sigmoid(x))
    assert fa.expit_backward is fa.sigmoid_backward


def test_registry():
    acts = fa.ACTIVATIONS
    assert {n for n, r in acts.items() if r.kind == "elementwise"} == {"relu", "sigmoid", "tanh", "gelu"}
    rec = acts["gelu"]
    assert rec.forward is fa.gelu and rec.backward is fa.gelu_backward
    assert rec.kind == "elementwise" and dict(rec.params) == {"approximate": "none"}
    assert "erfc" in rec.formula
    with pytest.raises(TypeError):
        acts["x"] = rec
    with pytest.raises(TypeError):
        rec.params["approximate"] = "tanh"
    for name, rec in acts.items():
        assert rec.name == name and rec.forward.__doc__ and rec.backward.__doc__

"""What every element-wise function accepts and returns (API.md section 4):
dtypes, shapes, strides, out=, special values, errors, warnings."""

import inspect

import mpmath as mp
import numpy as np
import pytest

import fastact as fa
from conftest import backward, forward
from references import REFERENCES, SELU_ALPHA, SELU_SCALE, public_name

CASES = sorted(REFERENCES)
FLOATS = [np.float16, np.float32, np.float64]


def call(case, x, **kw):
    return forward(case)(x, **REFERENCES[case][0], **kw)


def grad(case, gy, x, **kw):
    return backward(case)(gy, x, **REFERENCES[case][0], **kw)


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


@pytest.mark.parametrize("name", ["gelu", "prelu", "softmax", "logsumexp", "maxout", "glu"])
def test_longdouble_is_refused_with_the_dtypes_that_work(name):
    """longdouble is a floating-point type, so 'expected a floating-point
    ... array' read as a contradiction: the message names float16, float32
    and float64 and says longdouble is not supported."""
    x = np.zeros(6, np.longdouble)
    fwd, bwd = getattr(fa, name), getattr(fa, name + "_backward")
    kw = {"prelu": {"weight": 0.25}, "maxout": {"pieces": 2}}.get(name, {})
    for fn, arrays in ((fwd, (x,)), (bwd, (1.0, x))):
        with pytest.raises(TypeError) as info:
            fn(*arrays, **kw)
        message = str(info.value)
        assert message.startswith(f"fastact.{fn.__name__}: unsupported dtype {x.dtype}")
        assert "float16, float32 or float64 (longdouble is not supported" in message
    with pytest.raises(TypeError, match="expected float16, float32 or float64, or an "
                       "integer or boolean array$"):
        fwd(np.zeros(6, complex), **kw)          # no word of longdouble there


@pytest.mark.parametrize("dtype", [">f2", ">f4", ">f8", ">i4"])
@pytest.mark.parametrize("case", CASES)
def test_byte_order_does_not_matter(case, dtype):
    """A big-endian float64 is float64 (it used to be refused as an
    'unsupported dtype >f8')."""
    x = np.linspace(-3, 3, 13).astype(dtype)
    native = x.astype(x.dtype.newbyteorder("="))
    np.testing.assert_array_equal(call(case, x), call(case, native))
    np.testing.assert_array_equal(grad(case, x, x), grad(case, native, native))
    assert call(case, x).dtype.isnative


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
# the same for float32 and float16: subnormals, the overflow edges of exp
# (+-88.7 in float32) and the largest finite values
SPECIAL_SMALL = {
    np.float32: np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40,
                          88.7, -88.7, 103.0, -104.0, 3e38, -3e38], np.float32),
    np.float16: np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, -6e-8, 1e-5,
                          11.1, -11.1, 65504.0, -65504.0], np.float16),
}

with mp.workdps(40):
    SELU_SA = float(SELU_SCALE() * SELU_ALPHA())  # -selu(-inf), correctly rounded
RRELU_SLOPE = (0.125 + 1 / 3) / 2

# name -> (f(+inf), f(-inf)), the mathematical limits (REFERENCES' parameters)
LIMITS = {
    "relu": (np.inf, 0.0), "sigmoid": (1.0, 0.0), "tanh": (1.0, -1.0),
    "gelu": (np.inf, 0.0), "gelu_tanh": (np.inf, 0.0),
    "relu6": (6.0, 0.0), "leaky_relu": (np.inf, -np.inf), "prelu": (np.inf, -np.inf),
    "rrelu": (np.inf, -np.inf), "elu": (np.inf, -1.0), "selu": (np.inf, -SELU_SA),
    "celu": (np.inf, -1.0), "log_sigmoid": (0.0, -np.inf), "hard_sigmoid": (1.0, 0.0),
    "hard_tanh": (1.0, -1.0), "hard_swish": (np.inf, 0.0), "silu": (np.inf, 0.0),
    "swish": (np.inf, 0.0), "mish": (np.inf, 0.0), "softplus": (np.inf, 0.0),
    "softsign": (1.0, -1.0), "hard_shrink": (np.inf, -np.inf),
    "soft_shrink": (np.inf, -np.inf), "tanh_shrink": (np.inf, -np.inf),
    "threshold": (np.inf, -2.0),
}
DERIVATIVE_LIMITS = {
    "relu": (1.0, 0.0), "sigmoid": (0.0, 0.0), "tanh": (0.0, 0.0),
    "gelu": (1.0, 0.0), "gelu_tanh": (1.0, 0.0),
    "relu6": (0.0, 0.0), "leaky_relu": (1.0, 0.01), "prelu": (1.0, 0.25),
    "rrelu": (1.0, RRELU_SLOPE), "elu": (1.0, 0.0), "selu": (float(SELU_SCALE()), 0.0),
    "celu": (1.0, 0.0), "log_sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 0.0),
    "hard_tanh": (0.0, 0.0), "hard_swish": (1.0, 0.0), "silu": (1.0, 0.0),
    "swish": (1.0, 0.0), "mish": (1.0, 0.0), "softplus": (1.0, 0.0),
    "softsign": (0.0, 0.0), "hard_shrink": (1.0, 1.0), "soft_shrink": (1.0, 1.0),
    "tanh_shrink": (1.0, 1.0), "threshold": (1.0, 0.0),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES)
def test_special_values_without_warnings(case, dtype):
    x = SPECIAL.astype(dtype) if dtype == np.float64 else SPECIAL_SMALL[dtype]
    with np.errstate(all="raise"):
        y = call(case, x)
        g = grad(case, 1.0, x)
        gy = grad(case, np.full(x.shape, np.nan, dtype), x)
    assert np.isnan(y[4]) and np.isnan(g[4])                   # NaN in, NaN out
    limits = np.array(LIMITS[case], dtype)                    # rounded as the result
    assert y[2] == limits[0] and y[3] == limits[1]
    limits = np.array(DERIVATIVE_LIMITS[case], dtype)
    assert g[2] == limits[0] and g[3] == limits[1]
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


# API.md section 3: the functions whose backward accepts y alone
FROM_Y = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "celu", "selu", "hard_tanh"]


@pytest.mark.parametrize("case", FROM_Y)
def test_backward_from_y(case):
    x = np.linspace(-4, 4, 81)          # includes the kinks 0 and +-1
    y = call(case, x)
    np.testing.assert_allclose(grad(case, 1.0, None, y=y), grad(case, 1.0, x),
                               rtol=1e-12, atol=1e-15)
    # both given: x is used
    np.testing.assert_array_equal(grad(case, 1.0, x, y=y), grad(case, 1.0, x))
    with pytest.raises(TypeError, match=f"fastact.{case}_backward needs x or y"):
        grad(case, 1.0, None)


@pytest.mark.parametrize("case", [c for c in CASES if public_name(c) not in FROM_Y])
def test_backward_needs_x(case):
    name = public_name(case)
    y = call(case, np.ones(3))
    with pytest.raises(TypeError, match=f"fastact.{name}_backward needs x"):
        grad(case, 1.0, None, y=y)


@pytest.mark.parametrize("name,kwargs", [
    ("leaky_relu", {"negative_slope": -0.5}), ("elu", {"alpha": -1.0}),
    ("celu", {"alpha": -2.0})])
def test_y_alone_is_not_enough_when_the_output_does_not_tell_the_branch(name, kwargs):
    """y > 0 tells x > 0 only for slopes and alphas > 0 (API.md: elu and celu
    with alpha > 0)."""
    with pytest.raises(TypeError, match=f"fastact.{name}_backward needs x: y alone "
                                        "is enough only when"):
        getattr(fa, name + "_backward")(1.0, y=np.ones(3), **kwargs)


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


ELEMENTWISE_NAMES = {
    "relu", "sigmoid", "tanh", "gelu", "relu6", "leaky_relu", "prelu", "rrelu", "elu",
    "selu", "celu", "log_sigmoid", "hard_sigmoid", "hard_tanh", "hard_swish", "silu",
    "swish", "mish", "softplus", "softsign", "hard_shrink", "soft_shrink", "tanh_shrink",
    "threshold"}


def test_every_elementwise_function_has_a_reference():
    assert {public_name(c) for c in REFERENCES} == ELEMENTWISE_NAMES


def test_registry():
    acts = fa.ACTIVATIONS
    assert {n for n, rec in acts.items() if rec.kind == "elementwise"} == ELEMENTWISE_NAMES
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
        assert rec.formula and rec.forward is getattr(fa, name)
        assert rec.backward is getattr(fa, name + "_backward")


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_NAMES))
def test_registry_params_are_the_signature_defaults(name):
    """params lists every parameter of the forward with its default
    (inspect.Parameter.empty where it has none), in order."""
    rec = fa.ACTIVATIONS[name]
    sig = inspect.signature(rec.forward).parameters
    public = [p for p in sig.values() if p.name != "x" and p.kind != p.KEYWORD_ONLY]
    assert [p.name for p in public] == list(rec.params)
    for p in public:
        assert p.default is rec.params[p.name] or p.default == rec.params[p.name]
    back = inspect.signature(rec.backward).parameters
    for p in public:           # the backward takes the same ones, keyword-only
        if (name, p.name) == ("rrelu", "rng"):    # API.md: no rng in the backward
            continue
        assert back[p.name].kind == p.KEYWORD_ONLY
        assert back[p.name].default is p.default or back[p.name].default == p.default

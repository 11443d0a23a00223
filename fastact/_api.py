"""The thin layer between the public functions and the compiled ufuncs:
dtype policy, argument checks and ``out=`` (API.md section 4).

Every check runs before any kernel does, so a refused call writes nothing.
"""

import numpy as np

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_PY_SCALARS = (bool, int, float)


def as_input(x, fname, argname="x"):
    """``x`` as an ndarray whose dtype fastact accepts."""
    if type(x) is not np.ndarray:
        if x is None:
            raise TypeError(f"fastact.{fname}: {argname} is None; expected an array")
        x = np.asarray(x)
    dtypes(x.dtype, fname)
    return x


def dtypes(dtype, fname):
    """(computation dtype, result dtype) for an input dtype.

    float32 and float64 are computed natively, float16 in float32, bool and
    integers in float64; anything else is a TypeError. Byte order does not
    matter: NumPy swaps a big-endian float64 on its way into the loop.
    """
    if not dtype.isnative:
        dtype = dtype.newbyteorder("=")
    if dtype == _F32 or dtype == _F64:
        return dtype, dtype
    if dtype == _F16:
        return _F32, _F16
    if dtype.kind in "biu":
        return _F64, _F64
    # longdouble is a floating-point type too: name the ones that work
    why = (" (longdouble is not supported: fastact computes in double precision "
           "at most)" if dtype.kind == "f" else "")
    raise TypeError(f"fastact.{fname}: unsupported dtype {dtype}; expected float16, "
                    f"float32 or float64{why}, or an integer or boolean array")


def grad_dtype(grad_output, gy, x):
    """The dtype the backward computes in: NumPy's promotion of the forward
    input with grad_output, where a Python scalar grad_output is weak (so
    ``backward(1.0, x32)`` stays float32)."""
    if isinstance(grad_output, _PY_SCALARS):
        return x.dtype
    return np.promote_types(gy.dtype, x.dtype)


def real_param(value, name, fname, none=None):
    """A float parameter: a real number, NaN allowed only where it means NaN.
    ``None`` is accepted where the parameter gives it a meaning (``none``)."""
    if value is None and none is not None:
        return none
    try:
        if isinstance(value, (str, bytes)):       # float("0.1") would parse it
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"fastact.{fname}: {name} must be a real number, "
                        f"got {value!r}") from None
    except OverflowError:                     # an int beyond float64
        raise ValueError(f"fastact.{fname}: {name} is outside the float64 "
                         "range") from None


def choose(value, options, name, fname):
    """The kernel a keyword like gelu's ``approximate`` selects."""
    try:
        return options[value]
    except (KeyError, TypeError):
        expected = " or ".join(repr(k) for k in options)
        raise ValueError(f"fastact.{fname}: {name} must be {expected}, "
                         f"got {value!r}") from None


def check_out(out, shape, dtype, fname):
    """Check a user's ``out``: an ndarray of exactly this shape and dtype,
    writeable."""
    if out is None:
        return None
    if not isinstance(out, np.ndarray):
        raise TypeError(f"fastact.{fname}: out must be a numpy.ndarray, "
                        f"got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"fastact.{fname}: out has shape {out.shape}, "
                         f"expected {shape}")
    if out.dtype != dtype:
        raise TypeError(f"fastact.{fname}: out has dtype {out.dtype}, "
                        f"expected {dtype}")
    if not out.flags.writeable:
        raise ValueError(f"fastact.{fname}: out is read-only")
    return out


def grad_shape(gy, x, fname):
    """grad_output must broadcast to the forward input's shape."""
    try:
        shape = np.broadcast_shapes(gy.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(f"fastact.{fname}: grad_output of shape {gy.shape} "
                         f"does not broadcast to the input's shape {x.shape}")
    return shape


_SIGNATURES = {}


def _signature(ufunc, compute):
    """The loop to use: data inputs and output in ``compute``, parameters
    (double in every loop, see _kernels.pyx.tp) left to NumPy."""
    key = (ufunc, compute)
    if key not in _SIGNATURES:
        inputs = ufunc.types[0].split("->")[0]         # the float32 loop
        _SIGNATURES[key] = tuple(compute if c == "f" else None for c in inputs) + (compute,)
    return _SIGNATURES[key]


def run(ufunc, inputs, out, compute, result, shape):
    """Call a compiled ufunc; float16 results are computed in float32 and
    rounded once into a float16 array."""
    signature = _signature(ufunc, compute)
    if compute == result:
        if out is not None:
            ufunc(*inputs, out=out, signature=signature)
            return out
        return ufunc(*inputs, signature=signature)
    # The rounding to float16 may overflow to inf or underflow, as the
    # kernels' own rounding to float32 does; like theirs, those flags are not
    # reported (the result is the correctly rounded value).
    computed = ufunc(*inputs, signature=signature)
    target = np.empty(shape, result) if out is None else out
    with np.errstate(over="ignore", under="ignore"):
        np.copyto(target, computed, casting="same_kind")
    if out is None and target.ndim == 0:
        return target[()]
    return target


# ---- arrays of other libraries (Dask, xarray, ...) ---------------------------

def deferred(*args):
    """Whether an argument is an array of another library that takes part in
    NumPy's ufunc dispatch (defines ``__array_ufunc__``; not an ndarray, not
    a NumPy scalar): the compiled ufunc is then called on it directly, so
    NumPy hands the call to that library (a Dask array stays lazy)."""
    for a in args:
        if (type(a) is not np.ndarray and not isinstance(a, np.ndarray)
                and getattr(type(a), "__array_ufunc__", None) is not None):
            return True
    return False


def run_deferred(ufunc, data, params, fname):
    """Call a compiled ufunc on ``data`` (x, or grad_output and x) of which
    at least one is ``deferred``, keeping the dtype policy with ``astype``
    (which Dask and xarray do lazily): the data in the computation dtype, the
    parameters as Python floats or float64 arrays (the ufunc's double
    inputs), the result in the result dtype."""
    data = [a if isinstance(a, _PY_SCALARS) or deferred(a) else np.asarray(a)
            for a in data]
    typed = [a for a in data if not isinstance(a, _PY_SCALARS)]
    for a in typed:
        if not hasattr(a, "dtype"):
            raise TypeError(f"fastact.{fname}: {type(a).__name__} has no dtype")
    compute, result = dtypes(np.result_type(*[np.dtype(a.dtype) for a in typed]), fname)
    if len(typed) == 2 and all(isinstance(n, int) for a in typed for n in a.shape):
        grad_shape(*typed, fname)         # (unknown Dask chunk sizes are NaN)
    data = [a if isinstance(a, _PY_SCALARS) or np.dtype(a.dtype) == compute
            else a.astype(compute) for a in data]
    y = ufunc(*data, *params)
    return y if compute == result else y.astype(result)

"""Gated units (API.md section 1): ``x`` is split in halves ``a, b`` along
``axis`` and ``unit(a, b)`` is returned (half the length along ``axis``).

The kernels are gufuncs of ``_kernels`` (one per table row of
``_table.GATED``), called on the two half views with NumPy's ``axes=``, so
any axis and any strides work without copies.
"""

import numpy as np

from . import _api, _dask
from ._axis import _one_axis, broadcast
from ._dispatch import kernels as _k
from ._table import GATED

_ROWS = {row.name: row for row in GATED}

# float16 results are computed in float32 and rounded by NumPy on the way
# into the float16 array; that rounding may overflow to inf or underflow, as
# the kernels' own rounding to float32 does, and like theirs (and as in the
# element-wise functions, _api.run) those flags are not reported.
def _rounding():
    return np.errstate(over="ignore", under="ignore")


def _kernel(name, fname, choice, suffix=""):
    row = _ROWS[name]
    if row.choice is None:
        return getattr(_k, name + suffix)
    kernels = {v: getattr(_k, kname + suffix) for v, kname in row.choice[2].items()}
    return _api.choose(choice, kernels, row.choice[0], fname)


def _halves(x, axis, fname):
    """(a, b, axis, half length) of x split along axis."""
    if x.ndim == 0:
        raise ValueError(f"fastact.{fname}: needs at least one axis to split, got "
                         "a 0-d input")
    ax = _one_axis(axis, x.ndim, fname)
    n = x.shape[ax]
    if n % 2:
        raise ValueError(f"fastact.{fname}: the length of axis {axis} must be even, "
                         f"got {n}")
    h = n // 2
    lo = [slice(None)] * x.ndim
    hi = [slice(None)] * x.ndim
    lo[ax] = slice(0, h)
    hi[ax] = slice(h, n)
    return x[tuple(lo)], x[tuple(hi)], ax


_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))


def _core_axis(a, ax):
    """The axis the kernels loop along (their gufunc core dimension).

    The units are element-wise in (a, b), so every axis gives the same
    values; the one with the smallest stride (of the axes longer than 1)
    gives the kernels unit-stride runs (rows shorter than 16, 4 for the
    AVX-512 float32 kernels, they gather into blocks: _kernels.pyx.tp,
    SHORT_ROW). Along the split axis itself,
    glu of 10^6 float32 took 10.4 ms as (500000, 2) split along its last
    axis (now 0.7 ms, along axis 0), 9.9 ms as (2, 500000) along axis 0 (now
    0.16 ms) and 1.4 ms for channels, (8, 64, 32, 32) along axis 1 (now
    0.13 ms); PyTorch 1.1-1.6, 0.15 and 0.08-0.13 ms (2 threads).
    """
    core, least = ax, None
    for k in range(a.ndim):
        if a.shape[k] > 1 and (least is None or abs(a.strides[k]) < least):
            core, least = k, abs(a.strides[k])
    return core


def _forward(name, x, axis, out, choice=None):
    # Fast path, the common call (a float array split along its last axis,
    # no out=): the checks below cost more than the kernel on small arrays
    # (1000 float32: 5.9 us -> 3.3 us), and so did the gufunc call (2 us):
    # gated_rows runs the gufunc's loop as the gufunc would (1.5 us).
    if (type(x) is np.ndarray and out is None and axis == -1 and x.ndim
            and x.dtype in _NATIVE and not x.shape[-1] % 2 and x.shape[-1] > 2
            and x.flags.c_contiguous and x.flags.aligned):
        y = np.empty(x.shape[:-1] + (x.shape[-1] // 2,), x.dtype)
        _k.gated_rows(_kernel(name, name, choice), x, y)
        return y
    if type(x) is not np.ndarray and _dask.is_dask(x):
        keywords = {} if choice is None else {_ROWS[name].choice[0]: choice}
        return _dask.call(globals()[name], x, axis, out=out, **keywords)
    fname = name
    x = _api.as_input(x, fname)
    compute, result = _api.dtypes(x.dtype, fname)
    kernel = _kernel(name, fname, choice)
    a, b, ax = _halves(x, axis, fname)
    out = _api.check_out(out, a.shape, result, fname)
    core = [(_core_axis(a, ax),)] * 3
    # allocated here, C-ordered (NumPy would order its own by the core axis)
    y = np.empty(a.shape, result) if out is None else out
    if compute == result:
        kernel(a, b, out=y, dtype=compute, axes=core)
    else:
        with _rounding():
            kernel(a, b, out=y, dtype=compute, axes=core)
    return y


def _backward(name, grad_output, x, y, axis, out, choice=None):
    # Fast path, as in _forward: ndarrays of one float dtype, grad_output of
    # the result's shape, the last axis, no out= (1000 float32: 15 us -> 5 us).
    if (type(x) is np.ndarray and type(grad_output) is np.ndarray and out is None
            and axis == -1 and x.ndim and x.dtype in _NATIVE
            and grad_output.dtype == x.dtype and not x.shape[-1] % 2 and x.shape[-1] > 2
            and x.flags.c_contiguous and grad_output.flags.c_contiguous
            and x.flags.aligned and grad_output.flags.aligned
            and grad_output.shape == x.shape[:-1] + (x.shape[-1] // 2,)):
        target = np.empty(x.shape, x.dtype)
        _k.gated_rows(_kernel(name, name + "_backward", choice, "_vjp"), x, target,
                      grad_output)
        return target
    fname = name + "_backward"
    if x is None:
        raise TypeError(f"fastact.{fname} needs x")
    x = _api.as_input(x, fname)
    gy = _api.as_input(grad_output, fname, "grad_output")
    compute, result = _api.dtypes(_api.grad_dtype(grad_output, gy, x), fname)
    kernel = _kernel(name, fname, choice, "_vjp")
    a, b, ax = _halves(x, axis, fname)
    gy = broadcast(gy, a.shape, fname, "grad_output", "the result's shape")
    out = _api.check_out(out, x.shape, result, fname)
    target = out if out is not None else np.empty(x.shape, result)
    ga, gb, _ = _halves(target, ax, fname)
    core = [(_core_axis(a, ax),)] * 5
    if compute == result:
        kernel(gy, a, b, out=(ga, gb), dtype=compute, axes=core)
    else:
        with _rounding():
            kernel(gy, a, b, out=(ga, gb), dtype=compute, axes=core)
    return target


def glu(x, axis=-1, *, out=None):
    return _forward("glu", x, axis, out)


def glu_backward(grad_output, x=None, *, y=None, axis=-1, out=None):
    return _backward("glu", grad_output, x, y, axis, out)


def swiglu(x, axis=-1, *, out=None):
    return _forward("swiglu", x, axis, out)


def swiglu_backward(grad_output, x=None, *, y=None, axis=-1, out=None):
    return _backward("swiglu", grad_output, x, y, axis, out)


def geglu(x, axis=-1, *, approximate="none", out=None):
    return _forward("geglu", x, axis, out, approximate)


def geglu_backward(grad_output, x=None, *, y=None, axis=-1, approximate="none", out=None):
    return _backward("geglu", grad_output, x, y, axis, out, approximate)


def reglu(x, axis=-1, *, out=None):
    return _forward("reglu", x, axis, out)


def reglu_backward(grad_output, x=None, *, y=None, axis=-1, out=None):
    return _backward("reglu", grad_output, x, y, axis, out)


NAMES = tuple(row.name for row in GATED)
__all__ = list(NAMES) + [n + "_backward" for n in NAMES]

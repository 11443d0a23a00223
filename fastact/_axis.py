"""Axis-wise functions (API.md section 2) and their backward (section 3):
softmax, log_softmax, softmin, logsumexp, maxout.

Argument checks, the dtype policy and ``out=`` as for the element-wise
functions (``_api``); ``_layout`` finds strided views for the compiled
kernels in ``_kernels`` (``_axis.pxi``). Every check runs before a kernel
does, so a refused call writes nothing.
"""

import operator

import numpy as np

from . import _api
from . import _dask
from . import _layout
from ._dispatch import kernels as _k

try:
    from numpy.exceptions import AxisError
except ImportError:  # numpy < 1.25
    from numpy import AxisError

# operation codes of _axis.pxi
_SOFTMAX, _LOG_SOFTMAX, _LSE, _SOFTMAX_BWD, _LOG_SOFTMAX_BWD, _LSE_BWD = range(6)

_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))


# ---- arguments ------------------------------------------------------------------

def axes(axis, ndim, fname):
    """``axis`` (int, tuple of ints or None) as a sorted tuple of axes.

    A 0-d input counts as 1-d here (as in SciPy's logsumexp and PyTorch), so
    the default axis=-1 works on a scalar.
    """
    ndim = max(ndim, 1)
    if axis is None:
        return tuple(range(ndim))
    seq = axis if isinstance(axis, (tuple, list)) else (axis,)
    found = []
    for a in seq:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"fastact.{fname}: axis must be an int, a tuple of "
                            f"ints or None, got {axis!r}") from None
        if not -ndim <= a < ndim:
            raise AxisError(a, ndim, f"fastact.{fname}")
        found.append(a % ndim)
    if len(set(found)) != len(found):
        raise ValueError(f"fastact.{fname}: repeated axis in {axis!r}")
    return tuple(sorted(found))


def _one_axis(axis, ndim, fname):
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"fastact.{fname}: axis must be an int, got {axis!r}") from None
    found = axes(a, ndim, fname)
    return found[0]


def temperature_value(temperature, fname):
    t = _api.real_param(temperature, "temperature", fname)
    if not (0 < t < np.inf):
        raise ValueError(f"fastact.{fname}: temperature must be a positive finite "
                         f"number, got {temperature!r}")
    return t


def broadcast(a, shape, fname, name, to="the input's shape"):
    """``a`` broadcast to ``shape`` (a view), or a ValueError naming it."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"fastact.{fname}: {name} of shape {np.shape(a)} does not "
                         f"broadcast to {to} {shape}") from None


def mask(where, shape, fname):
    """``where`` as a uint8 array broadcast to ``shape`` (None: no mask)."""
    if where is None:
        return None
    w = np.asarray(where)
    if w.dtype.kind not in "biu":
        raise TypeError(f"fastact.{fname}: where must be a boolean array, got "
                        f"dtype {w.dtype}")
    w = broadcast(w, shape, fname, "where")
    if w.dtype != np.bool_:
        w = w != 0
    return w.view(np.uint8)


def _as(a, dtype):
    return a.astype(dtype, copy=False)


def _finish(target, out, result, shape):
    """Round the computed array into the result dtype; a NumPy scalar for
    0-d results, as a ufunc returns.

    The rounding of a float32 result to float16 may overflow to inf or
    underflow (softmax's tiny probabilities); as in the element-wise
    functions (``_api.run``) the result is the correctly rounded value and
    those flags are not reported (API.md section 4: no warnings, no errors
    under ``np.errstate(all='raise')``)."""
    if out is not None:
        if target.dtype != out.dtype:
            with np.errstate(over="ignore", under="ignore"):
                out[...] = target.reshape(out.shape)
        elif not np.may_share_memory(target, out):
            out[...] = target.reshape(out.shape)
        return out
    if target.dtype != result:
        with np.errstate(over="ignore", under="ignore"):
            target = target.astype(result)
    target = target.reshape(shape)
    return target[()] if target.ndim == 0 else target


def _target(out, shape, compute, like):
    """Where the kernel writes: ``out`` itself when it has the compute dtype,
    else a new array (laid out like the input, so strides merge)."""
    if out is not None and out.dtype == compute:
        return out.reshape(shape) if out.shape != shape else out
    return np.empty_like(like, dtype=compute) if like.shape == shape \
        else np.empty(shape, compute)


def _call(op, **kw):
    return lambda dims, arrays: _k.axis_reduce(op, dims, arrays, **kw)


# ---- softmax, log_softmax, softmin ------------------------------------------------

def _kernel_inputs(ins, mk, compute):
    """The operands in the compute dtype, as _layout.run takes them."""
    found = {name: (_as(a, compute), False) for name, a in ins.items()}
    if mk is not None:
        found["mk"] = (mk, False)
    return found


def _softmax_run(fname, op, sg, src, gy, compute, result, axis, temperature, where,
                 out, from_y=False):
    """softmax, log_softmax, softmin (gy None) or their backward."""
    t = temperature_value(temperature, fname)
    sa = src.reshape(1) if src.ndim == 0 else src
    red = axes(axis, sa.ndim, fname)
    mk = mask(where, sa.shape, fname)
    out = _api.check_out(out, src.shape, result, fname)
    ins = _kernel_inputs({"x": sa} if gy is None else {"x": sa, "g": gy}, mk, compute)
    target = _target(out, sa.shape, compute, ins["x"][0])
    if sa.size:
        _layout.run(_call(op, T=t, sg=sg, from_y=from_y), sa.shape, red, ins,
                    {"o": (target, False)})
    return _finish(target, out, result, src.shape)


def _softmax_like(fname, op, sg, x, axis, temperature, where, out):
    # the common call, checked in C (_axis_fast.pxi): in Python the checks cost 1.6 us
    r = _k.last_axis_rows(op, sg, x, None, out, axis, temperature, where)
    if r is not None:
        return r
    x = _api.as_input(x, fname)
    compute, result = _api.dtypes(x.dtype, fname)
    return _softmax_run(fname, op, sg, x, None, compute, result, axis, temperature,
                        where, out)


def softmax(x, axis=-1, *, temperature=1.0, where=None, out=None):
    if type(x) is not np.ndarray and _dask.is_dask(x):
        return _dask.call(softmax, x, axis, temperature=temperature, where=where,
                          out=out)
    return _softmax_like("softmax", _SOFTMAX, 1.0, x, axis, temperature, where, out)


def log_softmax(x, axis=-1, *, temperature=1.0, where=None, out=None):
    if type(x) is not np.ndarray and _dask.is_dask(x):
        return _dask.call(log_softmax, x, axis, temperature=temperature, where=where,
                          out=out)
    return _softmax_like("log_softmax", _LOG_SOFTMAX, 1.0, x, axis, temperature,
                         where, out)


def softmin(x, axis=-1, *, temperature=1.0, where=None, out=None):
    if type(x) is not np.ndarray and _dask.is_dask(x):
        return _dask.call(softmin, x, axis, temperature=temperature, where=where,
                          out=out)
    return _softmax_like("softmin", _SOFTMAX, -1.0, x, axis, temperature, where, out)


def _softmax_like_backward(fname, op, sg, grad_output, x, y, axis, temperature,
                           where, out):
    r = _k.last_axis_rows(op, sg, y if x is None else x, grad_output, out, axis,
                          temperature, where, x is None)
    if r is not None:
        return r
    if x is None and y is None:
        raise TypeError(f"fastact.{fname} needs x or y")
    from_y = x is None
    src = _api.as_input(y, fname, "y") if from_y else _api.as_input(x, fname)
    gy = _api.as_input(grad_output, fname, "grad_output")
    compute, result = _api.dtypes(_api.grad_dtype(grad_output, gy, src), fname)
    _api.grad_shape(gy, src, fname)
    return _softmax_run(fname, op, sg, src, gy, compute, result, axis, temperature,
                        where, out, from_y)


def softmax_backward(grad_output, x=None, *, y=None, axis=-1, temperature=1.0,
                     where=None, out=None):
    return _softmax_like_backward("softmax_backward", _SOFTMAX_BWD, 1.0, grad_output,
                                  x, y, axis, temperature, where, out)


def log_softmax_backward(grad_output, x=None, *, y=None, axis=-1, temperature=1.0,
                         where=None, out=None):
    return _softmax_like_backward("log_softmax_backward", _LOG_SOFTMAX_BWD, 1.0,
                                  grad_output, x, y, axis, temperature, where, out)


def softmin_backward(grad_output, x=None, *, y=None, axis=-1, temperature=1.0,
                     where=None, out=None):
    return _softmax_like_backward("softmin_backward", _SOFTMAX_BWD, -1.0, grad_output,
                                  x, y, axis, temperature, where, out)


# ---- logsumexp ------------------------------------------------------------------------

def _reduced_shape(shape, red, keepdims):
    if keepdims:
        return tuple(1 if d in red else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d not in red)


def _weights(b, xa, fname):
    """(b broadcast to x or None, the dtype of x promoted with b)."""
    if b is None:
        return None, xa.dtype
    bw = broadcast(_api.as_input(b, fname, "b"), xa.shape, fname, "b")
    if isinstance(b, _api._PY_SCALARS):
        return bw, xa.dtype                   # a Python number is weak
    return bw, np.promote_types(xa.dtype, bw.dtype)


def _lse_setup(fname, x, axis, keepdims, b, where):
    """What logsumexp and its backward share: the input as at least 1-d,
    the operands for the kernel (all but the output and grad_output), the
    dtype to compute in (before grad_output), the reduced axes, the result
    shape and its keepdims form."""
    x = _api.as_input(x, fname)
    xa = x.reshape(1) if x.ndim == 0 else x
    bw, dtype = _weights(b, xa, fname)
    _api.dtypes(dtype, fname)
    red = axes(axis, xa.ndim, fname)
    mk = mask(where, xa.shape, fname)
    rshape = _reduced_shape(xa.shape, red, keepdims) if x.ndim else ()
    ins = {"x": xa}
    if bw is not None:
        ins["w"] = bw
    return x, xa, ins, mk, dtype, red, rshape, _reduced_shape(xa.shape, red, True)


def logsumexp(x, axis=-1, *, keepdims=False, b=None, return_sign=False, where=None,
              out=None):
    if type(x) is not np.ndarray and _dask.is_dask(x):
        return _dask.call(logsumexp, x, axis, keepdims=keepdims, b=b,
                          return_sign=return_sign, where=where, out=out)
    if b is None and return_sign is False:
        r = _k.last_axis_rows(_LSE, 1.0, x, None, out, axis, 1.0, where, False, keepdims)
        if r is not None:
            return r
    fname = "logsumexp"
    x, xa, ins, mk, dtype, red, rshape, keep = _lse_setup(fname, x, axis, keepdims, b,
                                                          where)
    compute, result = _api.dtypes(dtype, fname)
    out = _api.check_out(out, rshape, result, fname)
    target = out.reshape(keep) if out is not None and out.dtype == compute \
        else np.empty(keep, compute)
    sign = np.empty(keep, compute) if return_sign else None
    outs = {"o": (target, True)}
    if sign is not None:
        outs["sgn"] = (sign, True)
    if target.size:
        _layout.run(_call(_LSE, ret_sign=bool(return_sign)), xa.shape, red,
                    _kernel_inputs(ins, mk, compute), outs)
    res = _finish(target, out, result, rshape)
    if return_sign:
        return res, _finish(sign, None, result, rshape)
    return res


def logsumexp_backward(grad_output, x=None, *, y=None, axis=-1, keepdims=False,
                       b=None, return_sign=False, where=None, out=None):
    if y is None and b is None and return_sign is False:   # the common call in C
        r = _k.last_axis_rows(_LSE_BWD, 1.0, x, grad_output, out, axis, 1.0, where, False,
                              keepdims)
        if r is not None:
            return r
    fname = "logsumexp_backward"
    if x is None:
        raise TypeError(f"fastact.{fname} needs x")
    x, xa, ins, mk, dtype, red, rshape, keep = _lse_setup(fname, x, axis, keepdims, b,
                                                          where)
    gy = _api.as_input(grad_output, fname, "grad_output")
    if not isinstance(grad_output, _api._PY_SCALARS):
        dtype = np.promote_types(gy.dtype, dtype)
    compute, result = _api.dtypes(dtype, fname)
    if y is not None and _api.as_input(y, fname, "y").shape != rshape:
        raise ValueError(f"fastact.{fname}: y has shape {np.shape(y)}, expected "
                         f"the forward result's shape {rshape}")
    gy = broadcast(gy, rshape, fname, "grad_output", "the result's shape")
    out = _api.check_out(out, x.shape, result, fname)
    kernel_ins = _kernel_inputs(ins, mk, compute)
    kernel_ins["g"] = (_as(gy, compute).reshape(keep), True)
    target = _target(out, xa.shape, compute, kernel_ins["x"][0])
    if xa.size:
        _layout.run(_call(_LSE_BWD, ret_sign=bool(return_sign)), xa.shape, red, kernel_ins,
                    {"o": (target, False)})
    return _finish(target, out, result, x.shape)


# ---- maxout -----------------------------------------------------------------------------

def _pieces(pieces, length, fname):
    try:
        k = operator.index(pieces)
    except TypeError:
        raise TypeError(f"fastact.{fname}: pieces must be an int, got {pieces!r}") from None
    if k < 1 or length % k:
        raise ValueError(f"fastact.{fname}: pieces must be a positive divisor of the "
                         f"axis length {length}, got {k}")
    return k


def _maxout_setup(fname, x, pieces, axis):
    """The input as at least 1-d, its shape with the axis split into
    (groups, pieces), the split axis, the pieces, the result shape and its
    keepdims form within the split shape."""
    xa = x.reshape(1) if x.ndim == 0 else x
    ax = _one_axis(axis, xa.ndim, fname)
    k = _pieces(pieces, xa.shape[ax], fname)
    split = xa.shape[:ax] + (xa.shape[ax] // k, k) + xa.shape[ax + 1:]
    rshape = () if x.ndim == 0 else xa.shape[:ax] + (xa.shape[ax] // k,) + xa.shape[ax + 1:]
    keep = split[:ax + 1] + (1,) + split[ax + 2:]
    return xa, split, ax + 1, rshape, keep


def _maxout_kernel(backward):
    return lambda dims, arrays: _k.maxout_rows(dims, arrays, backward)


def _maxout_fast(x, pieces, axis):
    """pieces and the group count Q when x is the common case: a C-contiguous
    aligned float array grouped along its last axis, so that the kernel takes
    its (1, pieces, Q) view directly, without _layout.run's search (1000
    float32: 18 us -> 4 us); else None."""
    if (type(x) is np.ndarray and axis == -1 and type(pieces) is int and pieces > 0
            and x.ndim and x.dtype in _NATIVE and x.flags.c_contiguous and x.flags.aligned
            and not x.shape[-1] % pieces and x.size):
        return x.size // pieces
    return None


def maxout(x, pieces, axis=-1, *, return_indices=False, out=None):
    Q = _maxout_fast(x, pieces, axis) if out is None else None
    if Q is not None:
        y = np.empty(x.shape[:-1] + (x.shape[-1] // pieces,), x.dtype)
        arrays = {"x": (x, (0, 1, pieces)), "o": (y, (0, 0, 1))}
        if return_indices:
            idx = np.empty(y.shape, np.intp)
            arrays["idx"] = (idx, (0, 0, 1))
        _k.maxout_rows((1, pieces, Q), arrays, False)
        return (y, idx) if return_indices else y
    if type(x) is not np.ndarray and _dask.is_dask(x):
        return _dask.call(maxout, x, axis, pieces,
                          return_indices=return_indices, out=out)
    fname = "maxout"
    x = _api.as_input(x, fname)
    compute, result = _api.dtypes(x.dtype, fname)
    xa, split, ax, rshape, keep = _maxout_setup(fname, x, pieces, axis)
    out = _api.check_out(out, rshape, result, fname)
    target = out.reshape(keep) if out is not None and out.dtype == compute \
        else np.empty(keep, compute)
    idx = np.empty(keep, np.intp) if return_indices else None
    outs = {"o": (target, True)}
    if idx is not None:
        outs["idx"] = (idx, True)
    if target.size:
        _layout.run(_maxout_kernel(False), split, (ax,),
                    {"x": (_as(xa, compute).reshape(split), False)}, outs)
    res = _finish(target, out, result, rshape)
    if return_indices:
        idx = idx.reshape(rshape)
        return res, (idx[()] if idx.ndim == 0 else idx)
    return res


def maxout_backward(grad_output, x, pieces, axis=-1, *, indices=None, out=None):
    Q = _maxout_fast(x, pieces, axis) if out is None and indices is None else None
    if (Q is not None and type(grad_output) is np.ndarray and grad_output.dtype == x.dtype
            and grad_output.flags.c_contiguous and grad_output.flags.aligned
            and grad_output.shape == x.shape[:-1] + (x.shape[-1] // pieces,)):
        target = np.empty(x.shape, x.dtype)
        _k.maxout_rows((1, pieces, Q), {"x": (x, (0, 1, pieces)), "g": (grad_output, (0, 0, 1)),
                                        "o": (target, (0, 1, pieces))}, True)
        return target
    fname = "maxout_backward"
    x = _api.as_input(x, fname)
    gy = _api.as_input(grad_output, fname, "grad_output")
    compute, result = _api.dtypes(_api.grad_dtype(grad_output, gy, x), fname)
    xa, split, ax, rshape, keep = _maxout_setup(fname, x, pieces, axis)
    gy = broadcast(gy, rshape, fname, "grad_output", "the result's shape")
    ins = {"g": (_as(gy, compute).reshape(keep), True)}
    if indices is not None:
        ind = np.asarray(indices)
        if ind.dtype.kind not in "iu" or ind.shape != rshape:
            raise ValueError(f"fastact.{fname}: indices must be an integer array of "
                             f"the forward result's shape {rshape}")
        if ind.size and (ind.min() < 0 or ind.max() >= split[ax]):
            raise ValueError(f"fastact.{fname}: indices must lie in [0, {split[ax]})")
        ins["idx"] = (ind.astype(np.intp, copy=False).reshape(keep), True)
    else:
        ins["x"] = (_as(xa, compute).reshape(split), False)
    out = _api.check_out(out, x.shape, result, fname)
    target = out.reshape(split) if out is not None and out.dtype == compute \
        else np.empty(split, compute)
    if target.size:
        _layout.run(_maxout_kernel(True), split, (ax,), ins, {"o": (target, False)})
    return _finish(target, out, result, x.shape)


NAMES = ("softmax", "log_softmax", "softmin", "logsumexp", "maxout")
__all__ = list(NAMES) + [n + "_backward" for n in NAMES]

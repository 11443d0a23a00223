"""prelu and rrelu: leaky_relu with a slope per channel (prelu's learned
``weight``) or per element (rrelu's random slopes in training mode).

Hand-written wrappers, as ``_table.py`` allows for functions that do not fit
the generated ones, around leaky_relu's compiled kernels: a ufunc parameter
may be an array, so NumPy broadcasts the slopes against ``x``.
"""

import numpy as np

from . import _api
from ._dispatch import kernels as _k


# ---- prelu ----------------------------------------------------------------

def _prelu_weight(weight, x, axis, fname):
    """(weight as float64, shaped to broadcast along ``axis`` of ``x``;
    the axes to sum the weight gradient over)."""
    w = _api.as_input(weight, fname, "weight")
    if w.ndim > 1:
        raise ValueError(f"fastact.{fname}: weight must be a scalar or 1-D, "
                         f"got shape {w.shape}")
    w = w.astype(np.float64)
    if w.size == 1:                      # one slope for every element
        return w.reshape(()), tuple(range(x.ndim))
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fastact.{fname}: axis must be an int, got {axis!r}")
    if x.ndim == 1 and axis == 1:        # API.md: for 1-D x, axis 0
        axis = 0
    if not -x.ndim <= axis < x.ndim:
        raise np.exceptions.AxisError(axis, x.ndim, msg_prefix=f"fastact.{fname}")
    axis %= x.ndim
    if w.shape != (x.shape[axis],):
        raise ValueError(f"fastact.{fname}: weight has shape {w.shape}, expected "
                         f"a scalar or length x.shape[{axis}] = {x.shape[axis]}")
    w = w.reshape(w.shape + (1,) * (x.ndim - axis - 1))
    return w, tuple(a for a in range(x.ndim) if a != axis)


def prelu(x, weight, axis=1, *, out=None):
    if out is None and _api.deferred(x):         # Dask, xarray: their ufunc dispatch
        w, _ = _prelu_weight(weight, x, axis, "prelu")
        return _api.run_deferred(_k.leaky_relu, (x,), (w,), "prelu")
    x = _api.as_input(x, "prelu")
    compute, result = _api.dtypes(x.dtype, "prelu")
    w, _ = _prelu_weight(weight, x, axis, "prelu")
    out = _api.check_out(out, x.shape, result, "prelu")
    return _api.run(_k.leaky_relu, (x, w), out, compute, result, x.shape)


def prelu_backward(grad_output, x=None, *, y=None, weight, axis=1, out=None):
    if x is None:
        raise TypeError("fastact.prelu_backward needs x")
    x = _api.as_input(x, "prelu_backward")
    gy = _api.as_input(grad_output, "prelu_backward", "grad_output")
    compute, result = _api.dtypes(_api.grad_dtype(grad_output, gy, x), "prelu_backward")
    shape = _api.grad_shape(gy, x, "prelu_backward")
    w, others = _prelu_weight(weight, x, axis, "prelu_backward")
    out = _api.check_out(out, shape, result, "prelu_backward")
    # The weight gradient first (out may be x itself): sum of gy * x where
    # x <= 0, each product exact in float64 for float32 input, summed by
    # NumPy (pairwise, so it does not depend on the thread count).
    terms = _k.leaky_relu_vjp_param(gy, x, w, dtype=np.float64)
    # A sum past the dtype's range is inf, and inf + -inf is NaN, rightly and
    # without a flag, as in the kernels (API.md section 4: no warnings).
    with np.errstate(over="ignore", invalid="ignore"):
        grad_weight = terms.sum(axis=others).astype(result).reshape(np.shape(weight))
    grad_input = _api.run(_k.leaky_relu_vjp, (gy, x, w), out, compute, result, shape)
    return grad_input, grad_weight[()] if grad_weight.ndim == 0 else grad_weight


# ---- rrelu -----------------------------------------------------------------

def _rrelu_params(lower, upper, training, fname):
    lower = _api.real_param(lower, "lower", fname)
    upper = _api.real_param(upper, "upper", fname)
    if not lower <= upper:
        raise ValueError(f"fastact.{fname}: expected lower <= upper, got "
                         f"lower={lower!r}, upper={upper!r}")
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"fastact.{fname}: training must be True or False, "
                        f"got {training!r}")
    return lower, upper, bool(training)


def rrelu(x, lower=0.125, upper=1 / 3, training=False, rng=None, *,
          return_slopes=False, out=None):
    if out is None and not training and not return_slopes and _api.deferred(x):
        lower, upper, _ = _rrelu_params(lower, upper, training, "rrelu")
        return _api.run_deferred(_k.leaky_relu, (x,), ((lower + upper) / 2,), "rrelu")
    x = _api.as_input(x, "rrelu")
    compute, result = _api.dtypes(x.dtype, "rrelu")
    lower, upper, training = _rrelu_params(lower, upper, training, "rrelu")
    if training and not np.isfinite(upper - lower):
        raise ValueError(f"fastact.rrelu: training draws slopes from U(lower, upper), "
                         f"expected a finite upper - lower, got lower={lower!r}, "
                         f"upper={upper!r}")
    out = _api.check_out(out, x.shape, result, "rrelu")
    if not training:
        slope = (lower + upper) / 2          # in double, as PyTorch
        y = _api.run(_k.leaky_relu, (x, slope), out, compute, result, x.shape)
        if not return_slopes:
            return y
        slopes = np.where(x <= 0, slope, 1.0).astype(result)
        return y, slopes[()] if slopes.ndim == 0 else slopes
    # One uniform draw per element in C order (so the stream does not depend
    # on the values), rounded to the result dtype so that the forward uses
    # exactly the slopes it returns; 1 where x > 0 (or NaN), as PyTorch's noise.
    try:
        generator = np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"fastact.rrelu: rng must be None, a seed or a "
                        f"numpy.random.Generator ({exc})") from None
    draws = generator.uniform(lower, upper, x.shape)
    slopes = np.where(x <= 0, draws, 1.0).astype(result)
    y = _api.run(_k.leaky_relu, (x, slopes), out, compute, result, x.shape)
    if not return_slopes:
        return y
    return y, slopes[()] if slopes.ndim == 0 else slopes


def rrelu_backward(grad_output, x=None, *, y=None, slopes=None, lower=0.125,
                   upper=1 / 3, training=False, out=None):
    if x is None:
        raise TypeError("fastact.rrelu_backward needs x")
    lower, upper, training = _rrelu_params(lower, upper, training, "rrelu_backward")
    x = _api.as_input(x, "rrelu_backward")
    gy = _api.as_input(grad_output, "rrelu_backward", "grad_output")
    compute, result = _api.dtypes(_api.grad_dtype(grad_output, gy, x), "rrelu_backward")
    shape = _api.grad_shape(gy, x, "rrelu_backward")
    if slopes is not None:
        slope = _api.as_input(slopes, "rrelu_backward", "slopes")
        if slope.shape != x.shape:
            raise ValueError(f"fastact.rrelu_backward: slopes has shape {slope.shape}, "
                             f"expected x's shape {x.shape}")
    elif training:
        raise TypeError("fastact.rrelu_backward: training=True needs the slopes the "
                        "forward drew (rrelu(..., return_slopes=True))")
    else:
        slope = (lower + upper) / 2
    out = _api.check_out(out, shape, result, "rrelu_backward")
    return _api.run(_k.leaky_relu_vjp, (gy, x, slope), out, compute, result, shape)


NAMES = ("prelu", "rrelu")
__all__ = [n for n in NAMES] + [n + "_backward" for n in NAMES]

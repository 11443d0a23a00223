"""Drop-in replacements for ``scipy.special``'s ``expit``, ``log_expit``,
``softmax``, ``log_softmax`` and ``logsumexp`` (API.md section 6)::

    from fastact import scipy as sc
    sc.softmax(x)              # axis=None: over the whole array, as SciPy

Same signatures and defaults as SciPy (note ``axis=None``), the same result
dtypes for real input, and fastact's kernels underneath. Complex input
raises ``TypeError``; so does ``numpy.longdouble`` (fastact computes in
double precision at most). Importing this module does not import SciPy.
"""

import numpy as np

from . import _api, _axis, _elementwise

__all__ = ["expit", "log_expit", "softmax", "log_softmax", "logsumexp"]


def _elementwise_input(x):
    """SciPy's expit runs float32 natively and everything else real in
    float64 (its loops are 'd->d', 'f->f')."""
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype.kind not in "biuf":
        return x
    return x.astype(np.float64, copy=False)


def expit(x, out=None):
    """Logistic sigmoid, ``scipy.special.expit``: 1 / (1 + exp(-x)).

    float32 in, float32 out; other real input in float64. See
    :func:`fastact.sigmoid`.

    Examples
    --------
    >>> from fastact import scipy as sc
    >>> sc.expit([-1.0, 0.0, 1.0])
    array([0.26894142, 0.5       , 0.73105858])
    """
    return _elementwise.sigmoid(_elementwise_input(x), out=out)


def _log_sigmoid(x, out):
    # log(sigmoid(x)) = -log(1 + e^-x) = -logsumexp([0, -x]): fastact's
    # logsumexp splits the maximum out, so both tails are exact.
    pair = np.stack(np.broadcast_arrays(np.zeros((), x.dtype), -x), axis=-1)
    res = _axis.logsumexp(pair, axis=-1)
    res = np.negative(res, out=out) if out is not None else -res
    return res


def log_expit(x, out=None):
    """Logarithm of the logistic sigmoid, ``scipy.special.log_expit``:
    -log(1 + exp(-x)), accurate in both tails.

    float32 in, float32 out; other real input in float64.

    Examples
    --------
    >>> from fastact import scipy as sc
    >>> sc.log_expit([-800.0, 0.0, 40.0])
    array([-8.00000000e+02, -6.93147181e-01, -4.24835426e-18])
    """
    x = _elementwise_input(x)
    _api.dtypes(x.dtype, "scipy.log_expit")
    log_sigmoid = getattr(_elementwise, "log_sigmoid", None)
    if log_sigmoid is not None:
        return log_sigmoid(x, out=out)
    return _log_sigmoid(x, out)


def _float_result(dtype):
    """SciPy's softmax/log_softmax result dtype: NumPy's exp of the input
    (int8 -> float16, int16 -> float32, int32 -> float64, ...)."""
    if dtype.kind in "biu":
        return np.result_type(dtype, np.float16)
    return dtype


def _softmax_like(fn, x, axis):
    x = np.asarray(x)
    result = _float_result(x.dtype) if x.dtype.kind in "biu" else None
    y = fn(x, axis=axis)
    if result is not None:
        y = np.asarray(y).astype(result)
        return y[()] if y.ndim == 0 else y
    return y


def softmax(x, axis=None):
    """The softmax, ``scipy.special.softmax``: exp(x) / sum(exp(x)) over
    ``axis`` (default: the whole array). See :func:`fastact.softmax`.

    Examples
    --------
    >>> from fastact import scipy as sc
    >>> sc.softmax([[1.0, 2.0], [3.0, 4.0]])          # over all entries
    array([[0.0320586 , 0.08714432],
           [0.23688282, 0.64391426]])
    """
    return _softmax_like(_axis.softmax, x, axis)


def log_softmax(x, axis=None):
    """The log of the softmax, ``scipy.special.log_softmax`` (default
    axis: the whole array). See :func:`fastact.log_softmax`.

    Examples
    --------
    >>> from fastact import scipy as sc
    >>> sc.log_softmax([1000.0, 1.0])
    array([   0., -999.])
    """
    return _softmax_like(_axis.log_softmax, x, axis)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))), ``scipy.special.logsumexp`` (default axis: the
    whole array). See :func:`fastact.logsumexp`.

    Examples
    --------
    >>> from fastact import scipy as sc
    >>> value, sign = sc.logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    >>> float(value), float(sign)                      # log|e - e^2|, negative
    (1.5413248546129181, -1.0)
    """
    res = _axis.logsumexp(a, axis, keepdims=keepdims, b=b, return_sign=return_sign)
    if return_sign and np.size(a) == 0:
        # SciPy's sign of an empty sum is sign(-inf) = -1
        out, sign = res
        sign = np.full(np.shape(sign), -1, np.asarray(sign).dtype)
        return out, (sign[()] if sign.ndim == 0 else sign)
    return res

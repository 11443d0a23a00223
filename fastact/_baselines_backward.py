"""Baselines for the backward functions: the derivative formulas users write
with NumPy/SciPy, and PyTorch's own backward kernels (``torch.ops.aten.*``,
the functions autograd calls, without the autograd overhead). Same factory
convention as ``_baselines.py``: a factory takes (grad_output, x) and
returns a zero-argument callable.
"""

import math

import numpy as np

from ._baselines import KWARGS, _numpy_softmax

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT1_2 = 1.0 / math.sqrt(2.0)


def _numpy(fn):
    return lambda gy, x: (lambda: fn(gy, x))


def _numpy_from_output(forward, fn):
    """fn(gy, y) with y = forward(x) computed once, outside the timing."""
    def factory(gy, x):
        y = forward(x)
        return lambda: fn(gy, y)
    return factory


def _scipy(fn):
    def factory(gy, x):
        import scipy.special as sp
        return lambda: fn(sp, gy, x)
    return factory


def _torch(fn, from_output=None):
    """fn(aten, grad, t); with from_output, t is the forward output (as
    aten's sigmoid/tanh backward take it), computed once outside the timing."""
    def factory(gy, x):
        import torch
        g, t = torch.from_numpy(gy), torch.from_numpy(x)
        if from_output is not None:
            t = from_output(torch, t)
        return lambda: fn(torch.ops.aten, g, t)
    return factory


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


BACKWARD_BASELINES = {
    "relu": {
        "numpy": _numpy(lambda gy, x: gy * (x > 0)),
        "torch": _torch(lambda a, g, t: a.threshold_backward(g, t, 0)),
    },
    # sigmoid and tanh: from the forward output y, as PyTorch's kernels take
    # it (and as training code has it): every library gets y, computed once
    # outside the timing (fastact: y=; from x it costs one exp more).
    "sigmoid": {
        "numpy": _numpy_from_output(_sigmoid, lambda gy, y: gy * (y * (1 - y))),
        "torch": _torch(lambda a, g, y: a.sigmoid_backward(g, y), lambda torch, t: torch.sigmoid(t)),
    },
    "tanh": {
        "numpy": _numpy_from_output(np.tanh, lambda gy, y: gy * (1 - y * y)),
        "torch": _torch(lambda a, g, y: a.tanh_backward(g, y), lambda torch, t: torch.tanh(t)),
    },
    "gelu": {
        "scipy": _scipy(lambda sp, gy, x: gy * (0.5 * sp.erfc(-SQRT1_2 * x)
                                                + x * np.exp(-0.5 * x * x) * INV_SQRT_2PI)),
        "torch": _torch(lambda a, g, t: a.gelu_backward(g, t)),
    },
    "silu": {
        "numpy": _numpy(lambda gy, x: gy * (lambda s: s * (1 + x * (1 - s)))(_sigmoid(x))),
        "torch": _torch(lambda a, g, t: a.silu_backward(g, t)),
    },
    "softplus": {
        "numpy": _numpy(lambda gy, x: gy * _sigmoid(x)),
        "torch": _torch(lambda a, g, t: a.softplus_backward(g, t, 1.0, 20.0)),
    },
    "elu": {
        "numpy": _numpy(lambda gy, x: gy * np.where(x > 0, 1.0, np.exp(x))),
        "torch": _torch(lambda a, g, t: a.elu_backward(g, 1.0, 1.0, 1.0, False, t)),
    },
    "mish": {
        "numpy": _numpy(lambda gy, x: gy * (lambda th: th + x * (1 - th * th) * _sigmoid(x))(
            np.tanh(np.logaddexp(0, x)))),
        "torch": _torch(lambda a, g, t: a.mish_backward(g, t)),
    },
    "leaky_relu": {
        "numpy": _numpy(lambda gy, x: gy * np.where(x > 0, 1.0, 0.01)),
        "torch": _torch(lambda a, g, t: a.leaky_relu_backward(g, t, 0.01, False)),
    },
    "hard_swish": {
        "numpy": _numpy(lambda gy, x: gy * np.where(x < -3, 0.0, np.where(x <= 3, x / 3 + 0.5, 1.0))),
        "torch": _torch(lambda a, g, t: a.hardswish_backward(g, t)),
    },
}


# ---- axis-wise functions and gated units: one row of n entries ---------------
# grad_output has the result's shape: GRAD_OF cuts the bench's ones down to it.

def _softmax_np(x):
    return _numpy_softmax(x, -1)


def _gated_numpy(fn):
    """fn(g, a, b) -> (grad a, grad b), on the halves of x."""
    def factory(gy, x):
        a, b = np.split(x, 2, axis=-1)
        g = gy[..., :a.shape[-1]]
        return lambda: np.concatenate(fn(g, a, b), axis=-1)
    return factory


def _maxout_numpy(gy, x):
    g = gy[..., :x.shape[-1] // 4]

    def run():
        groups = x.reshape(x.shape[:-1] + (-1, 4))
        winner = np.argmax(groups, axis=-1)                      # first maximum
        out = np.zeros_like(groups)
        np.put_along_axis(out, winner[..., None], g[..., None], axis=-1)
        return out.reshape(x.shape)
    return run


def _torch_aten_y(call, forward):
    """call(aten, grad, y, dtype) with y = forward(torch, x) computed once."""
    def factory(gy, x):
        import torch
        g, t = torch.from_numpy(gy), torch.from_numpy(x)
        y = forward(torch, t)
        return lambda: call(torch.ops.aten, g, y, t.dtype)
    return factory


def _torch_glu(gy, x):
    import torch
    t = torch.from_numpy(x)
    g = torch.from_numpy(np.ascontiguousarray(gy[..., :x.shape[-1] // 2]))
    return lambda: torch.ops.aten.glu_backward(g, t, -1)


BACKWARD_BASELINES.update({
    "softmax": {
        "numpy": _numpy_from_output(_softmax_np, lambda g, y: y * (g - np.sum(g * y, axis=-1,
                                                                         keepdims=True))),
        "torch": _torch_aten_y(lambda a, g, y, dt: a._softmax_backward_data(g, y, -1, dt),
                               lambda torch, t: torch.softmax(t, -1)),
    },
    "log_softmax": {
        "numpy": _numpy_from_output(lambda x: np.log(_softmax_np(x)),
                                    lambda g, y: g - np.exp(y) * np.sum(g, axis=-1,
                                                                        keepdims=True)),
        "torch": _torch_aten_y(lambda a, g, y, dt: a._log_softmax_backward_data(g, y, -1, dt),
                               lambda torch, t: torch.log_softmax(t, -1)),
    },
    "logsumexp": {
        "numpy": lambda gy, x: (lambda: gy[..., :1] * _softmax_np(x)),
    },
    "glu": {
        "numpy": _gated_numpy(lambda g, a, b: (g * _sigmoid(b),
                                               g * a * _sigmoid(b) * _sigmoid(-b))),
        "torch": _torch_glu,
    },
    "swiglu": {
        "numpy": _gated_numpy(lambda g, a, b: (g * b * _sigmoid(a) * (1 + a * _sigmoid(-a)),
                                               g * a * _sigmoid(a))),
    },
    "reglu": {
        "numpy": _gated_numpy(lambda g, a, b: (g * b * (a > 0), g * np.maximum(a, 0))),
    },
    "maxout": {"numpy": _maxout_numpy},
})

# the part of the bench's grad_output (ones shaped like x) that a backward takes
GRAD_OF = {
    "logsumexp": lambda gy, x: gy[..., 0],
    "glu": lambda gy, x: gy[..., :x.shape[-1] // 2],
    "swiglu": lambda gy, x: gy[..., :x.shape[-1] // 2],
    "reglu": lambda gy, x: gy[..., :x.shape[-1] // 2],
    "maxout": lambda gy, x: gy[..., :x.shape[-1] // 4],
}


def fastact_backward_case(name):
    """A factory for fastact's backward of a case name."""
    import fastact as fa

    fn = getattr(fa, name + "_backward")
    kwargs = KWARGS.get(name, {})
    grad_of = GRAD_OF.get(name, lambda gy, x: gy)
    if name in FROM_OUTPUT:
        def factory(gy, x):
            y = getattr(fa, name)(x)
            return lambda: fn(gy, y=y)
        return factory
    return lambda gy, x: (lambda g: lambda: fn(g, x, **kwargs))(grad_of(gy, x))


# the cases timed from the forward output y, as PyTorch's kernels take it
# (see the comment above "sigmoid")
FROM_OUTPUT = ("sigmoid", "tanh", "softmax", "log_softmax")


BACKWARD_CASES = tuple(BACKWARD_BASELINES)

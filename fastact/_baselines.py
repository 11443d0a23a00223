"""The formulas users write today, for benchmarks: NumPy, SciPy and PyTorch
versions of each function. Shared by ``fastact bench`` and ``bench/``.

Each entry maps a fastact case name to ``{library: factory}``; a factory
takes the input array and returns a zero-argument callable (so a library is
imported only when asked for, and a missing one is skipped).
"""

import math

import numpy as np

SQRT1_2 = 1.0 / math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _numpy(fn):
    return lambda x: (lambda: fn(x))


def _scipy(fn_name_and_call):
    def factory(x):
        import scipy.special as sp
        return lambda: fn_name_and_call(sp, x)
    return factory


def _torch(call):
    def factory(x):
        import torch
        t = torch.from_numpy(x)
        return lambda: call(torch, t)
    return factory


def _gelu_tanh_numpy(x):
    return 0.5 * x * (1.0 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))


BASELINES = {
    "relu": {
        "numpy": _numpy(lambda x: np.maximum(x, 0)),
        "torch": _torch(lambda torch, t: torch.relu(t)),
    },
    "sigmoid": {
        "numpy": _numpy(lambda x: 1.0 / (1.0 + np.exp(-x))),
        "scipy": _scipy(lambda sp, x: sp.expit(x)),
        "torch": _torch(lambda torch, t: torch.sigmoid(t)),
    },
    "tanh": {
        "numpy": _numpy(np.tanh),
        "torch": _torch(lambda torch, t: torch.tanh(t)),
    },
    "gelu": {
        "scipy": _scipy(lambda sp, x: 0.5 * x * sp.erfc(-SQRT1_2 * x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.gelu(t)),
    },
    "gelu_tanh": {
        "numpy": _numpy(_gelu_tanh_numpy),
        "torch": _torch(lambda torch, t: torch.nn.functional.gelu(t, approximate="tanh")),
    },
}


def fastact_case(name):
    """A factory for fastact's own call of a case name."""
    import fastact as fa

    if name == "gelu_tanh":
        return lambda x: (lambda: fa.gelu(x, approximate="tanh"))
    fn = getattr(fa, name)
    return lambda x: (lambda: fn(x))


CASES = tuple(BASELINES)


# ---- axis-wise functions (issue 4) -------------------------------------------
# Factories take (x, axis) and return a zero-argument callable.


def _numpy_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _numpy_log_softmax(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _numpy_logsumexp(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def _axis_numpy(fn):
    return lambda x, axis: (lambda: fn(x, axis))


def _axis_scipy(name):
    def factory(x, axis):
        import scipy.special as sp
        fn = getattr(sp, name)
        return lambda: fn(x, axis=axis)
    return factory


def _axis_torch(name):
    def factory(x, axis):
        import torch
        t = torch.from_numpy(x)
        fn = getattr(torch, name)
        return lambda: fn(t, dim=axis)
    return factory


AXIS_BASELINES = {
    name: {"numpy": _axis_numpy(np_fn), "scipy": _axis_scipy(name), "torch": _axis_torch(name)}
    for name, np_fn in [("softmax", _numpy_softmax), ("log_softmax", _numpy_log_softmax),
                        ("logsumexp", _numpy_logsumexp)]
}


def fastact_axis_case(name):
    """A factory for fastact's call of an axis-wise function."""
    import fastact as fa

    fn = getattr(fa, name)
    return lambda x, axis: (lambda: fn(x, axis))

# `fastact bench softmax ...`: the axis-wise cases on one row of n entries
for _name, _libs in AXIS_BASELINES.items():
    BASELINES[_name] = {lib: (lambda f: lambda x: f(x, -1))(f) for lib, f in _libs.items()}
CASES = tuple(BASELINES)

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


# ---- issue 3: the rest of the element-wise catalog -------------------------
# Parameters for the functions that need some (the same in every library).
KWARGS = {"prelu": {"weight": 0.25}, "threshold": {"threshold": 0.5, "value": 0.0},
          "maxout": {"pieces": 4}}
SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772
RRELU_SLOPE = (0.125 + 1 / 3) / 2


def _where_positive(x, negative):
    return np.where(x > 0, x, negative)


BASELINES.update({
    "relu6": {
        "numpy": _numpy(lambda x: np.clip(x, 0, 6)),
        "torch": _torch(lambda torch, t: torch.nn.functional.relu6(t)),
    },
    "leaky_relu": {
        "numpy": _numpy(lambda x: _where_positive(x, 0.01 * x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.leaky_relu(t)),
    },
    "prelu": {
        "numpy": _numpy(lambda x: _where_positive(x, 0.25 * x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.prelu(
            t, torch.tensor([0.25], dtype=t.dtype))),
    },
    "rrelu": {
        "numpy": _numpy(lambda x: _where_positive(x, RRELU_SLOPE * x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.rrelu(t)),
    },
    "elu": {
        "numpy": _numpy(lambda x: _where_positive(x, np.expm1(x))),
        "torch": _torch(lambda torch, t: torch.nn.functional.elu(t)),
    },
    "selu": {
        "numpy": _numpy(lambda x: SELU_SCALE * _where_positive(x, SELU_ALPHA * np.expm1(x))),
        "torch": _torch(lambda torch, t: torch.nn.functional.selu(t)),
    },
    "celu": {
        "numpy": _numpy(lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x))),
        "torch": _torch(lambda torch, t: torch.nn.functional.celu(t)),
    },
    "log_sigmoid": {
        "numpy": _numpy(lambda x: -np.logaddexp(0, -x)),
        "scipy": _scipy(lambda sp, x: sp.log_expit(x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.logsigmoid(t)),
    },
    "hard_sigmoid": {
        "numpy": _numpy(lambda x: np.clip(x + 3, 0, 6) / 6),
        "torch": _torch(lambda torch, t: torch.nn.functional.hardsigmoid(t)),
    },
    "hard_tanh": {
        "numpy": _numpy(lambda x: np.clip(x, -1, 1)),
        "torch": _torch(lambda torch, t: torch.nn.functional.hardtanh(t)),
    },
    "hard_swish": {
        "numpy": _numpy(lambda x: x * np.clip(x + 3, 0, 6) / 6),
        "torch": _torch(lambda torch, t: torch.nn.functional.hardswish(t)),
    },
    "silu": {
        "numpy": _numpy(lambda x: x / (1 + np.exp(-x))),
        "scipy": _scipy(lambda sp, x: x * sp.expit(x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.silu(t)),
    },
    "swish": {
        "numpy": _numpy(lambda x: x / (1 + np.exp(-1.0 * x))),
        "scipy": _scipy(lambda sp, x: x * sp.expit(1.0 * x)),
    },
    "mish": {
        "numpy": _numpy(lambda x: x * np.tanh(np.logaddexp(0, x))),
        "torch": _torch(lambda torch, t: torch.nn.functional.mish(t)),
    },
    "softplus": {
        "numpy": _numpy(lambda x: np.logaddexp(0, x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.softplus(t)),
    },
    "softsign": {
        "numpy": _numpy(lambda x: x / (1 + np.abs(x))),
        "torch": _torch(lambda torch, t: torch.nn.functional.softsign(t)),
    },
    "hard_shrink": {
        "numpy": _numpy(lambda x: np.where(np.abs(x) > 0.5, x, 0)),
        "torch": _torch(lambda torch, t: torch.nn.functional.hardshrink(t)),
    },
    "soft_shrink": {
        "numpy": _numpy(lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
        "torch": _torch(lambda torch, t: torch.nn.functional.softshrink(t)),
    },
    "tanh_shrink": {
        "numpy": _numpy(lambda x: x - np.tanh(x)),
        "torch": _torch(lambda torch, t: torch.nn.functional.tanhshrink(t)),
    },
    "threshold": {
        "numpy": _numpy(lambda x: np.where(x > 0.5, x, 0.0)),
        "torch": _torch(lambda torch, t: torch.nn.functional.threshold(t, 0.5, 0.0)),
    },
})


def fastact_case(name):
    """A factory for fastact's own call of a case name."""
    import fastact as fa

    if name == "gelu_tanh":
        return lambda x: (lambda: fa.gelu(x, approximate="tanh"))
    fn = getattr(fa, name)
    kwargs = KWARGS.get(name, {})
    return lambda x: (lambda: fn(x, **kwargs))


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


def _softmin_scipy(x, axis):
    import scipy.special as sp
    return lambda: sp.softmax(-x, axis=axis)


def _softmin_torch(x, axis):
    import torch
    t = torch.from_numpy(x)
    return lambda: torch.nn.functional.softmin(t, dim=axis)


AXIS_BASELINES["softmin"] = {"numpy": _axis_numpy(lambda x, axis: _numpy_softmax(-x, axis)),
                             "scipy": _softmin_scipy, "torch": _softmin_torch}


def fastact_axis_case(name):
    """A factory for fastact's call of an axis-wise function."""
    import fastact as fa

    fn = getattr(fa, name)
    return lambda x, axis: (lambda: fn(x, axis))

# `fastact bench softmax ...`: the axis-wise cases on one row of n entries
for _name, _libs in AXIS_BASELINES.items():
    BASELINES[_name] = {lib: (lambda f: lambda x: f(x, -1))(f) for lib, f in _libs.items()}


# ---- gated units and maxout: one row of n entries, halves a = x[:n/2] and
# b = x[n/2:] (maxout: groups of 4 consecutive entries) -------------------------

def _halves(fn):
    """A NumPy/SciPy factory for fn(a, b) on the halves of x (views)."""
    def factory(x):
        a, b = np.split(x, 2, axis=-1)
        return lambda: fn(a, b)
    return factory


def _scipy_halves(fn):
    def factory(x):
        import scipy.special as sp
        a, b = np.split(x, 2, axis=-1)
        return lambda: fn(sp, a, b)
    return factory


def _torch_halves(fn):
    def factory(x):
        import torch
        ta, tb = torch.from_numpy(x).chunk(2, dim=-1)
        return lambda: fn(torch.nn.functional, ta, tb)
    return factory


def _torch_maxout(x):
    import torch
    t = torch.from_numpy(x)
    return lambda: t.unflatten(-1, (-1, 4)).amax(-1)


BASELINES.update({
    "glu": {
        "numpy": _halves(lambda a, b: a / (1 + np.exp(-b))),
        "scipy": _scipy_halves(lambda sp, a, b: a * sp.expit(b)),
        "torch": _torch(lambda torch, t: torch.nn.functional.glu(t, dim=-1)),
    },
    "swiglu": {
        "numpy": _halves(lambda a, b: a / (1 + np.exp(-a)) * b),
        "scipy": _scipy_halves(lambda sp, a, b: a * sp.expit(a) * b),
        "torch": _torch_halves(lambda F, a, b: F.silu(a) * b),
    },
    "geglu": {
        "scipy": _scipy_halves(lambda sp, a, b: 0.5 * a * sp.erfc(-SQRT1_2 * a) * b),
        "torch": _torch_halves(lambda F, a, b: F.gelu(a) * b),
    },
    "reglu": {
        "numpy": _halves(lambda a, b: np.maximum(a, 0) * b),
        "torch": _torch_halves(lambda F, a, b: F.relu(a) * b),
    },
    "maxout": {
        "numpy": _numpy(lambda x: x.reshape(x.shape[:-1] + (-1, 4)).max(axis=-1)),
        "torch": _torch_maxout,
    },
})
CASES = tuple(BASELINES)

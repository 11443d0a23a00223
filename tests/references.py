"""Independent references for the element-wise functions, in mpmath.

Each entry gives the function and its derivative as mpmath expressions of the
textbook formula (API.md section 1), evaluated at high precision; nothing here
shares code with fastact's kernels. ``zeros`` lists interior zeros of the
derivative, near which the accuracy bound is absolute (N * ulp(1/64)).
"""

import mpmath as mp

# Constants are computed at the working precision of each call (a module
# constant would freeze 53 bits into every reference).


def SQRT2():
    return mp.sqrt(2)


def K():
    return mp.sqrt(2 / mp.pi)          # gelu-tanh: sqrt(2/pi)


def C():
    return mp.mpf("0.044715")


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _gelu_tanh_d(x):
    u = K() * (x + C() * x ** 3)
    s = _sigmoid(2 * u)
    return s + x * 2 * K() * (1 + 3 * C() * x * x) * s * (1 - s)


# name -> (kwargs for fastact, f(x), f'(x), zeros of f')
REFERENCES = {
    "relu": ({}, lambda x: max(x, 0), lambda x: 1 if x > 0 else 0, ()),
    "sigmoid": ({}, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), ()),
    "tanh": ({}, mp.tanh, lambda x: mp.sech(x) ** 2, ()),
    "gelu": ({}, lambda x: x / 2 * mp.erfc(-x / SQRT2()),
             lambda x: mp.erfc(-x / SQRT2()) / 2 + x * _phi(x), (-0.7517915246935645,)),
    "gelu_tanh": ({"approximate": "tanh"},
                  lambda x: x / 2 * (1 + mp.tanh(K() * (x + C() * x ** 3))),
                  _gelu_tanh_d, (-0.7524614220710163,)),
}


def public_name(case):
    """fastact's function for a reference case ('gelu_tanh' is gelu)."""
    return "gelu" if case == "gelu_tanh" else case

"""Independent references for the element-wise functions, in mpmath.

Each entry gives the function and its derivative as mpmath expressions of the
textbook formula (API.md section 1), evaluated at high precision; nothing here
shares code with fastact's kernels. ``zeros`` lists interior zeros of the
derivative, near which the accuracy bound is absolute (N * ulp(1/64)).
"""

import mpmath as mp

# Constants are computed at the working precision of each call (a module
# constant would freeze 53 bits into every reference).


GELU_ZERO = -0.7517915246935645        # gelu'(x) = 0


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
             lambda x: mp.erfc(-x / SQRT2()) / 2 + x * _phi(x), (GELU_ZERO,)),
    "gelu_tanh": ({"approximate": "tanh"},
                  lambda x: x / 2 * (1 + mp.tanh(K() * (x + C() * x ** 3))),
                  _gelu_tanh_d, (-0.7524614220710163,)),
}



# ---- issue 3: the rest of the element-wise catalog -------------------------
# Parameters enter as the doubles fastact receives (mp.mpf of a float is
# exact); SELU's constants are API.md's decimals.

def SELU_SCALE():
    return mp.mpf("1.0507009873554804934193349852946")


def SELU_ALPHA():
    return mp.mpf("1.6732632423543772848170429916717")


def _step(x, lo, hi):
    """1 on the open interval (lo, hi), else 0: the derivative of a clip,
    0 at the kinks as PyTorch."""
    return 1 if lo < x < hi else 0


def _leaky(slope):
    slope = mp.mpf(slope)
    return ({}, lambda x: x if x > 0 else slope * x, lambda x: 1 if x > 0 else slope)


def _elu(alpha):
    a = mp.mpf(alpha)
    return (lambda x: x if x > 0 else a * mp.expm1(x),
            lambda x: 1 if x > 0 else a * mp.exp(x))


def _celu(alpha):
    a = mp.mpf(alpha)
    return (lambda x: max(0, x) + min(0, a * mp.expm1(x / a)),
            lambda x: 1 if x > 0 else mp.exp(x / a))


def _swish(beta):
    b = mp.mpf(beta)
    return (lambda x: x * _sigmoid(b * x),
            lambda x: _sigmoid(b * x) * (1 + b * x * (1 - _sigmoid(b * x))))


def _softplus(beta, threshold=None):
    b = mp.mpf(beta)

    def f(x):
        if threshold is not None and b * x > threshold:
            return x
        return mp.log1p(mp.exp(b * x)) / b

    def d(x):
        if threshold is not None and b * x > threshold:
            return 1
        return _sigmoid(b * x)
    return f, d


def _mish_d(x):
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 * _sigmoid(x)


def _hard_swish(x):
    return x * min(max(x + 3, 0), 6) / 6


def _hard_swish_d(x):
    # PyTorch's choice at the kinks: 0 at -3, 1 at 3
    return 0 if x <= -3 else 1 if x >= 3 else (2 * x + 3) / 6


SILU_ZERO = -1.2784645427610738       # silu'(x) = 0 (and swish' at x * beta)
MISH_ZERO = -1.1924312145154952

RRELU_SLOPE = (0.125 + 1 / 3) / 2     # rrelu in eval mode: (lower + upper)/2 in double

REFERENCES.update({
    "relu6": ({}, lambda x: min(max(x, 0), 6), lambda x: _step(x, 0, 6), ()),
    "leaky_relu": _leaky(0.01) + ((),),
    "prelu": ({"weight": 0.25},) + _leaky(0.25)[1:] + ((),),
    "rrelu": _leaky(RRELU_SLOPE) + ((),),
    "elu": ({},) + _elu(1.0) + ((),),
    "selu": ({}, lambda x: SELU_SCALE() * (x if x > 0 else SELU_ALPHA() * mp.expm1(x)),
             lambda x: SELU_SCALE() * (1 if x > 0 else SELU_ALPHA() * mp.exp(x)), ()),
    "celu": ({},) + _celu(1.0) + ((),),
    "log_sigmoid": ({}, lambda x: -mp.log1p(mp.exp(-x)), lambda x: 1 / (1 + mp.exp(x)), ()),
    "hard_sigmoid": ({}, lambda x: min(max(x + 3, 0), 6) / 6,
                     lambda x: mp.mpf(_step(x, -3, 3)) / 6, ()),
    "hard_tanh": ({}, lambda x: min(max(x, -1), 1), lambda x: _step(x, -1, 1), ()),
    "hard_swish": ({}, _hard_swish, _hard_swish_d, ()),
    "silu": ({},) + _swish(1.0) + ((SILU_ZERO,),),
    "swish": ({},) + _swish(1.0) + ((SILU_ZERO,),),
    "mish": ({}, lambda x: x * mp.tanh(mp.log1p(mp.exp(x))), _mish_d, (MISH_ZERO,)),
    "softplus": ({},) + _softplus(1.0) + ((),),
    "softsign": ({}, lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2, ()),
    "hard_shrink": ({}, lambda x: x if abs(x) > 0.5 else 0,
                    lambda x: 1 if abs(x) > 0.5 else 0, ()),
    "soft_shrink": ({}, lambda x: x - mp.sign(x) * mp.mpf(0.5) if abs(x) > 0.5 else 0,
                    lambda x: 1 if abs(x) > 0.5 else 0, ()),
    "tanh_shrink": ({}, lambda x: x - mp.tanh(x), lambda x: mp.tanh(x) ** 2, ()),
    "threshold": ({"threshold": 0.5, "value": -2.0}, lambda x: x if x > 0.5 else -2,
                  lambda x: 1 if x > 0.5 else 0, ()),
})

# Non-default parameters, for the accuracy tests only (the behaviour grid
# runs on REFERENCES): case -> (public name, entry as in REFERENCES).
VARIANTS = {
    "leaky_relu_neg": ("leaky_relu", ({"negative_slope": -0.3},) + _leaky(-0.3)[1:] + ((),)),
    "elu_alpha": ("elu", ({"alpha": 2.5},) + _elu(2.5) + ((),)),
    "celu_alpha": ("celu", ({"alpha": 0.7},) + _celu(0.7) + ((),)),
    # alpha < 0: x / alpha > 0 for x < 0 (float32 once returned -0 there)
    "celu_neg": ("celu", ({"alpha": -1.5},) + _celu(-1.5) + ((),)),
    "hard_tanh_wide": ("hard_tanh", ({"min_val": -0.3, "max_val": 2.7},
                                     lambda x: min(max(x, mp.mpf(-0.3)), mp.mpf(2.7)),
                                     lambda x: _step(x, -0.3, 2.7), ())),
    "swish_beta": ("swish", ({"beta": 1.7},) + _swish(1.7) + ((SILU_ZERO / 1.7,),)),
    "swish_neg": ("swish", ({"beta": -0.6},) + _swish(-0.6) + ((SILU_ZERO / -0.6,),)),
    "softplus_beta": ("softplus", ({"beta": 0.3},) + _softplus(0.3) + ((),)),
    "softplus_threshold": ("softplus", ({"threshold": 20.0},) + _softplus(1.0, 20) + ((),)),
    "hard_shrink_wide": ("hard_shrink", ({"lambd": 2.3}, lambda x: x if abs(x) > 2.3 else 0,
                                         lambda x: 1 if abs(x) > 2.3 else 0, ())),
    "soft_shrink_wide": ("soft_shrink", ({"lambd": 2.3},
                                         lambda x: x - mp.sign(x) * mp.mpf(2.3) if abs(x) > 2.3 else 0,
                                         lambda x: 1 if abs(x) > 2.3 else 0, ())),
}

_PUBLIC = {"gelu_tanh": "gelu", **{case: name for case, (name, _) in VARIANTS.items()}}


def public_name(case):
    """fastact's function for a reference case ('gelu_tanh' is gelu)."""
    return _PUBLIC.get(case, case)


def entry(case):
    """(kwargs, f, f', zeros of f') of a case of REFERENCES or VARIANTS."""
    return REFERENCES[case] if case in REFERENCES else VARIANTS[case][1]

"""Docstrings of the public functions (numpydoc), kept apart from the
generated wrappers. ``attach`` puts them in place at import."""

_PARAMS_X = """x : array_like
    Input. float32 and float64 are computed natively, float16 in float32
    (returned as float16), bool and integers in float64."""

_OUT = """out : ndarray, optional
    Where to write the result: exactly the result's shape and dtype,
    writeable; may be ``x`` itself."""

_RETURNS = """Returns
-------
ndarray or scalar
    The result (``out`` if given; a NumPy scalar for 0-d input)."""

_RAISES = """Raises
------
TypeError
    Unsupported dtype (complex, object, strings, ...), or ``out`` of the
    wrong dtype.
ValueError
    ``out`` of the wrong shape or read-only{extra}."""

_BACKWARD = """Vector-Jacobian product of :func:`fastact.{name}`: ``grad_output * {name}'(x)``.

{deriv}

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the forward result; must
    broadcast to the forward input's shape (``1.0`` gives the derivative).
x : array_like, optional
    The forward input.
y : array_like, optional
    The forward output. {from_y}
{params}{out}

{returns}

{raises}
"""


def _forward(summary, formula, notes, params="", extra_raise="", examples=""):
    text = (f"{summary}\n\n{formula}\n\nParameters\n----------\n{_PARAMS_X}\n"
            f"{params}{_OUT}\n\n{_RETURNS}\n\n"
            f"{_RAISES.format(extra=extra_raise)}\n\nNotes\n-----\n{notes}\n")
    if examples:
        text += f"\nExamples\n--------\n{examples}\n"
    return text


def _backward(name, deriv, from_y, params=""):
    if from_y:
        y_text = ("Enough alone; when both are given ``x`` is used (it is "
                  "the more accurate in the tails).")
    else:
        y_text = f"Not enough alone: ``{name}_backward`` needs ``x``."
    extra = "" if from_y else "\n    x is missing"
    return _BACKWARD.format(name=name, deriv=deriv, from_y=y_text,
                            params=params, out=_OUT, returns=_RETURNS,
                            raises=_RAISES.format(extra="") + (
                                "\nTypeError\n    Neither x nor y given." if from_y
                                else "\nTypeError\n    x not given."))


_GELU_PARAM = """approximate : {'none', 'tanh'}, default 'none'
    ``'none'``: the exact x * Phi(x) (PyTorch's default); ``'tanh'``: the
    tanh approximation (the default of JAX and keras.ops).
"""

DOCS = {
    "relu": _forward(
        "Rectified linear unit, element-wise.",
        "relu(x) = max(x, 0)",
        "Exact. ``relu(-0.0)`` is ``+0.0`` and NaN gives NaN, as in PyTorch.",
        examples=">>> import fastact as fa\n>>> fa.relu([-1.0, 0.0, 2.5])\n"
                 "array([0. , 0. , 2.5])"),
    "relu_backward": _backward(
        "relu", "relu'(x) = 1 for x > 0, else 0; at the kink x = 0 the "
        "derivative is taken as 0 (PyTorch's choice). NaN input gives NaN.",
        from_y=True),
    "sigmoid": _forward(
        "Logistic sigmoid (also ``expit``), element-wise.",
        "sigmoid(x) = 1 / (1 + exp(-x))",
        "Saturates to exactly 0 and 1 at -inf and +inf without warnings. "
        "Computed in double precision (float32 rounds once), within the "
        "accuracy promise of API.md section 7.",
        examples=">>> import fastact as fa\n>>> float(fa.sigmoid(0.0))\n0.5"),
    "sigmoid_backward": _backward(
        "sigmoid", "sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|): exact in "
        "the tails (sigmoid'(80) = 1.8e-35), where sigmoid*(1-sigmoid) is 0. "
        "From ``y`` alone it is y * (1 - y).", from_y=True),
    "tanh": _forward(
        "Hyperbolic tangent, element-wise.", "tanh(x)",
        "Computed in double precision; float32 rounds once."),
    "tanh_backward": _backward(
        "tanh", "tanh'(x) = sech(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|), "
        "accurate in the tails where 1 - tanh^2 cancels to 0. From ``y`` "
        "alone it is 1 - y^2.", from_y=True),
    "gelu": _forward(
        "Gaussian error linear unit, element-wise.",
        "gelu(x) = x * Phi(x) = x/2 * erfc(-x/sqrt(2)); with "
        "``approximate='tanh'``: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
        "Computed through erfc, not 1 + erf, so the negative tail keeps its "
        "precision (PyTorch's float32 gelu returns 0 below x = -6; the true "
        "gelu(-10) is -7.6e-23); the rounding of -x/sqrt(2) is corrected to "
        "first order. The tanh form is evaluated as x * sigmoid(2u) with u "
        "in double-double. gelu(-inf) = -0.0 and gelu(+inf) = +inf (PyTorch "
        "gives NaN at -inf).",
        params=_GELU_PARAM,
        extra_raise=", or ``approximate`` is neither 'none' nor 'tanh'"),
    "gelu_backward": _backward(
        "gelu", "gelu'(x) = Phi(x) + x * phi(x); for 'tanh', "
        "sigmoid(2u) + x * 2u' * sigmoid(2u) * (1 - sigmoid(2u)).",
        from_y=False, params=_GELU_PARAM),
}


def attach(namespace):
    """Give each public function in ``namespace`` its docstring."""
    for name, doc in DOCS.items():
        if name in namespace:
            namespace[name].__doc__ = doc

"""Docstrings of the public functions (numpydoc), kept apart from the
generated wrappers. ``attach`` puts them in place at import."""

import textwrap

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


def _backward(name, deriv, from_y, params="", extra_raise=""):
    """``from_y``: True, False, or the condition under which y is enough."""
    when = f" when {from_y}" if isinstance(from_y, str) else ""
    if from_y:
        y_text = (f"Enough alone{when}; when both are given ``x`` is used (it is "
                  "the more accurate in the tails).")
    else:
        y_text = f"Not enough alone: ``{name}_backward`` needs ``x``."
    if from_y:
        missing = "Neither x nor y given" + (f", or y alone unless {from_y}." if when else ".")
    else:
        missing = "x not given."
    return _BACKWARD.format(name=name, deriv=deriv, from_y=y_text,
                            params=params, out=_OUT, returns=_RETURNS,
                            raises=_RAISES.format(extra=extra_raise)
                            + f"\nTypeError\n    {missing}")


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
        "float64 is computed in double precision, float32 natively in float "
        "(e^-|x| then one division), within the accuracy promise of API.md "
        "section 7.",
        examples=">>> import fastact as fa\n>>> float(fa.sigmoid(0.0))\n0.5"),
    "sigmoid_backward": _backward(
        "sigmoid", "sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|): exact in "
        "the tails (sigmoid'(80) = 1.8e-35), where sigmoid*(1-sigmoid) is 0. "
        "From ``y`` alone it is y * (1 - y).", from_y=True),
    "tanh": _forward(
        "Hyperbolic tangent, element-wise.", "tanh(x)",
        "float64 is computed in double precision, float32 natively in float."),
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


# ---- issue 3: the rest of the element-wise catalog -------------------------

def _measured(*cases):
    """The Notes line with the measured maxima (fastact/_accuracy.py, written
    by tools/accuracy_table.py)."""
    from ._accuracy import MEASURED, PLATFORM
    parts = []
    for case in cases:
        f32f, f32b, f64f, f64b = MEASURED[case]
        label = "" if len(cases) == 1 else f"{case}: "
        parts.append(f"{label}float32 {f32f:.2f} / {f32b:.2f} ULP, float64 "
                     f"{f64f:.2f} / {f64b:.2f} ULP")
    return ("Measured maximum error against mpmath (forward / backward; "
            f"tools/accuracy_table.py on {PLATFORM}): " + "; ".join(parts) + ".")


_PROMISE = ("API.md's promise: float32 <= 2 ULP and float64 <= 4 ULP wherever the "
            "exact result is a normal number. float64 is computed in double "
            "precision; float32 either natively in float or in double and "
            "rounded once (fastact/_table.py's f32 column says which).")
_EXACT = ("Piecewise linear: exact up to one rounding of the result (parameters "
          "are used as the doubles given, also for float32 input).")
_TORCH = "Parameter names and defaults match PyTorch 2.13"
_NAN = ("NaN gives NaN, forward and backward (PyTorch's backward returns the "
        "gradient or 0 for NaN input).")


def _fill(text, indent=""):
    return textwrap.fill(text, 76, initial_indent=indent, subsequent_indent=indent)


def _p(name, kind, text):
    return f"{name} : {kind}\n{_fill(text, '    ')}\n"


def _doc_pair(name, summary, formula, deriv, notes, params="", extra_raise="",
              from_y=False, cases=None, exact=False, examples=""):
    """Docstrings of ``name`` and ``name_backward``."""
    accuracy = _EXACT if exact else _PROMISE
    notes = f"{_fill(notes)}\n\n{_fill(accuracy + ' ' + _measured(*(cases or (name,))))}"
    return {
        name: _forward(summary, _fill(formula), notes, params, extra_raise, examples),
        name + "_backward": _backward(name, _fill(deriv), from_y, params, extra_raise),
    }


_ALPHA = _p("alpha", "float, default 1.0", "Scale of the negative branch (PyTorch's default).")
_LAMBD = _p("lambd", "float, default 0.5",
            "Half-width of the interval mapped to 0 (PyTorch's name and default).")

DOCS.update(_doc_pair(
    "relu6", "ReLU capped at 6, element-wise.", "relu6(x) = min(max(x, 0), 6)",
    "relu6'(x) = 1 for 0 < x < 6, else 0; 0 at both kinks (PyTorch's choice).",
    f"{_TORCH}. relu6(-0.0) = +0.0 as relu (PyTorch: -0.0). {_NAN}", exact=True))

DOCS.update(_doc_pair(
    "leaky_relu", "Leaky rectified linear unit, element-wise.",
    "leaky_relu(x) = x if x > 0 else negative_slope * x",
    "leaky_relu'(x) = 1 for x > 0, else negative_slope; at the kink x = 0 it is "
    "negative_slope (PyTorch's choice).",
    f"{_TORCH} (negative_slope=0.01). {_NAN}",
    params=_p("negative_slope", "float, default 0.01", "Slope for x <= 0."),
    from_y="negative_slope >= 0", exact=True))

DOCS.update(_doc_pair(
    "elu", "Exponential linear unit, element-wise.",
    "elu(x) = x if x > 0 else alpha * expm1(x)",
    "elu'(x) = 1 for x > 0, else alpha * exp(x); at the kink x = 0 it is alpha "
    "(PyTorch takes the x <= 0 branch). From ``y`` alone: y + alpha for y <= 0.",
    f"{_TORCH}. elu(-inf) = -alpha. {_NAN}", params=_ALPHA, from_y="alpha > 0",
    cases=("elu", "elu_alpha")))

DOCS.update(_doc_pair(
    "selu", "Scaled exponential linear unit, element-wise.",
    "selu(x) = scale * (x if x > 0 else alpha * expm1(x)), scale = "
    "1.0507009873554804934193349852946, alpha = 1.6732632423543772848170429916717",
    "selu'(x) = scale for x > 0, else scale * alpha * exp(x); at the kink x = 0 "
    "it is scale * alpha (PyTorch takes the x <= 0 branch). From ``y`` alone: "
    "y + scale * alpha for y <= 0.",
    "The constants are those of API.md and PyTorch (Klambauer et al., 2017), "
    "carried in double-double so that scale * x rounds once. selu(-inf) = "
    f"-scale * alpha. {_NAN}", from_y=True))

DOCS.update(_doc_pair(
    "celu", "Continuously differentiable exponential linear unit, element-wise.",
    "celu(x) = max(0, x) + min(0, alpha * expm1(x / alpha))",
    "celu'(x) = 1 for x > 0, else exp(x / alpha) (1 at x = 0 from both sides). "
    "x / alpha is carried with its rounding error, which exp would amplify "
    "far out. From ``y`` alone: y / alpha + 1 for y <= 0.",
    f"{_TORCH}. celu(-inf) = -alpha for alpha > 0. {_NAN}", params=_ALPHA,
    extra_raise=", or alpha == 0", from_y="alpha > 0", cases=("celu", "celu_alpha")))

DOCS.update(_doc_pair(
    "log_sigmoid", "Logarithm of the logistic sigmoid, element-wise.",
    "log_sigmoid(x) = log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))",
    "log_sigmoid'(x) = sigmoid(-x) = 1 / (1 + e^x), computed from e^-|x| so "
    "that neither tail cancels.",
    f"log_sigmoid(-inf) = -inf, log_sigmoid(+inf) = 0. {_NAN}"))

DOCS.update(_doc_pair(
    "hard_sigmoid", "Piecewise-linear sigmoid, element-wise.",
    "hard_sigmoid(x) = relu6(x + 3) / 6",
    "hard_sigmoid'(x) = 1/6 for -3 < x < 3, else 0; 0 at the kinks x = +-3 "
    "(PyTorch's choice). Computed as grad_output / 6, one rounding.",
    "(x + 3) / 6 is rounded once (the sum is carried exactly). "
    f"{_NAN}", exact=True))

DOCS.update(_doc_pair(
    "hard_tanh", "Clip to [min_val, max_val], element-wise.",
    "hard_tanh(x) = clip(x, min_val, max_val)",
    "hard_tanh'(x) = 1 for min_val < x < max_val, else 0; 0 at the kinks "
    "(PyTorch's choice). From ``y`` alone: the same test on y.",
    f"{_TORCH} (min_val=-1.0, max_val=1.0). {_NAN}",
    params=_p("min_val", "float, default -1.0", "Lower end.")
    + _p("max_val", "float, default 1.0", "Upper end; min_val <= max_val."),
    extra_raise=", or min_val > max_val", from_y=True,
    cases=("hard_tanh", "hard_tanh_wide"), exact=True))

DOCS.update(_doc_pair(
    "hard_swish", "Hard swish (MobileNetV3), element-wise.",
    "hard_swish(x) = x * relu6(x + 3) / 6",
    "hard_swish'(x) = 0 for x <= -3, (2x + 3) / 6 for -3 < x < 3 (rounded once), "
    "1 for x >= 3: PyTorch's choice at the kinks (0 at -3, 1 at 3).",
    "hard_swish(-inf) = 0 (PyTorch: NaN), hard_swish(+inf) = +inf. "
    f"x * hard_sigmoid(x), two roundings. {_NAN}"))

DOCS.update(_doc_pair(
    "silu", "Sigmoid linear unit (swish with beta = 1), element-wise.",
    "silu(x) = x * sigmoid(x)",
    "silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x))), from e^-|x| with the "
    "numerator and (1 + e)^2 carried exactly; a Taylor series around its zero "
    "at x = -1.2785, where the formula cancels (the bound there is absolute, "
    "4 * ulp(1/64) in float64); e^x (1 + x) scaled below x = -700.",
    "silu(-inf) = 0 (PyTorch: NaN); the far negative tail x e^x stays exact "
    f"down to x = -745, where e^x is subnormal. {_NAN}"))

DOCS.update(_doc_pair(
    "swish", "Swish with a slope, element-wise.", "swish(x) = x * sigmoid(beta * x)",
    "swish'(x) = silu'(beta x): the same kernel as silu_backward at t = beta x, "
    "with beta x carried with its rounding error (sigmoid amplifies it by |t|).",
    "No PyTorch function (swish with beta = 1 is torch's silu). beta = 0 gives "
    "x / 2; a negative beta is allowed. swish(-inf) = 0 for beta > 0. The bound "
    f"holds for |beta| >= 1e-50. {_NAN}",
    params=_p("beta", "float, default 1.0", "Slope of the sigmoid."),
    cases=("swish", "swish_beta", "swish_neg")))

DOCS.update(_doc_pair(
    "mish", "Mish, element-wise.", "mish(x) = x * tanh(softplus(x))",
    "mish'(x) = tanh(sp) + x sech(sp)^2 sigmoid(x), sp = softplus(x), as "
    "e B / m^2 with e = e^x, m = e(e + 2) + 2, B = 4(1 + x) + e (6 + 4x + e(4 + e)) "
    "whose terms share a sign; a Taylor series around its zero at x = -1.1924 "
    "(absolute bound there).",
    "tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2): one exp, no "
    "cancellation. mish(-inf) = 0 (PyTorch: NaN), mish(+inf) = +inf. "
    f"{_NAN}"))

DOCS.update(_doc_pair(
    "softplus", "Softplus, element-wise.",
    "softplus(x) = log1p(exp(beta * x)) / beta; with a number for threshold, x "
    "where beta * x > threshold",
    "softplus'(x) = sigmoid(beta * x) (1 where beta * x > threshold).",
    "Exact by default (threshold=None). PyTorch's default threshold=20 returns "
    "x for beta x > 20, off by up to 2.6e5 ULP in float64; pass threshold=20 "
    "for PyTorch's values. beta defaults to 1.0 as in PyTorch. Computed as "
    "x + log1p(e^-t) / beta for t = beta x > 0 and log1p(e^t) / beta otherwise, "
    f"with t carried with its rounding error. {_NAN}",
    params=_p("beta", "float, default 1.0", "Sharpness; beta != 0.")
    + _p("threshold", "float or None, default None",
         "None: exact everywhere. A number: linear where beta * x > threshold."),
    extra_raise=", or beta == 0", cases=("softplus", "softplus_beta")))

DOCS.update(_doc_pair(
    "softsign", "Softsign, element-wise.", "softsign(x) = x / (1 + |x|)",
    "softsign'(x) = 1 / (1 + |x|)^2, with 1 + |x| and its square carried "
    "exactly: one rounding.",
    f"softsign(+-inf) = +-1 (PyTorch: NaN). {_NAN}"))

DOCS.update(_doc_pair(
    "hard_shrink", "Hard shrinkage, element-wise.",
    "hard_shrink(x) = x if |x| > lambd else 0",
    "hard_shrink'(x) = 1 for |x| > lambd, else 0; 0 at |x| = lambd (PyTorch's "
    "choice).", f"{_TORCH}. A negative lambd shrinks nothing, as in PyTorch. {_NAN}",
    params=_LAMBD, cases=("hard_shrink", "hard_shrink_wide"), exact=True))

DOCS.update(_doc_pair(
    "soft_shrink", "Soft shrinkage, element-wise.",
    "soft_shrink(x) = x - lambd * sign(x) if |x| > lambd else 0",
    "soft_shrink'(x) = 1 for |x| > lambd, else 0; 0 at |x| = lambd (PyTorch's "
    "choice).", f"{_TORCH}; lambd >= 0 as PyTorch requires. {_NAN}",
    params=_LAMBD, extra_raise=", or lambd < 0",
    cases=("soft_shrink", "soft_shrink_wide"), exact=True))

DOCS.update(_doc_pair(
    "tanh_shrink", "x minus its tanh, element-wise.", "tanh_shrink(x) = x - tanh(x)",
    "tanh_shrink'(x) = tanh(x)^2, from the same series below |x| = 1 (carried "
    "exactly and squared once) and 1 - sech(x)^2 above.",
    "For |x| < 1, x - tanh x cancels (x^3/3 at small x: in float32 the plain "
    "formula keeps no correct digit at x = 1e-4): fastact evaluates x^3 g(x^2) "
    "with a polynomial g fitted by tools/tanh_shrink_poly.py. "
    f"tanh_shrink(+-inf) = +-inf. {_NAN}"))

DOCS.update(_doc_pair(
    "threshold", "Replace values at or below a threshold, element-wise.",
    "threshold(x) = x if x > threshold else value",
    "threshold'(x) = 1 for x > threshold, else 0 (0 at x = threshold, PyTorch's "
    "choice).",
    f"{_TORCH}: both parameters are required. {_NAN}",
    params=_p("threshold", "float", "Values x <= threshold are replaced.")
    + _p("value", "float", "The replacement."), exact=True))


_PRELU_PARAMS = (
    _p("weight", "array_like",
       "The slopes for x <= 0: a scalar (or length-1 array) for every element, or "
       "a 1-D array of length x.shape[axis], one per channel, as PyTorch's PReLU "
       "weight. Used in double precision.")
    + _p("axis", "int, default 1", "The channel axis (PyTorch's dim 1); for 1-D "
         "x it is 0."))
_PRELU_RAISE = (", or weight is not a scalar or 1-D of length x.shape[axis]\n"
                "numpy.exceptions.AxisError\n    axis out of range")

DOCS["prelu"] = _forward(
    "Parametric ReLU with a slope per channel, element-wise.",
    "prelu(x) = x if x > 0 else weight[c] * x, c the index along axis",
    _fill(f"{_TORCH}'s prelu (weight broadcast along dim 1). {_NAN} {_EXACT} "
          + _measured("prelu")), params=_PRELU_PARAMS, extra_raise=_PRELU_RAISE,
    examples=">>> import numpy as np, fastact as fa\n"
             ">>> fa.prelu(np.array([[-1.0, -1.0], [2.0, -4.0]]), [0.1, 0.5])\n"
             "array([[-0.1, -0.5],\n       [ 2. , -2. ]])")
DOCS["prelu_backward"] = f"""Vector-Jacobian products of :func:`fastact.prelu` with respect to x and weight.

grad_input = grad_output * (1 if x > 0 else weight[c]) (weight[c] at the kink
x = 0, PyTorch's choice); grad_weight[c] = sum over everything but the
channel axis of grad_output * (0 if x > 0 else x).

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the forward result; must
    broadcast to the forward input's shape.
x : array_like
    The forward input (required).
y : array_like, optional
    Not enough alone: ``prelu_backward`` needs ``x``.
{_PRELU_PARAMS}{_OUT} Only for grad_input.

Returns
-------
grad_input : ndarray or scalar
    Shaped as x (``out`` if given).
grad_weight : ndarray or scalar
    Shaped as weight, in the result's dtype; the products are exact and
    summed in float64 (NumPy's pairwise sum), whatever the thread count.

{_RAISES.format(extra=_PRELU_RAISE)}
TypeError
    x not given.
"""

_RRELU_PARAMS = (
    _p("lower", "float, default 1/8", "Lower end of the slopes (PyTorch's default).")
    + _p("upper", "float, default 1/3", "Upper end; lower <= upper.")
    + _p("training", "bool, default False",
         "False: leaky_relu with slope (lower + upper) / 2 (computed in double). "
         "True: a random slope per element."))
_RRELU_RAISE = ", or lower > upper"

DOCS["rrelu"] = _forward(
    "Randomized leaky ReLU, element-wise.",
    _fill("rrelu(x) = x if x > 0 else a * x, a = (lower + upper) / 2 in evaluation, "
          "a ~ U(lower, upper) per element in training"),
    _fill(f"{_TORCH}. In training, one uniform number is drawn per element in C order "
    "(so the stream does not depend on the values) and rounded to the result's "
    "dtype, so that the forward uses exactly the slopes it returns; their value "
    "is 1 where x > 0 or NaN, as PyTorch's noise. Slope (lower + upper) / 2 at "
    f"x = 0 in evaluation. {_NAN} {_EXACT} " + _measured("rrelu")),
    params=_RRELU_PARAMS + _p(
        "rng", "numpy.random.Generator, int or None, default None",
        "Where training draws the slopes: anything numpy.random.default_rng "
        "accepts (a Generator is used as is, None gives a fresh one).")
    + _p("return_slopes", "bool, default False",
         "Also return the slopes used (the ``slopes`` of rrelu_backward)."),
    extra_raise=_RRELU_RAISE + "\nTypeError\n    training is not a bool")
DOCS["rrelu"] = DOCS["rrelu"].replace(
    "ndarray or scalar\n    The result (``out`` if given; a NumPy scalar for 0-d input).",
    "ndarray or scalar\n    The result (``out`` if given; a NumPy scalar for 0-d input).\n"
    "slopes : ndarray or scalar\n    Only with return_slopes=True: the slope of each "
    "element (1 where x > 0), in the result's dtype.")
DOCS["rrelu_backward"] = _backward(
    "rrelu", _fill("rrelu'(x) = 1 for x > 0, else the slope: (lower + upper) / 2 in "
                   "evaluation, the forward's ``slopes`` in training (required then); "
                   "the slope at the kink x = 0, as PyTorch."), False,
    params=_p("slopes", "array_like, optional",
              "The slopes rrelu(..., return_slopes=True) returned, shaped as x; "
              "used whenever given.") + _RRELU_PARAMS,
    extra_raise=_RRELU_RAISE + ", or slopes is not shaped as x").replace(
    "x not given.", "x not given, or training=True without slopes.")


# ---- issue 6: the first four quote their measured accuracy as the others do,
# and the defaults that differ between libraries are spelled out ----------------

def _add_note(name, text):
    """Append a paragraph to the Notes (the last section) of DOCS[name]."""
    DOCS[name] = DOCS[name].rstrip("\n") + "\n\n" + _fill(text) + "\n"


for _name in ("relu", "sigmoid", "tanh"):
    _add_note(_name, _measured(_name))
_add_note("relu", _EXACT)
_add_note("gelu", _PROMISE + " " + _measured("gelu", "gelu_tanh"))
_add_note("gelu", "Defaults differ between libraries: PyTorch's gelu is exact "
          "(approximate='none', as here), while jax.nn.gelu and keras.ops.gelu "
          "default to the tanh approximation (approximate=True). Pass "
          "approximate='tanh' to reproduce them; the two forms differ by up to "
          "4.7e-4 (near x = -2.7).")
_add_note("hard_sigmoid", "Defaults differ between libraries: slope 1/6 (kinks at "
          "-3 and 3) as in PyTorch, jax.nn.hard_sigmoid and "
          "keras.activations.hard_sigmoid; keras.ops.hard_sigmoid, Keras 2 "
          "(tf.keras) and ONNX's HardSigmoid use 0.2 * x + 0.5 (kinks at -2.5 "
          "and 2.5): for those, use fa.hard_tanh(0.2 * x + 0.5, 0.0, 1.0).")
_add_note("leaky_relu", "Defaults differ between libraries: negative_slope=0.01 "
          "as in PyTorch and jax.nn.leaky_relu; Keras uses 0.2 "
          "(keras.ops.leaky_relu, keras.activations.leaky_relu) and 0.3 (its "
          "LeakyReLU layer): pass negative_slope=0.2 when porting from Keras.")


def attach(namespace):
    """Give each public function in ``namespace`` its docstring."""
    for name, doc in DOCS.items():
        if name in namespace:
            namespace[name].__doc__ = doc

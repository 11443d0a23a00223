"""Docstrings (numpydoc) of the axis-wise functions and the gated units,
kept apart from the code like ``_docs.py``; ``attach`` puts them in place."""

from ._docs import _OUT, _PARAMS_X, _RETURNS

_AXIS = """axis : int, tuple of ints or None, default -1
    The axis or axes of a row; None: all axes. Out of range:
    ``numpy.exceptions.AxisError``. A 0-d input counts as one element on
    axis 0 (as in SciPy's logsumexp and PyTorch)."""

_TEMPERATURE = """temperature : float, default 1.0
    T > 0: the function of x / T."""

_WHERE = """where : array_like of bool, optional
    Broadcastable to ``x``: False entries take no part in their row."""

_TABLE = """Special cases, row by row (a row: the entries along ``axis`` that
``where`` selects; the rest of the output is {masked}):

=========================  =========  ===========  =========
row                        softmax    log_softmax  logsumexp
=========================  =========  ===========  =========
finite                     formula    formula      formula
some -inf entries          0 there    -inf there   ignored
all entries -inf           NaN        NaN          -inf
a +inf entry (no NaN)      NaN        NaN          +inf
a NaN entry                NaN        NaN          NaN
nothing selected           0          -inf         -inf
empty axis                 empty      empty        -inf
=========================  =========  ===========  =========

All -inf is 0/0 for softmax (NaN, as in SciPy and PyTorch); +inf is
inf - inf. No entry overflows: the row's maximum is taken out first
(x = +-1000 or +-3e38 are fine), and logsumexp keeps the maximum apart
from the rest of the sum, log(C) + log1p(S/C), so ``logsumexp([0, -40])``
is 4.248354255291589e-18, not 0 (SciPy gh-18295)."""

_ACCURACY = """Computed in double precision and rounded once to the result's
dtype (float16 through float32), so float32 results are within 0.5 ulp of
the double result; in double, the error is a few eps * (|x - max|/T + 1),
the condition of the formula. Sums over a row run in a fixed order (blocks
of 2048 entries, eight interleaved partial sums each, blocks added in
order), so the bits do not depend on the thread count or the memory
layout; a few long rows are split between threads by these blocks."""

_BWD_ACCURACY = """float64: each entry is within a few eps of the size of its
terms (the formulas subtract, so not of the result itself), also where a
softmax weight p_i is below the normal doubles but grad_output brings the
product back into range (up to 1.8e308): those entries are recomputed in
long double (x86-64; elsewhere long double is double)."""

_RAISES = """Raises
------
TypeError
    Unsupported dtype (complex, object, ...), ``out`` of the wrong dtype,
    or a non-integer axis.
ValueError
    ``out`` of the wrong shape or read-only{extra}.
numpy.exceptions.AxisError
    An axis out of range."""


def _doc(summary, formula, params, returns, notes, extra_raise="", examples=""):
    text = (f"{summary}\n\n{formula}\n\nParameters\n----------\n{params}\n\n"
            f"{returns}\n\n{_RAISES.format(extra=extra_raise)}\n\nNotes\n-----\n"
            f"{notes}\n")
    if examples:
        text += f"\nExamples\n--------\n{examples}\n"
    return text


def _softmax_like(name, summary, formula, masked, examples=""):
    params = f"{_PARAMS_X}\n{_AXIS}\n{_TEMPERATURE}\n{_WHERE}\n{_OUT}"
    notes = _TABLE.format(masked=masked) + "\n\n" + _ACCURACY
    if name == "softmin":
        notes = "softmin(x) = softmax(-x): the table applies to -x.\n\n" + notes
    return _doc(summary, formula, params, _RETURNS, notes,
                ",\n    or temperature <= 0, or ``where`` does not broadcast",
                examples)


_BWD_PARAMS = """grad_output : array_like
    Gradient of the loss with respect to the forward result; must
    broadcast to it (``1.0`` sums the Jacobian's columns).
x : array_like, optional
    The forward input.
y : array_like, optional
    The forward output."""


def _softmax_backward(name, deriv):
    params = (f"{_BWD_PARAMS} Enough alone; when both are given ``x`` is used.\n"
              f"{_AXIS}\n{_TEMPERATURE}\n{_WHERE}\n{_OUT}")
    notes = (f"{deriv}\n\nEntries outside the row (``where`` False) get 0. From "
             "``x``, a row with no finite maximum gets 0 when it is all -inf or "
             "empty (the gradient of a masked-out row is 0, not NaN: PyTorch "
             "and JAX had that bug, pytorch#31829, jax#6811) and NaN when it "
             "holds NaN or +inf. From ``y`` such rows are NaN already.\n\n"
             + _BWD_ACCURACY)
    return _doc(f"Vector-Jacobian product of :func:`fastact.{name}`.",
                "grad_input = J^T grad_output, row by row.", params, _RETURNS, notes,
                ",\n    or temperature <= 0\nTypeError\n    Neither x nor y given.")


_LSE_OPTIONS = f"""{_AXIS}
keepdims : bool, default False
    Keep the reduced axes with length 1.
b : array_like, optional
    Weights broadcastable to ``x``: log(sum b e^x); may be negative (with
    ``return_sign``); entries with b == 0 take no part, even inf or NaN
    ones (SciPy's meaning).
return_sign : bool, default False
    Also return the sign of the sum (+1, -1, 0, or NaN); without it a
    negative sum gives NaN.
{_WHERE}"""
_LSE_PARAMS = f"""{_PARAMS_X}
{_LSE_OPTIONS}
out : ndarray, optional
    Where to write the result (of the reduced shape)."""

_MAXOUT_PARAMS = f"""{_PARAMS_X}
pieces : int
    Group size; must divide the length of ``axis``.
axis : int, default -1
return_indices : bool, default False
    Also return the winner's position inside each group (intp).
out : ndarray, optional
    Where to write the result: shape of ``x`` with ``axis`` divided by
    ``pieces``."""

_GATED_PARAMS = """x : array_like
    Input; the length of ``axis`` must be even. float32 and float64 are
    computed natively, float16 in float32, bool and integers in float64.
axis : int, default -1
    The axis split into the halves a (first) and b (second)."""

_GATED_NOTES = """Computed in double precision (float32 rounds once). NaN in
either half gives NaN. A NumPy gufunc runs on the two halves in place
(any axis, any strides, no copies); the threads split the rows."""


def _gated(name, formula, deriv, params=""):
    fwd = _doc(f"Gated unit {name}: x is split in halves a, b along ``axis``.",
               formula, f"{_GATED_PARAMS}\n{params}{_OUT}",
               _RETURNS.replace("The result", "The result (half the length along "
                                "``axis``)"),
               _GATED_NOTES, ",\n    or the length of ``axis`` is odd")
    bwd = _doc(f"Vector-Jacobian product of :func:`fastact.{name}`: the "
               "gradients of both halves, in one array shaped like ``x``.",
               deriv,
               f"grad_output : array_like\n    Broadcastable to the forward result.\n"
               f"x : array_like\n    The forward input (needed: ``y`` is not "
               f"enough).\ny : array_like, optional\n    Ignored.\n"
               f"axis : int, default -1\n{params}{_OUT}",
               _RETURNS, _GATED_NOTES,
               ",\n    or the length of ``axis`` is odd\nTypeError\n    x not given.")
    return {name: fwd, name + "_backward": bwd}


DOCS = {
    "softmax": _softmax_like(
        "softmax", "Softmax along an axis.", "softmax(x)_i = exp(x_i/T) / sum_j exp(x_j/T)",
        "0", ">>> import fastact as fa\n>>> fa.softmax([1.0, 2.0, 3.0])\n"
        "array([0.09003057, 0.24472847, 0.66524096])"),
    "log_softmax": _softmax_like(
        "log_softmax", "Logarithm of the softmax along an axis.",
        "log_softmax(x)_i = x_i/T - logsumexp(x/T), exact where log(softmax) "
        "underflows to -inf", "-inf",
        ">>> import fastact as fa\n>>> fa.log_softmax([1000.0, 1.0])\narray([   0., -999.])"),
    "softmin": _softmax_like(
        "softmin", "Softmin along an axis: the softmax of -x.",
        "softmin(x)_i = exp(-x_i/T) / sum_j exp(-x_j/T)", "0"),
    "softmax_backward": _softmax_backward(
        "softmax", "With p = softmax(x): grad_input = p (g - sum(g p)) / T."),
    "log_softmax_backward": _softmax_backward(
        "log_softmax", "With p = softmax(x) = exp(y): grad_input = (g - p sum(g)) / T."),
    "softmin_backward": _softmax_backward(
        "softmin", "With p = softmin(x): grad_input = -p (g - sum(g p)) / T."),
    "logsumexp": _doc(
        "Logarithm of the sum of exponentials along an axis (SciPy's "
        "logsumexp with NumPy-style defaults: axis=-1).",
        "logsumexp(x) = log(sum_i b_i exp(x_i))", _LSE_PARAMS,
        _RETURNS + "\nndarray or scalar\n    The sign, with ``return_sign``.",
        _TABLE.format(masked="ignored") + "\n\nWith b: the terms at the maximum are "
        "summed apart (C) from the rest (S), so the result is the maximum plus "
        "log|C| + log1p(S/C), or log|S| when C = 0. One pass over the data.\n\n"
        + _ACCURACY,
        ",\n    or ``b``/``where`` do not broadcast",
        ">>> import fastact as fa\n>>> float(fa.logsumexp([0.0, -40.0]))\n"
        "4.248354255291589e-18"),
    "logsumexp_backward": _doc(
        "Vector-Jacobian product of :func:`fastact.logsumexp`.",
        "grad_input_i = g * b_i exp(x_i) / sum_j b_j exp(x_j): the softmax, "
        "weighted by grad_output.",
        f"{_BWD_PARAMS} Not needed and not used (recomputing from ``x`` is the "
        f"more accurate).\n{_LSE_OPTIONS}\nout : ndarray, optional\n    Where to "
        "write the gradient (shape of ``x``).",
        _RETURNS,
        "A row that is all -inf, empty or has nothing selected gets gradient "
        "0, never NaN (PyTorch and JAX had that bug: pytorch#31829, "
        "jax#6811); NaN or +inf rows get NaN. Entries taking no part "
        "(where False, b == 0) get 0. Without ``return_sign`` a row whose "
        "sum is negative gets NaN, as its forward.\n\n" + _BWD_ACCURACY,
        ",\n    or grad_output does not broadcast to the result\nTypeError\n"
        "    x not given."),
    "maxout": _doc(
        "Maxout: the maximum of each group of ``pieces`` consecutive entries "
        "along an axis.",
        "maxout(x)_j = max(x_{j*pieces}, ..., x_{(j+1)*pieces - 1})", _MAXOUT_PARAMS,
        _RETURNS + "\nndarray of intp\n    The winners' positions in their "
        "groups, with ``return_indices``.",
        "Exact. The winner is the first maximum of its group, or its first NaN "
        "(as ``numpy.argmax``); a group with NaN gives NaN.",
        ",\n    or ``pieces`` is not a positive divisor of the axis length",
        ">>> import fastact as fa\n>>> fa.maxout([1.0, 5.0, 3.0, 2.0], 2)\n"
        "array([5., 3.])"),
    "maxout_backward": _doc(
        "Vector-Jacobian product of :func:`fastact.maxout`: routes each group's "
        "grad_output to its winner, 0 to the other pieces.",
        "grad_input = grad_output at the winner of each group, else 0",
        "grad_output : array_like\n    Broadcastable to the forward result.\n"
        "x : array_like\n    The forward input.\npieces : int\naxis : int, default -1\n"
        "indices : array_like of int, optional\n    The winners from "
        "``maxout(..., return_indices=True)``; then ``x`` is only used for its "
        f"shape and dtype.\n{_OUT}",
        _RETURNS,
        "The winner is the first maximum (first on ties, as PyTorch's max "
        "pooling), or the first NaN.",
        ",\n    or ``pieces`` is not a positive divisor, or ``indices`` are out "
        "of range or of the wrong shape"),
}

_APPROX = """approximate : {'none', 'tanh'}, default 'none'
    The gelu of a: exact (x Phi(x)) or its tanh approximation.
"""

DOCS.update(_gated("glu", "glu(x) = a * sigmoid(b)",
                   "d/da = sigmoid(b), d/db = a sigmoid'(b)"))
DOCS.update(_gated("swiglu", "swiglu(x) = silu(a) * b = a sigmoid(a) b",
                   "d/da = b silu'(a), silu' = sigmoid(a) (1 + a sigmoid(-a)); "
                   "d/db = silu(a)"))
DOCS.update(_gated("geglu", "geglu(x) = gelu(a) * b", "d/da = b gelu'(a), d/db = gelu(a)",
                   _APPROX))
DOCS.update(_gated("reglu", "reglu(x) = relu(a) * b",
                   "d/da = b (a > 0) (relu'(0) = 0 as PyTorch), d/db = relu(a)"))


def attach(namespace):
    """Give each public function in ``namespace`` its docstring."""
    for name, doc in DOCS.items():
        if name in namespace:
            namespace[name].__doc__ = doc

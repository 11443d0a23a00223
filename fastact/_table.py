"""The one table of fastact's activations.

Pure data, standard library only: ``setup.py`` reads it at build time to
generate the compiled loops (``_kernels.pyx.tp``) and the public wrappers
(``_elementwise.py.tp``); ``_registry.py`` reads it at run time to build
``fastact.ACTIVATIONS``.

How to add an element-wise activation ``foo(x, alpha=1.0)``
------------------------------------------------------------
1. Math: in ``_math.pxd`` write ``fa_foo(double x, double alpha)`` and
   ``fa_foo_vjp(double gy, double x, double alpha)`` (and ``fa_foo_vjp_y``
   if the derivative is exact and cheaper from the output ``y``) as
   ``cdef inline double ... noexcept nogil``.
2. Table: one ``Elementwise`` row below (``checks`` for parameters that can
   be wrong, e.g. ``checks=("alpha != 0",)``).
3. Tests: one reference in ``tests/references.py``.
4. Docs: one docstring in ``_docs.py``.
Then rebuild (``pip install .``).

A function that does not fit the generated wrapper (prelu's weight along an
axis, rrelu's random training mode) gets a row with ``module`` naming the
module of its hand-written wrappers; it compiles no kernel of its own and
calls those of other rows.
"""

from typing import NamedTuple

# The default of a parameter that has none (threshold's ``threshold`` and
# ``value``): ``...`` is the same object at build time and at run time.
REQUIRED = ...


class Elementwise(NamedTuple):
    """One element-wise activation.

    name     public name; ``name`` and ``name_backward`` are generated.
    formula  one line for ``ACTIVATIONS[name].formula``.
    params   ``((name, default), ...)``: float parameters, passed to the
             kernel in this order after ``x`` (``REQUIRED``: no default).
    cost     cost of one float32 element relative to relu (1); with the size
             it decides when OpenMP threads pay (see ``_kernels.pyx.tp``).
             Measured by tools/sweep_threads.py: a team of 2 pays from
             about n = 65536 / cost elements.
    cost64   the same for float64 (None: as cost).
    grad_from_y  the backward accepts the forward output ``y`` alone: True,
             or a condition on the parameters under which it does
             (``"alpha > 0"``).
    choice   ``(keyword, default, {value: kernel})`` for functions whose
             keyword picks a kernel (gelu's ``approximate``); otherwise the
             kernel is ``name``.
    aliases  other public names for the same function.
    checks   conditions on the parameters (Python expressions); a call
             where one is false raises ValueError saying which.
    none_means  ``((param, expression), ...)``: the value the kernel gets
             for a parameter given as None (softplus: no threshold = inf).
    param_vjp  also compile ``fa_K_vjp_param``: the VJP with respect to the
             first parameter (prelu's weight gradient uses leaky_relu's).
    module   hand-written wrappers in ``fastact/<module>.py``; no kernel of
             its own (``params`` then lists the public keywords).
    f32      the compiled ufuncs (kernel names, or kernel + '_vjp', '_vjp_y')
             that have a native float32 version fa_<ufunc>_f32 in _math.pxd;
             the others compute float32 in double and round once.
    """

    name: str
    formula: str
    params: tuple = ()
    cost: int = 1
    cost64: int = None
    grad_from_y: object = False
    choice: tuple = None
    aliases: tuple = ()
    checks: tuple = ()
    none_means: tuple = ()
    param_vjp: bool = False
    module: str = None
    f32: tuple = ()

    def kernels(self):
        """The compiled kernels this row needs, as (kernel, param names)."""
        if self.module is not None:
            return []
        if self.choice is None:
            return [self.name]
        return list(self.choice[2].values())


# cost / cost64: from tools/sweep_threads.py (2 threads, AMD EPYC Zen 4 with
# AVX-512, 2026-11-23), cost ~ 65536 / the smallest n at which 2 threads
# beat 1 by 5%, rounded to a power of two or so; rows without a measurement
# keep an estimate. Float64 differs where the float32 kernel is native.
ELEMENTWISE = (
    Elementwise("relu", "max(x, 0)", cost=1, cost64=2, grad_from_y=True,
                f32=("relu", "relu_vjp", "relu_vjp_y")),
    Elementwise("sigmoid", "1 / (1 + exp(-x))", cost=6, cost64=16, grad_from_y=True,
                aliases=("expit",), f32=("sigmoid", "sigmoid_vjp", "sigmoid_vjp_y")),
    Elementwise("tanh", "tanh(x)", cost=8, cost64=64, grad_from_y=True,
                f32=("tanh", "tanh_vjp", "tanh_vjp_y")),
    Elementwise("gelu", "x * Phi(x) = x/2 * erfc(-x/sqrt(2)); "
                "'tanh': x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
                cost=16, cost64=64, choice=("approximate", "none",
                                 {"none": "gelu", "tanh": "gelu_tanh"}), f32=("gelu", "gelu_vjp", "gelu_tanh", "gelu_tanh_vjp")),
)

# ---- issue 3: the rest of the element-wise catalog (API.md section 1) ----
ELEMENTWISE += (
    Elementwise("relu6", "min(max(x, 0), 6)", f32=("relu6", "relu6_vjp")),
    Elementwise("leaky_relu", "x if x > 0 else negative_slope * x",
                params=(("negative_slope", 0.01),),
                grad_from_y="negative_slope >= 0", param_vjp=True,
                f32=("leaky_relu", "leaky_relu_vjp", "leaky_relu_vjp_y")),
    Elementwise("prelu", "x if x > 0 else weight * x, weight per channel along axis",
                params=(("weight", REQUIRED), ("axis", 1)), module="_slopes"),
    Elementwise("rrelu", "leaky_relu with slope (lower + upper)/2; training: "
                "slope ~ U(lower, upper) per element",
                params=(("lower", 0.125), ("upper", 1 / 3), ("training", False),
                        ("rng", None)), module="_slopes"),
    Elementwise("elu", "x if x > 0 else alpha * expm1(x)", params=(("alpha", 1.0),),
                cost=4, cost64=16, grad_from_y="alpha > 0", f32=("elu", "elu_vjp")),
    Elementwise("selu", "scale * (x if x > 0 else alpha * expm1(x)), "
                "scale = 1.0507009873554805, alpha = 1.6732632423543772",
                cost=8, cost64=32, grad_from_y=True, f32=("selu", "selu_vjp")),
    Elementwise("celu", "max(0, x) + min(0, alpha * expm1(x / alpha))",
                params=(("alpha", 1.0),), cost=4, cost64=16, grad_from_y="alpha > 0",
                checks=("alpha != 0",), f32=("celu", "celu_vjp")),
    Elementwise("log_sigmoid", "-softplus(-x) = min(x, 0) - log1p(exp(-|x|))",
                cost=16, cost64=32,
                f32=("log_sigmoid", "log_sigmoid_vjp")),
    Elementwise("hard_sigmoid", "relu6(x + 3) / 6", f32=("hard_sigmoid", "hard_sigmoid_vjp")),
    Elementwise("hard_tanh", "clip(x, min_val, max_val)",
                params=(("min_val", -1.0), ("max_val", 1.0)), grad_from_y=True,
                checks=("min_val <= max_val",),
                f32=("hard_tanh", "hard_tanh_vjp", "hard_tanh_vjp_y")),
    Elementwise("hard_swish", "x * relu6(x + 3) / 6", cost=1, cost64=8,
                f32=("hard_swish", "hard_swish_vjp")),
    Elementwise("silu", "x * sigmoid(x)", cost=6, cost64=16, f32=("silu", "silu_vjp")),
    Elementwise("swish", "x * sigmoid(beta * x)", params=(("beta", 1.0),), cost=8, cost64=16,
                f32=("swish", "swish_vjp")),
    Elementwise("mish", "x * tanh(softplus(x))", cost=20, cost64=16, f32=("mish", "mish_vjp")),
    Elementwise("softplus", "log1p(exp(beta * x)) / beta; with a threshold, "
                "x where beta * x > threshold",
                params=(("beta", 1.0), ("threshold", None)), cost=8, cost64=32,
                checks=("beta != 0",), none_means=(("threshold", "float('inf')"),),
                f32=("softplus", "softplus_vjp")),
    Elementwise("softsign", "x / (1 + |x|)", cost=4, cost64=2, f32=("softsign",)),
    Elementwise("hard_shrink", "x if |x| > lambd else 0", params=(("lambd", 0.5),),
                f32=("hard_shrink", "hard_shrink_vjp")),
    Elementwise("soft_shrink", "x - lambd * sign(x) if |x| > lambd else 0",
                params=(("lambd", 0.5),), checks=("lambd >= 0",),
                f32=("soft_shrink", "soft_shrink_vjp")),
    Elementwise("tanh_shrink", "x - tanh(x)", cost=32, f32=("tanh_shrink",)),
    Elementwise("threshold", "x if x > threshold else value",
                params=(("threshold", REQUIRED), ("value", REQUIRED)),
                f32=("threshold", "threshold_vjp")),
)


def kernel_rows():
    """Every compiled element-wise kernel:
    (kernel, params, (float32 cost, float64 cost), from_y, param_vjp,
    native float32 ufuncs)."""
    rows = []
    for row in ELEMENTWISE:
        costs = (row.cost, row.cost if row.cost64 is None else row.cost64)
        for kernel in row.kernels():
            rows.append((kernel, tuple(p for p, _ in row.params), costs,
                         bool(row.grad_from_y), row.param_vjp, row.f32))
    return rows


# ---- gated units (issue 4) ---------------------------------------------------


class Gated(NamedTuple):
    """A gated unit: ``x`` is split in halves ``a, b`` along ``axis``.

    The kernels are gufuncs ``K(a, b)`` (signature ``(n),(n)->(n)``) and
    ``K_vjp(gy, a, b) -> (ga, gb)`` (``(n),(n),(n)->(n),(n)``), with the
    scalar math ``fa_K`` and ``fa_K_vjp`` in ``_math.pxd``.

    name     public name; ``name`` and ``name_backward`` are written in
             ``_gated.py``.
    formula  one line for ``ACTIVATIONS[name].formula``.
    cost     as for ``Elementwise``.
    choice   as for ``Elementwise`` (geglu's ``approximate``).
    f32      kernels (and kernel + '_vjp') with a float32 version
             fa_<kernel>_f32 in _math.pxd; the others compute float32
             through the double kernel.
    """

    name: str
    formula: str
    cost: int = 10
    choice: tuple = None
    f32: tuple = ()

    def kernels(self):
        if self.choice is None:
            return [self.name]
        return list(self.choice[2].values())


GATED = (
    Gated("glu", "a * sigmoid(b)", cost=10, f32=("glu", "glu_vjp")),
    Gated("swiglu", "silu(a) * b = a * sigmoid(a) * b", cost=10,
          f32=("swiglu", "swiglu_vjp")),
    Gated("geglu", "gelu(a) * b; 'tanh': gelu with the tanh approximation",
          cost=26, choice=("approximate", "none",
                           {"none": "geglu", "tanh": "geglu_tanh"}),
          f32=("geglu", "geglu_vjp")),
    Gated("reglu", "relu(a) * b", cost=2),
)


def gated_kernel_rows():
    """Every compiled gated kernel: (kernel, cost, native float32 kernels)."""
    return [(kernel, row.cost, row.f32) for row in GATED for kernel in row.kernels()]


# ---- axis-wise functions (issue 4) --------------------------------------------
# Not generated: the kernels are hand-written (_axis.pxi) and the wrappers
# live in _axis.py; the rows give the registry its defaults and formulas.


class Axiswise(NamedTuple):
    name: str
    formula: str
    params: tuple = ()


_SOFTMAX_PARAMS = (("axis", -1), ("temperature", 1.0), ("where", None))

AXISWISE = (
    Axiswise("softmax", "exp(x_i/T) / sum_j exp(x_j/T) along axis", _SOFTMAX_PARAMS),
    Axiswise("log_softmax", "x_i/T - log(sum_j exp(x_j/T)) along axis", _SOFTMAX_PARAMS),
    Axiswise("softmin", "softmax(-x): exp(-x_i/T) / sum_j exp(-x_j/T) along axis",
             _SOFTMAX_PARAMS),
    Axiswise("logsumexp", "log(sum_i b_i exp(x_i)) along axis",
             (("axis", -1), ("keepdims", False), ("b", None), ("return_sign", False),
              ("where", None))),
    Axiswise("maxout", "max over each group of `pieces` consecutive entries along axis",
             (("pieces", REQUIRED), ("axis", -1), ("return_indices", False))),
)

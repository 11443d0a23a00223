"""The one table of fastact's activations.

Pure data, standard library only: ``setup.py`` reads it at build time to
generate the compiled loops (``_kernels.pyx.tp``) and the public wrappers
(``_elementwise.py.tp``); ``_registry.py`` reads it at run time to build
``fastact.ACTIVATIONS``.

How to add an element-wise activation ``foo(x, alpha=1.0)``
------------------------------------------------------------
1. Math: in ``_math.pxd`` write ``foo(double x, double alpha)`` and
   ``foo_vjp(double gy, double x, double alpha)`` (and ``foo_vjp_y`` if the
   derivative is exact and cheaper from the output ``y``) as
   ``cdef inline double ... noexcept nogil``.
2. Table: one ``Elementwise`` row below.
3. Tests: one reference in ``tests/references.py``.
4. Docs: one docstring in ``_docs.py``.
Then rebuild (``pip install .``).
"""

from typing import NamedTuple


class Elementwise(NamedTuple):
    """One element-wise activation.

    name     public name; ``name`` and ``name_backward`` are generated.
    formula  one line for ``ACTIVATIONS[name].formula``.
    params   ``((name, default), ...)``: float parameters, passed to the
             kernel in this order after ``x``.
    cost     rough cost of one element relative to relu (1); with the size
             it decides when OpenMP threads pay (see ``_kernels.pyx.tp``).
    grad_from_y  the backward accepts the forward output ``y`` alone.
    choice   ``(keyword, default, {value: kernel})`` for functions whose
             keyword picks a kernel (gelu's ``approximate``); otherwise the
             kernel is ``name``.
    aliases  other public names for the same function.
    """

    name: str
    formula: str
    params: tuple = ()
    cost: int = 1
    grad_from_y: bool = False
    choice: tuple = None
    aliases: tuple = ()

    def kernels(self):
        """The compiled kernels this row needs, as (kernel, param names)."""
        if self.choice is None:
            return [self.name]
        return list(self.choice[2].values())


ELEMENTWISE = (
    Elementwise("relu", "max(x, 0)", cost=1, grad_from_y=True),
    Elementwise("sigmoid", "1 / (1 + exp(-x))", cost=8, grad_from_y=True,
                aliases=("expit",)),
    Elementwise("tanh", "tanh(x)", cost=10, grad_from_y=True),
    Elementwise("gelu", "x * Phi(x) = x/2 * erfc(-x/sqrt(2)); "
                "'tanh': x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
                cost=24, choice=("approximate", "none",
                                 {"none": "gelu", "tanh": "gelu_tanh"})),
)


def kernel_rows():
    """Every compiled element-wise kernel: (kernel, params, cost, from_y)."""
    rows = []
    for row in ELEMENTWISE:
        for kernel in row.kernels():
            rows.append((kernel, tuple(p for p, _ in row.params), row.cost,
                         row.grad_from_y))
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
    """

    name: str
    formula: str
    cost: int = 10
    choice: tuple = None

    def kernels(self):
        if self.choice is None:
            return [self.name]
        return list(self.choice[2].values())


GATED = (
    Gated("glu", "a * sigmoid(b)", cost=10),
    Gated("swiglu", "silu(a) * b = a * sigmoid(a) * b", cost=10),
    Gated("geglu", "gelu(a) * b; 'tanh': gelu with the tanh approximation",
          cost=26, choice=("approximate", "none",
                           {"none": "geglu", "tanh": "geglu_tanh"})),
    Gated("reglu", "relu(a) * b", cost=2),
)


def gated_kernel_rows():
    """Every compiled gated kernel: (kernel, cost)."""
    return [(kernel, row.cost) for row in GATED for kernel in row.kernels()]


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
             (("axis", -1), ("return_indices", False))),
)

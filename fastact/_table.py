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
    f32      the compiled ufuncs (kernel names, or kernel + '_vjp', '_vjp_y')
             that have a native float32 version fa_<ufunc>_f32 in _math.pxd;
             the others compute float32 in double and round once.
    """

    name: str
    formula: str
    params: tuple = ()
    cost: int = 1
    grad_from_y: bool = False
    choice: tuple = None
    aliases: tuple = ()
    f32: tuple = ()

    def kernels(self):
        """The compiled kernels this row needs, as (kernel, param names)."""
        if self.choice is None:
            return [self.name]
        return list(self.choice[2].values())


ELEMENTWISE = (
    Elementwise("relu", "max(x, 0)", cost=1, grad_from_y=True),
    Elementwise("sigmoid", "1 / (1 + exp(-x))", cost=8, grad_from_y=True,
                aliases=("expit",), f32=("sigmoid",)),
    Elementwise("tanh", "tanh(x)", cost=10, grad_from_y=True, f32=("tanh",)),
    Elementwise("gelu", "x * Phi(x) = x/2 * erfc(-x/sqrt(2)); "
                "'tanh': x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
                cost=24, choice=("approximate", "none",
                                 {"none": "gelu", "tanh": "gelu_tanh"}), f32=("gelu", "gelu_vjp", "gelu_tanh")),
)


def kernel_rows():
    """Every compiled element-wise kernel: (kernel, params, cost, from_y,
    native float32 ufunc suffixes)."""
    rows = []
    for row in ELEMENTWISE:
        for kernel in row.kernels():
            rows.append((kernel, tuple(p for p, _ in row.params), row.cost,
                         row.grad_from_y, row.f32))
    return rows

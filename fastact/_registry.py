"""``fastact.ACTIVATIONS``: one read-only record per function, built from the
same table as the kernels (API.md section 6)."""

from inspect import Parameter
from types import MappingProxyType
from typing import Callable, NamedTuple

from . import _elementwise, _slopes
from ._table import ELEMENTWISE, REQUIRED

# where each row's public functions live (_table.Elementwise.module)
_MODULES = {None: _elementwise, "_slopes": _slopes}
from ._table import AXISWISE, GATED  # issue 4


class Activation(NamedTuple):
    """A registry record."""

    name: str
    forward: Callable
    backward: Callable
    params: MappingProxyType   # parameter name -> default (Parameter.empty: none)
    kind: str                  # 'elementwise', 'gated' or 'axis'
    formula: str


def _elementwise_record(row):
    params = {p: Parameter.empty if d is REQUIRED else d for p, d in row.params}
    if row.choice:
        params[row.choice[0]] = row.choice[1]
    module = _MODULES[row.module]
    return Activation(
        name=row.name,
        forward=getattr(module, row.name),
        backward=getattr(module, row.name + "_backward"),
        params=MappingProxyType(params),
        kind="elementwise",
        formula=row.formula,
    )


ACTIVATIONS = MappingProxyType({row.name: _elementwise_record(row)
                                for row in ELEMENTWISE})


# ---- gated units and axis-wise functions (issue 4) ---------------------------

def _gated_record(row):
    from . import _gated
    params = {"axis": -1}
    if row.choice:
        params[row.choice[0]] = row.choice[1]
    return Activation(row.name, getattr(_gated, row.name),
                      getattr(_gated, row.name + "_backward"),
                      MappingProxyType(params), "gated", row.formula)


def _axis_record(row):
    from . import _axis
    params = {p: Parameter.empty if d is REQUIRED else d for p, d in row.params}
    return Activation(row.name, getattr(_axis, row.name),
                      getattr(_axis, row.name + "_backward"),
                      MappingProxyType(params), "axis", row.formula)


ACTIVATIONS = MappingProxyType({
    **ACTIVATIONS,
    **{row.name: _gated_record(row) for row in GATED},
    **{row.name: _axis_record(row) for row in AXISWISE},
})

"""``fastact.ACTIVATIONS``: one read-only record per function, built from the
same table as the kernels (API.md section 6)."""

from types import MappingProxyType
from typing import Callable, NamedTuple

from . import _elementwise
from ._table import ELEMENTWISE
from ._table import AXISWISE, GATED  # issue 4


class Activation(NamedTuple):
    """A registry record."""

    name: str
    forward: Callable
    backward: Callable
    params: MappingProxyType   # parameter name -> default
    kind: str                  # 'elementwise', 'gated' or 'axis'
    formula: str


def _elementwise_record(row):
    params = dict(row.params)
    if row.choice:
        params[row.choice[0]] = row.choice[1]
    return Activation(
        name=row.name,
        forward=getattr(_elementwise, row.name),
        backward=getattr(_elementwise, row.name + "_backward"),
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
    return Activation(row.name, getattr(_axis, row.name),
                      getattr(_axis, row.name + "_backward"),
                      MappingProxyType(dict(row.params)), "axis", row.formula)


ACTIVATIONS = MappingProxyType({
    **ACTIVATIONS,
    **{row.name: _gated_record(row) for row in GATED},
    **{row.name: _axis_record(row) for row in AXISWISE},
})

"""How the registry-driven tests call a record of ``fastact.ACTIVATIONS``.

The behaviour matrix, the properties, the fuzzer and the concurrency and
memory tests sweep every record, forward and backward, through ``CALLS``.
Each record's ``kind`` picks an adapter that knows its signature; a new kind
('gated', 'axis') needs one adapter class in ``ADAPTERS`` (and
``tests/test_matrix.py::test_every_kind_has_an_adapter`` fails until it has
one).
"""

import inspect
from typing import Callable, NamedTuple

import fastact as fa

# Values for the parameters that have no default (prelu's weight,
# threshold's threshold and value).
REQUIRED = {"weight": 0.25, "threshold": 0.5, "value": -2.0}


def required_params(record):
    """The keyword arguments a call needs besides the data."""
    missing = [p for p, d in record.params.items() if d is inspect.Parameter.empty]
    unknown = [p for p in missing if p not in REQUIRED]
    assert not unknown, f"{record.name}: give {unknown} a value in tests/adapters.py REQUIRED"
    return {p: REQUIRED[p] for p in missing}


class Elementwise:
    """``forward(x, **params)`` and ``backward(grad_output, x, **params)``:
    any shape, the result has the input's shape."""

    pointwise = True      # each result element depends on its own input only

    def __init__(self, record):
        self.record = record
        self.params = required_params(record)

    def valid_shape(self, shape):
        return True

    def result_shape(self, shape):
        return shape

    def forward(self, x, out=None, **kw):
        return self.record.forward(x, **self.params, **kw, out=out)

    def backward(self, grad_output, x, out=None, **kw):
        result = self.record.backward(grad_output, x, **self.params, **kw, out=out)
        # prelu_backward also returns the weight's gradient
        return result[0] if isinstance(result, tuple) else result


ADAPTERS = {"elementwise": Elementwise}


class Call(NamedTuple):
    """One public function: ``fn(*arrays, out=None)``."""

    name: str                # 'gelu' or 'gelu_backward'
    fn: Callable
    adapter: object

    @property
    def backward(self):
        return self.name.endswith("_backward")

    def shapes(self, shape):
        """The shapes of the data arrays for a forward input of ``shape``:
        (x,) or (grad_output, x)."""
        if self.backward:
            return (self.adapter.result_shape(shape), shape)
        return (shape,)


def calls(records=None):
    """Forward and backward of every record whose kind has an adapter."""
    out = []
    for name, record in sorted((records or fa.ACTIVATIONS).items()):
        if record.kind not in ADAPTERS:
            continue
        adapter = ADAPTERS[record.kind](record)
        out.append(Call(name, adapter.forward, adapter))
        out.append(Call(name + "_backward", adapter.backward, adapter))
    return out


CALLS = calls()

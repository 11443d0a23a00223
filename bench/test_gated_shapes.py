"""pytest-benchmark suite for the gated units split along other axes than
a long last one: many short rows, the channels of an NCHW batch, and axis
0 of two long rows (fastact loops along the halves' smallest stride, not
the split axis: fastact/_gated.py). Each group holds fastact and PyTorch
(when installed), on one thread and on all.

    pytest bench/test_gated_shapes.py --benchmark-group-by=group --benchmark-columns=median
"""

import numpy as np
import pytest

import fastact as fa
from conftest import THREADS, require

SHAPES = [((500_000, 2), -1), ((125_000, 8), -1), ((8, 64, 32, 32), 1), ((2, 500_000), 0)]
IDS = ["x".join(map(str, s)) + f"-axis{a}" for s, a in SHAPES]


def _fastact(name, x, g, axis):
    if name.endswith("_backward"):
        f = getattr(fa, name)
        return lambda: f(g, x, axis=axis)
    f = getattr(fa, name)
    return lambda: f(x, axis=axis)


def _torch(name, x, g, axis):
    import torch
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)
    if name == "glu":
        return lambda: torch.nn.functional.glu(tx, dim=axis)
    return lambda: torch.ops.aten.glu_backward(tg, tx, axis)

# PyTorch's first calls on a new size are slow (their results' memory is
# fresh: 2.5 ms against 0.4 for softmax' of 32768 x 64 float32 on two
# threads, its first five calls): warm both libraries up past that
WARMUP = 8


@pytest.mark.parametrize("lib", ["fastact", "torch"])
@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,axis", SHAPES, ids=IDS)
@pytest.mark.parametrize("name", ["glu", "glu_backward"])
def test_gated_shapes(benchmark, name, shape, axis, dtype, threads, lib):
    require(lib, threads)
    x = (np.random.default_rng(0).standard_normal(shape) * 4).astype(dtype)
    g = np.ones_like(fa.glu(x, axis=axis))
    make = _fastact if lib == "fastact" else _torch
    benchmark.group = f"{name} {dtype} {'x'.join(map(str, shape))} axis={axis} threads={threads}"
    benchmark.name = lib
    with fa.num_threads(threads):
        benchmark.pedantic(make(name, x, g, axis), rounds=7, warmup_rounds=WARMUP)

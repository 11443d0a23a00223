"""The benchmark baselines (fastact/_baselines.py) compute the same
functions as fastact, so that `fastact bench` compares like with like."""

import importlib.util

import numpy as np
import pytest

from fastact._baselines import BASELINES, CASES, fastact_case

PAIRS = [(name, lib) for name in CASES for lib in BASELINES[name]]


@pytest.mark.parametrize("name,lib", PAIRS, ids=[f"{n}-{l}" for n, l in PAIRS])
def test_baseline_computes_the_same_function(name, lib):
    if importlib.util.find_spec("scipy" if lib == "scipy" else lib) is None:
        pytest.skip(f"{lib} not installed")
    x = np.linspace(-20, 20, 4001)          # where the plain formulas are fine
    ours = fastact_case(name)(x)()
    theirs = BASELINES[name][lib](x)()
    theirs = theirs.numpy() if lib == "torch" else np.asarray(theirs)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=1e-12)


def test_every_elementwise_function_has_a_baseline():
    import fastact as fa
    names = {n for n, rec in fa.ACTIVATIONS.items() if rec.kind == "elementwise"}
    assert names <= set(CASES)
    for name in CASES:
        assert "numpy" in BASELINES[name] or "scipy" in BASELINES[name], name

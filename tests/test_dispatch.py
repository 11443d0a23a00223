"""CPU dispatch: every level this CPU runs is importable, chosen by
FASTACT_CPU, reported by show_config, and computes the same bits (NaN
results compared as NaN: the sign bit of a NaN is not specified, as in
IEEE 754 and NumPy)."""

import os

import pytest

from conftest import run_python
from fastact import _dispatch

SCRIPT = """
import hashlib, numpy as np, fastact as fa
from fastact import _dispatch
rng = np.random.default_rng(0)
x64 = np.concatenate([rng.standard_normal(5000) * 10, np.linspace(-40, 40, 5001),
                      [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e300]])
h = hashlib.sha256()


def update(a):
    a = np.array(a)
    a[np.isnan(a)] = np.nan                     # one NaN pattern
    h.update(a.tobytes())


for name, rec in sorted(fa.ACTIVATIONS.items()):
    if rec.kind != "elementwise":
        continue
    for x in (x64, x64.astype(np.float32)):
        try:
            update(rec.forward(x))
            update(rec.backward(1.0, x))
        except TypeError:          # functions with required parameters
            pass
print(_dispatch.LEVEL, h.hexdigest())
"""


def level_run(level):
    env = dict(os.environ, FASTACT_CPU=level)
    out = run_python("-c", SCRIPT, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_default_is_the_best_supported_level():
    if "FASTACT_CPU" in os.environ:
        pytest.skip("FASTACT_CPU is set for this run")
    assert _dispatch.LEVEL == _dispatch.SUPPORTED[-1]
    assert "baseline" in _dispatch.SUPPORTED


def test_every_level_computes_the_same_bits():
    results = {level: level_run(level) for level in _dispatch.SUPPORTED}
    for level, (chosen, _) in results.items():
        assert chosen == level
    assert len({digest for _, digest in results.values()}) == 1, results


def test_unknown_level_warns_and_falls_back():
    env = dict(os.environ, FASTACT_CPU="v9")
    out = run_python("-c", "import fastact._dispatch as d; print(d.LEVEL)", env=env)
    assert out.returncode == 0
    assert "FASTACT_CPU='v9' is not a level" in out.stderr
    assert out.stdout.strip() == _dispatch.SUPPORTED[-1]

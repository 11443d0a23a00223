"""CPU dispatch: every level this CPU runs is importable, chosen by
FASTACT_CPU, reported by show_config, and computes the same bits (NaN
results compared as NaN: the sign bit of a NaN is not specified, as in
IEEE 754 and NumPy), except the float32 kernels that v4 computes by
AVX-512 code of its own (kernels.SIMD16_UFUNCS): those agree with the
other levels within 1 ULP, and each level is held to the accuracy bound
by test_accuracy.py (run on every level in CI)."""

import os

import numpy as np
import pytest

from conftest import run_python
from references import GELU_ZERO, SILU_ZERO
from fastact import _dispatch

INPUTS = """
import numpy as np
rng = np.random.default_rng(0)
x64 = np.concatenate([rng.standard_normal(5000) * 10, np.linspace(-40, 40, 5001),
                      [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e300]])
x32 = np.concatenate([x64.astype(np.float32),
                      np.float32(2.0) ** -np.arange(100, 150, dtype=np.float32)])
"""

SCRIPT = INPUTS + """
import hashlib, os, fastact as fa
from fastact import _dispatch
own = set(_dispatch.kernels.SIMD16_UFUNCS)
h = hashlib.sha256()
saved = {}


def update(a):
    a = np.array(a)
    a[np.isnan(a)] = np.nan                     # one NaN pattern
    h.update(a.tobytes())


for name, rec in sorted(fa.ACTIVATIONS.items()):
    if rec.kind != "elementwise":
        continue
    for x in (x64, x32):
        try:
            results = {"forward": (name, rec.forward(x)),
                       "backward": (name + "_vjp", rec.backward(1.0, x))}
            for which, (ufunc, y) in results.items():
                if x.dtype == np.float32 and ufunc in own:
                    saved[f"{name}.{which}"] = y
                else:
                    update(y)
        except TypeError:          # functions with required parameters
            pass
np.savez(os.environ["FASTACT_TEST_OUT"], **saved)
print(_dispatch.LEVEL, h.hexdigest())
"""


def level_run(level, tmp_path):
    env = dict(os.environ, FASTACT_CPU=level, FASTACT_TEST_OUT=str(tmp_path / f"{level}.npz"))
    out = run_python("-c", SCRIPT, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_default_is_the_best_supported_level():
    if "FASTACT_CPU" in os.environ:
        pytest.skip("FASTACT_CPU is set for this run")
    assert _dispatch.LEVEL == _dispatch.SUPPORTED[-1]
    assert "baseline" in _dispatch.SUPPORTED


def ulps_apart(a, b, floor=0.0):
    """|a - b| in float32 ULPs of the larger magnitude, or of floor (0 where
    both are NaN, or equal); inf where only one is NaN or infinite."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    mag = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    spacing = np.spacing(mag.astype(np.float32)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b) / spacing
    return np.where(same, 0.0, np.where(np.isfinite(d), d, np.inf))


def test_every_level_computes_the_same_bits(tmp_path):
    results = {level: level_run(level, tmp_path) for level in _dispatch.SUPPORTED}
    for level, (chosen, _) in results.items():
        assert chosen == level
    assert len({digest for _, digest in results.values()}) == 1, results
    # the v4 kernels of their own: within 1 ULP of the baseline's results
    # (silu' and gelu' near their zeros x0: the bound is absolute there,
    # 1/64 scale)
    inputs = {}
    exec(INPUTS, inputs)
    x32 = inputs["x32"]
    zeros = {"silu.backward": SILU_ZERO, "swish.backward": SILU_ZERO,
             "gelu.backward": GELU_ZERO}
    base = np.load(tmp_path / "baseline.npz")
    assert len(base.files) == len(_dispatch.kernels.SIMD16_UFUNCS)     # one array each
    for level in _dispatch.SUPPORTED[1:]:
        other = np.load(tmp_path / f"{level}.npz")
        for key in base.files:
            x0 = zeros.get(key)
            floor = 0.0 if x0 is None else np.where(np.abs(x32 - x0) < 0.05, 1 / 64, 0.0)
            assert ulps_apart(base[key], other[key], floor).max() <= 1.0, (level, key)


def test_unknown_level_warns_and_falls_back():
    env = dict(os.environ, FASTACT_CPU="v9")
    out = run_python("-c", "import fastact._dispatch as d; print(d.LEVEL)", env=env)
    assert out.returncode == 0
    assert "FASTACT_CPU='v9' is not a level" in out.stderr
    assert out.stdout.strip() == _dispatch.SUPPORTED[-1]

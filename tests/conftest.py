import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import fastact as fa


@pytest.fixture(params=[1, 2, 3], ids=lambda n: f"threads{n}")
def threads(request):
    """Run under 1, 2 and 3 OpenMP threads (3 oversubscribes 2 cores on
    purpose: results must not depend on the team)."""
    with fa.num_threads(request.param):
        yield request.param


def sample_points(dtype, n_dense=4001, seed=0):
    """A dense sample of the whole range of a float dtype: a linear grid on
    [-20, 20], random points on [-4, 4] (where most kinks, zeros and series
    boundaries are), log-uniform magnitudes from the smallest normal to 1e4
    of both signs, the far tails where e^x is subnormal but x e^x is not
    (float64: -745 < x < -700; float32: -104 < x < -87), the derivatives'
    interior zeros, and the edge values."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    dense = np.linspace(-20, 20, n_dense)
    middle = rng.uniform(-4, 4, 2000)
    logs = rng.uniform(np.log(float(info.tiny)), np.log(1e4), 4000)
    mags = np.exp(logs)
    signs = rng.choice([-1.0, 1.0], len(mags))
    tails = np.concatenate([np.linspace(-750, -690, 121), np.linspace(-105, -85, 41)])
    edges = np.array([0.0, -0.0, 1.0, -1.0, 88.7, -88.7, 709.8, -709.8,
                      -37.5, -37.55, -37.6, -26.5, -13.0, -6.0, 6.0,
                      -3.0, 3.0, 0.5, -0.5, 6.0, 20.0, 1e150, -1e150])
    # the interior zeros of gelu', gelu_tanh', silu' and mish' (mpmath) and
    # 64 neighbours of each in this dtype: where the textbook formulas cancel
    zeros = np.array([-0.7517915246935645, -0.7524614220710163, -1.2784645427610737,
                      -1.1924312145154952], dtype)
    near = (zeros[:, None] + np.arange(-32, 33) * np.spacing(zeros)[:, None]).ravel()
    with np.errstate(over="ignore"):               # +-1e150 in float32
        x = np.concatenate([dense, middle, signs * mags, tails, edges,
                            near.astype(np.float64)]).astype(dtype)
    x = x[np.isfinite(x)]
    return np.unique(x)


def run_python(*args, env=None, timeout=600):
    """Run ``python ARGS`` in a neutral folder: from the repository root the
    source folder 'fastact' would shadow the installed package."""
    full_env = dict(os.environ if env is None else env)
    return subprocess.run([sys.executable, *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout, cwd=tempfile.gettempdir())


def forward(case):
    """fastact's function for a reference case (tests/references.py)."""
    from references import public_name
    return getattr(fa, public_name(case))


def backward(case):
    """fastact's backward for a reference case, returning grad_input
    (prelu_backward also returns the weight's gradient)."""
    from references import public_name
    fn = getattr(fa, public_name(case) + "_backward")
    if public_name(case) == "prelu":
        return lambda *args, **kwargs: fn(*args, **kwargs)[0]
    return fn

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
    [-20, 20], log-uniform magnitudes from the smallest normal to 1e4 of both
    signs, and the edge values."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    dense = np.linspace(-20, 20, n_dense)
    logs = rng.uniform(np.log(float(info.tiny)), np.log(1e4), 4000)
    mags = np.exp(logs)
    signs = rng.choice([-1.0, 1.0], len(mags))
    edges = np.array([0.0, -0.0, 1.0, -1.0, 88.7, -88.7, 709.8, -709.8,
                      -37.5, -37.55, -37.6, -26.5, -13.0, -6.0, 6.0])
    x = np.concatenate([dense, signs * mags, edges]).astype(dtype)
    return np.unique(x)


def run_python(*args, env=None, timeout=600):
    """Run ``python ARGS`` in a neutral folder: from the repository root the
    source folder 'fastact' would shadow the installed package."""
    full_env = dict(os.environ if env is None else env)
    return subprocess.run([sys.executable, *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout, cwd=tempfile.gettempdir())

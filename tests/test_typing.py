"""The stubs (issue 6): mypy --strict accepts typical user code, infers the
dtype that comes back, and rejects misuse."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import fastact as fa

GOOD = '''
import numpy as np
from numpy.typing import NDArray
import fastact as fa
from fastact import scipy as sc

x: NDArray[np.float32] = np.linspace(-3, 3, 8, dtype=np.float32)
y: NDArray[np.float32] = fa.gelu(x)
y = fa.gelu(x, approximate="tanh")
y = fa.leaky_relu(x, 0.2)
y = fa.softplus(x, beta=2, threshold=None)
buf: NDArray[np.float32] = fa.sigmoid(x, out=np.empty_like(x))
g = fa.gelu_backward(1.0, x)
g = fa.relu_backward(np.ones_like(x), y=fa.relu(x))
g = fa.threshold_backward(1.0, x, threshold=0.5, value=0.0)
p = fa.softmax(x.reshape(2, 4), axis=(0, 1), temperature=2.0)
lse, sign = fa.logsumexp(x, return_sign=True)
m, idx = fa.maxout(np.ones(6), 2, return_indices=True)
gi, gw = fa.prelu_backward(1.0, x, weight=[0.25])
r, slopes = fa.rrelu(x, training=True, rng=0, return_slopes=True)
s = fa.swiglu(np.ones((2, 8)), axis=-1)
with fa.num_threads(2):
    fa.tanh([0.5, 1.0])
n: int = fa.get_num_threads()
fa.set_num_threads(None)
rec = fa.ACTIVATIONS["gelu"]
z = rec.forward(x)
e = sc.expit(x)
l2 = sc.logsumexp([1.0, 2.0], b=[1.0, -1.0])
reveal_type(fa.relu(x))
reveal_type(fa.expit(np.zeros(3)))
'''

BAD = '''
import numpy as np
import fastact as fa

x = np.zeros(3, np.float32)
fa.gelu(x, approximate="tan")
fa.relu(x, alpha=1.0)
fa.softmax(x, axis="0")
fa.leaky_relu(x, negative_slope="0.2")
fa.threshold(x)
fa.maxout(x)
'''


def mypy(code, tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (it is in the test extra)")
    (tmp_path / "sample.py").write_text(code)
    env = dict(os.environ)
    parent = Path(fa.__file__).resolve().parent.parent
    if parent.name not in ("site-packages", "dist-packages"):
        env["MYPYPATH"] = str(parent)          # a source checkout on PYTHONPATH
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--no-incremental", "--cache-dir", os.devnull, "--python-executable",
         sys.executable, "sample.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    return out.returncode, out.stdout + out.stderr


def test_mypy_accepts_typical_code(tmp_path):
    code, text = mypy(GOOD, tmp_path)
    notes = [line for line in text.splitlines() if "error:" in line]
    assert code == 0 and not notes, text
    revealed = [line for line in text.splitlines() if "Revealed type" in line]
    # the dtype in is the dtype out (mypy may spell float32 floating[_32Bit])
    assert len(revealed) == 2, text
    assert "float32" in revealed[0] or "_32Bit" in revealed[0], text
    assert "float64" in revealed[1] or "_64Bit" in revealed[1], text


def test_mypy_rejects_misuse(tmp_path):
    code, text = mypy(BAD, tmp_path)
    flagged = {int(line.split(":")[1]) for line in text.splitlines() if ": error:" in line}
    # every call from line 6 on is wrong
    assert code == 1 and flagged == set(range(6, 12)), text


def test_stubs_cover_every_public_name():
    """Each public function is declared in a stub of the module it lives in."""
    import ast
    pkg = Path(fa.__file__).parent
    declared = set()
    for stub in pkg.glob("*.pyi"):
        for node in ast.parse(stub.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                declared.add(node.name)
            elif isinstance(node, ast.Assign):
                declared.update(t.id for t in node.targets if isinstance(t, ast.Name))
    public = {n for n in fa.__all__ if callable(getattr(fa, n))}
    assert public - declared == set()
    assert (pkg / "py.typed").exists()

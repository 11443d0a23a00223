"""fork safety: GNU libgomp's thread pool does not survive fork(), so a child
that computes after its parent used OpenMP threads must not hang. Each
scenario runs in its own interpreter under a timeout, so a hang fails the
test instead of stalling the suite."""

import subprocess

import pytest

from conftest import run_python

OS_FORK = """
import os, numpy as np, fastact as fa
x = np.random.default_rng(0).standard_normal(2_000_000)
y = fa.gelu(x, approximate="tanh")          # the parent uses its threads
pid = os.fork()
if pid == 0:
    ok = np.array_equal(fa.gelu(x, approximate="tanh"), y) and fa.get_num_threads() == 1
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert np.array_equal(fa.gelu(x, approximate="tanh"), y)   # the parent still works
print("ok")
"""

MULTIPROCESSING_FORK = """
import multiprocessing as mp, numpy as np, fastact as fa

def work(seed):
    x = np.random.default_rng(seed).standard_normal(500_000)
    return float(fa.sigmoid(x).sum())

if __name__ == "__main__":
    expected = [work(s) for s in range(4)]         # parent threads first
    with mp.get_context("fork").Pool(2) as pool:
        got = pool.map(work, range(4))
    assert got == expected, (got, expected)
    print("ok")
"""


@pytest.mark.parametrize("script", [OS_FORK, MULTIPROCESSING_FORK], ids=["os.fork", "mp-fork"])
def test_child_after_fork_does_not_hang(script, tmp_path):
    path = tmp_path / "scenario.py"
    path.write_text(script)
    try:
        out = run_python(str(path), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the child process hung after fork")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

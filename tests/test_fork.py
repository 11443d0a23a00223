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


# The child asks for threads (it still computes on one), forks a grandchild,
# and runs a ProcessPoolExecutor of fork children; all while another Python
# thread of the parent keeps its own OpenMP team busy.
FORK_WHILE_BUSY = """
import os, threading, numpy as np, fastact as fa
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp

x = np.random.default_rng(1).standard_normal(1_000_000)
expected = fa.gelu_backward(1.0, x)
stop = threading.Event()

def busy():
    while not stop.is_set():
        fa.gelu(x)

def child_work():
    with fa.num_threads(2):
        assert np.array_equal(fa.gelu_backward(1.0, x), expected)
    fa.set_num_threads(2)
    assert fa.get_num_threads() == 1 and np.array_equal(fa.gelu_backward(1.0, x), expected)

def pool_work(seed):
    return float(fa.tanh(np.full(300_000, seed / 7.0)).sum())

def in_child(fn):  # fn in a child made by os.fork: its exit code (3: it raised)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            code = fn()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)

def child_and_grandchild():
    child_work()
    return in_child(lambda: child_work() or 0)

if __name__ == "__main__":
    t = threading.Thread(target=busy)
    t.start()
    assert in_child(child_and_grandchild) == 0
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
        got = list(pool.map(pool_work, range(4)))
    stop.set()
    t.join()
    assert got == [pool_work(s) for s in range(4)], got
    print("ok")
"""


@pytest.mark.parametrize("script", [OS_FORK, MULTIPROCESSING_FORK, FORK_WHILE_BUSY],
                         ids=["os.fork", "mp-fork", "fork-while-busy"])
def test_child_after_fork_does_not_hang(script, tmp_path):
    path = tmp_path / "scenario.py"
    path.write_text(script)
    try:
        out = run_python(str(path), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the child process hung after fork")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

"""Threads (API.md section 5): settings, OpenMP's own controls, determinism
across thread counts, and calls from many Python threads at once."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastact as fa
from conftest import run_python
from conftest import backward, forward
from references import REFERENCES, public_name

CASES = sorted(REFERENCES)
OPENMP = fa._config.config()["openmp"].startswith("enabled")


def expected(n):
    """What get_num_threads reports after asking for n threads."""
    return n if OPENMP else 1


def threads_reported(**env):
    base = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = run_python("-c", "import fastact; print(fastact.get_num_threads())",
                     env=dict(base, **env))
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


def test_set_get_and_context_manager():
    default = fa.get_num_threads()
    assert default >= 1
    with fa.num_threads(3):
        assert fa.get_num_threads() == expected(3)
        with fa.num_threads(1):
            assert fa.get_num_threads() == 1
        assert fa.get_num_threads() == expected(3)
    assert fa.get_num_threads() == default
    fa.set_num_threads(5)
    try:
        assert fa.get_num_threads() == expected(5)
    finally:
        fa.set_num_threads(None)
    assert fa.get_num_threads() == default


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="fastact.set_num_threads"):
        fa.set_num_threads(bad)


def test_default_is_usable_cores_and_honours_omp_num_threads():
    assert threads_reported() == expected(len(os.sched_getaffinity(0)))
    assert threads_reported(OMP_NUM_THREADS="1") == 1
    assert threads_reported(OMP_NUM_THREADS="3") == expected(3)


@pytest.mark.skipif(not OPENMP, reason="serial build: no OpenMP runtime to limit")
def test_threadpoolctl_limits_apply():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fa.get_num_threads() == 1
    assert fa.get_num_threads() >= 1


def test_openmp_is_enabled_in_this_build():
    if os.environ.get("FASTACT_OPENMP", "1") == "0":
        pytest.skip("built serial on purpose (FASTACT_OPENMP=0)")
    assert fa._config.config()["openmp"].startswith("enabled")


def test_show_config_prints_the_facts(capsys):
    fa.show_config()
    text = capsys.readouterr().out
    for key in ("fastact", "compiler", "openmp", "threads", "simd"):
        assert key in text
    assert fa.__version__ in text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_bitwise_identical_for_every_thread_count(case, dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(1_000_003) * 8).astype(dtype)
    fwd, bwd = forward(case), backward(case)
    kw = REFERENCES[case][0]
    with fa.num_threads(1):
        y1, g1 = fwd(x, **kw), bwd(1.0, x, **kw)
    for n in (2, 3, 8):
        with fa.num_threads(n):
            np.testing.assert_array_equal(fwd(x, **kw), y1)
            np.testing.assert_array_equal(bwd(1.0, x, **kw), g1)
    # a value gives the same bits in a strided view and at any position
    np.testing.assert_array_equal(fwd(x[1::3], **kw), y1[1::3])
    np.testing.assert_array_equal(fwd(x[-5:], **kw), y1[-5:])


def test_many_python_threads_at_once():
    rng = np.random.default_rng(5)
    inputs = [rng.standard_normal(200_000 + 17 * i) * 6 for i in range(16)]
    calls = [(c, x) for c in CASES for x in inputs]

    def work(item):
        case, x = item
        return forward(case)(x, **REFERENCES[case][0])

    serial = [work(item) for item in calls]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(work, calls))
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_gil_is_released_while_computing():
    """While one Python thread computes a large gelu, another keeps running
    Python code (it could not if the GIL were held)."""
    x = np.random.default_rng(6).standard_normal(20_000_000)
    started = threading.Event()

    def worker():
        started.set()
        for _ in range(3):
            fa.gelu(x)

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    count = 0
    while t.is_alive():
        count += 1
    t.join()
    assert count > 10_000


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_one_element_behind_the_input(dtype, threads):
    """NumPy passes the loop out = x shifted back by one element without a
    copy (safe for a loop in order); a threaded loop used to overwrite inputs
    another thread had not read yet (gelu of 65540 float32: one wrong value,
    at the chunk boundary)."""
    x = (np.random.default_rng(7).standard_normal(300_001) * 4).astype(dtype)
    for fn in (fa.gelu, fa.relu, lambda x, out: fa.tanh_backward(2.0, x, out=out)):
        expected = fn(x, out=None)
        buf = np.concatenate([[0], x]).astype(dtype)
        fn(buf[1:], out=buf[:-1])
        np.testing.assert_array_equal(buf[:-1], expected)
        buf = np.concatenate([x, [0]]).astype(dtype)       # out ahead: NumPy copies
        fn(buf[:-1], out=buf[1:])
        np.testing.assert_array_equal(buf[1:], expected)


def test_num_threads_blocks_closing_out_of_order_restore_the_setting():
    """Blocks in two Python threads may close in any order (A opens, B opens,
    A closes, B closes). The setting used to stay at A's value for good."""
    before = fa._config._kernels.requested_num_threads()
    a, b = fa.num_threads(1), fa.num_threads(2)
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert fa.get_num_threads() == expected(2)       # B is still open
    b.__exit__(None, None, None)
    assert fa._config._kernels.requested_num_threads() == before


def test_num_threads_blocks_in_many_python_threads():
    before = fa._config._kernels.requested_num_threads()
    x = np.random.default_rng(8).standard_normal(100_000)
    y = fa.gelu(x)

    def work(k):
        for _ in range(20):
            with fa.num_threads(1 + k % 3):
                np.testing.assert_array_equal(fa.gelu(x), y)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(12)))
    assert fa._config._kernels.requested_num_threads() == before

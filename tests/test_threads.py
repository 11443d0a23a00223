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


# ---- issue 7: every function from many Python threads, oversubscription ----

def test_every_function_from_many_python_threads_while_settings_change():
    """Forward and backward of every registry function, into fresh arrays and
    into out=, from 8 Python threads at once while another thread keeps
    changing the thread count (set_num_threads and num_threads blocks):
    the bits of serial calls (API.md section 5: they do not depend on the
    team)."""
    from adapters import CALLS

    rng = np.random.default_rng(9)
    sizes = (5, 1000, 2 * fa._dispatch.kernels.work_per_thread() + 3)
    # the nearest lengths each function takes (gated: even; maxout: pieces)
    work = [(call, tuple(rng.standard_normal(s) * 5 for s in call.shapes(call.adapter.fit((n,)))))
            for call in CALLS for n in sizes]
    assert {call.adapter.record.kind for call, _ in work} == {"elementwise", "gated", "axis"}
    serial = [call.fn(*arrays) for call, arrays in work]
    before = fa._config._kernels.requested_num_threads()
    stop = threading.Event()

    def change_settings():
        k = 0
        while not stop.is_set():
            fa.set_num_threads(1 + k % 3)
            with fa.num_threads(2 + k % 2):
                pass
            k += 1
        fa.set_num_threads(None)

    def run(item):
        call, arrays = item
        out = np.empty(call.out_shape(arrays[-1].shape))
        return call.fn(*arrays), call.fn(*arrays, out=out)

    changer = threading.Thread(target=change_settings)
    changer.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, work))
    finally:
        stop.set()
        changer.join()
    for (call, _), expected, got in zip(work, serial, results):
        np.testing.assert_array_equal(got[0], expected, err_msg=call.name)
        np.testing.assert_array_equal(got[1], expected, err_msg=call.name)
    assert fa._config._kernels.requested_num_threads() == before


OVERSUBSCRIBED = """
import threading, time, numpy as np, fastact as fa
fa.set_num_threads(2)
x = np.random.default_rng(0).standard_normal(1_000_000)
expected = fa.gelu(x)
def work():
    for _ in range(20):
        assert np.array_equal(fa.gelu(x), expected)
        fa.sigmoid_backward(1.0, x)
start = time.perf_counter()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(f"ok {time.perf_counter() - start:.1f} s")
"""


@pytest.mark.skipif(not OPENMP, reason="serial build: no OpenMP teams")
def test_python_threads_times_openmp_threads_finish():
    """8 Python threads x 2 OpenMP threads each (16 busy threads on this
    2-core machine) finish: no livelock of spinning teams. A generous timeout,
    no timing assertion (the run takes about a second when the cores are free)."""
    import subprocess
    try:
        out = run_python("-c", OVERSUBSCRIBED, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("8 Python threads x 2 OpenMP threads did not finish in 300 s")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok"), out.stdout
    print(out.stdout)


@pytest.mark.skipif(not OPENMP, reason="serial build: no OpenMP runtime to limit")
def test_threadpoolctl_limits_only_the_calling_thread():
    """What the README's advice rests on: OpenMP's thread count is a
    per-thread setting, so threadpool_limits applies in the thread that
    calls it (inside each pool worker), while fa.set_num_threads applies to
    every thread."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = {}

    def worker(key):
        seen[key] = fa.get_num_threads()

    def in_other_thread(key):
        t = threading.Thread(target=worker, args=(key,))
        t.start()
        t.join()

    with fa.num_threads(None):
        in_other_thread("before")
        with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
            assert fa.get_num_threads() == 1
            in_other_thread("other thread")
    assert seen["other thread"] == seen["before"]
    with fa.num_threads(1):
        in_other_thread("after set_num_threads")
    assert seen["after set_num_threads"] == 1

"""Threads and the axis-wise functions (API.md section 5): the same bits for
every thread count, including the reductions of a few long rows split
between threads, and calls from many Python threads at once."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastact as fa

# shape, axis: many short rows (a thread per row), a few long rows (their
# blocks split between threads), one long row, a non-last axis (tiles)
LAYOUTS = [((4096, 100), -1), ((3, 300_001), -1), ((1, 1_000_003), -1),
           ((2500, 301), 0), ((7, 20_000, 3), 1)]


def calls(x, axis):
    g = np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape).astype(x.dtype)
    mask = (np.arange(x.size) % 7 != 3).reshape(x.shape)
    return [
        lambda: fa.softmax(x, axis),
        lambda: fa.log_softmax(x, axis, temperature=0.7),
        lambda: fa.softmin(x, axis, where=mask),
        lambda: fa.logsumexp(x, axis),
        lambda: fa.logsumexp(x, axis, b=g, return_sign=True)[0],
        lambda: fa.softmax_backward(g, x, axis=axis),
        lambda: fa.softmax_backward(g, y=fa.softmax(x, axis), axis=axis),
        lambda: fa.log_softmax_backward(g, x, axis=axis, where=mask),
        lambda: fa.logsumexp_backward(1.0, x, axis=axis),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", LAYOUTS, ids=str)
def test_bitwise_identical_for_every_thread_count(shape, axis, dtype):
    rng = np.random.default_rng(50)
    x = (rng.standard_normal(shape) * 6).astype(dtype)
    fns = calls(x, axis)
    with fa.num_threads(1):
        want = [f() for f in fns]
    for n in (2, 3, 8):
        with fa.num_threads(n):
            for f, w in zip(fns, want):
                np.testing.assert_array_equal(f(), w)


def test_long_row_reductions_match_the_single_thread_sum():
    """A 10^7 row: the threads' blocks combine to the single thread's bits,
    and the result is right (against NumPy in long double)."""
    rng = np.random.default_rng(51)
    x = rng.standard_normal(10_000_000).astype(np.float32) * 10
    with fa.num_threads(1):
        want = fa.logsumexp(x), fa.softmax(x)
    for n in (2, 3, 8):
        with fa.num_threads(n):
            assert fa.logsumexp(x) == want[0]
            np.testing.assert_array_equal(fa.softmax(x), want[1])
    xl = x.astype(np.longdouble)
    m = xl.max()
    ref = float(m + np.log(np.sum(np.exp(xl - m))))
    np.testing.assert_allclose(want[0], ref, rtol=np.finfo(np.float32).eps)
    np.testing.assert_allclose(np.sum(want[1], dtype=np.float64), 1.0, rtol=1e-5)


def test_many_python_threads_at_once():
    rng = np.random.default_rng(52)
    inputs = [rng.standard_normal((64, 5000 + 17 * i)) for i in range(12)]
    fns = [fa.softmax, fa.log_softmax, fa.logsumexp, lambda x: fa.maxout(x, 1)]
    work = [(f, x) for f in fns for x in inputs]
    serial = [f(x) for f, x in work]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda item: item[0](item[1]), work))
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_scratch_kept_between_calls_is_never_shared():
    # _run keeps one scratch buffer between calls (_axis.pxi, _scratch_take):
    # calls from other Python threads while it is in use must get their own.
    # Long rows, so the exps kept for the later phases fill megabytes of it.
    rng = np.random.default_rng(53)
    inputs = [(rng.standard_normal(n) * 4).astype(dt)
              for n in (200_001, 523_000, 1_000_003) for dt in (np.float32, np.float64)]
    fns = [fa.softmax, lambda x: fa.logsumexp_backward(np.ones((), x.dtype), x),
           lambda x: fa.softmax_backward(np.cos(x), x)]
    work = [(f, x) for f in fns for x in inputs] * 2
    for threads in (1, 2):
        with fa.num_threads(threads):
            serial = [f(x) for f, x in work]
        with ThreadPoolExecutor(max_workers=4) as pool:
            parallel = list(pool.map(lambda item: _with_threads(threads, *item), work))
        for a, b in zip(serial, parallel):
            np.testing.assert_array_equal(a, b)


def _with_threads(n, f, x):
    with fa.num_threads(n):
        return f(x)

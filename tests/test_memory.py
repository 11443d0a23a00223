"""No leaks (issue 7): the process's memory stays flat over 10^5 calls of
each kind -- forward, backward, out=, the float16 and 0-d paths, the error
paths, and the axis-wise and gated functions' own entry points. (The
sanitizer build runs with leak detection off, as CPython needs; this is the
leak check.)"""

import gc
import os

import numpy as np
import pytest

import fastact as fa

CALLS = 100_000
# A leak of one small object per call (a float is 24 bytes, an array header
# about 100) grows by 2.4 MB or more; pymalloc may keep a new 1 MiB arena.
TOLERANCE = 2 * 2**20

X = np.linspace(-4, 4, 16)
X16 = X.astype(np.float16)
G = np.ones(16)
OUT = np.empty(16)
W = np.full(4, 0.25)
X2 = X.reshape(4, 4)
MASK = np.arange(16).reshape(4, 4) % 3 != 0
OUT2 = np.empty((4, 4))


def refused(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return
    raise AssertionError(f"{fn.__name__} was not refused")


KINDS = {
    "forward": lambda: fa.gelu(X),
    "backward": lambda: fa.gelu_backward(G, X),
    "backward from y": lambda: fa.sigmoid_backward(G, y=X),
    "out=": lambda: fa.softplus(X, out=OUT),
    "in place": lambda: fa.relu(OUT, out=OUT),
    "float16": lambda: fa.tanh(X16),
    "0-d": lambda: fa.mish(0.5),
    "prelu_backward": lambda: fa.prelu_backward(G.reshape(4, 4), X2, weight=W),
    "bad dtype": lambda: refused(TypeError, fa.gelu, X.astype(complex)),
    "bad out": lambda: refused(ValueError, fa.gelu, X, out=OUT[:3]),
    "bad parameter": lambda: refused(ValueError, fa.celu, X, alpha=0.0),
    "bad grad_output": lambda: refused(ValueError, fa.tanh_backward, np.ones(3), X),
    # axis-wise functions and gated units: their compiled entry points
    # (axis_reduce with a mask and out=, maxout_rows with indices and a tuple
    # of results, a gufunc with two outputs) and an AxisError
    "softmax where= out=": lambda: fa.softmax(X2, axis=0, where=MASK, out=OUT2),
    "axis fast path": lambda: (fa.softmax(X2), fa.logsumexp(X2, keepdims=True),
                               fa.logsumexp(X), fa.logsumexp_backward(G[:4], X2),
                               fa.softmax_backward(G.reshape(4, 4), y=X2, out=OUT2)),
    "maxout return_indices": lambda: fa.maxout(X2, 2, return_indices=True),
    "gated backward out=": lambda: fa.swiglu_backward(G.reshape(4, 4)[:, :2], X2, out=OUT2),
    "bad axis": lambda: refused(np.exceptions.AxisError, fa.softmax, X2, axis=2),
}


def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.parametrize("kind", KINDS)
def test_memory_stays_flat(kind):
    call = KINDS[kind]
    for _ in range(CALLS // 10):          # warm up: caches, free lists, arenas
        call()
    gc.collect()
    before = rss()
    for _ in range(CALLS):
        call()
    gc.collect()
    grown = rss() - before
    assert grown < TOLERANCE, f"{kind}: {grown / CALLS:.1f} bytes per call"

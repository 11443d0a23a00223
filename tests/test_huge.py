"""Arrays of more than 2**31 elements: 64-bit indexing throughout (element
counts, byte offsets, thread chunks). Marked slow, so the default run leaves
them out: ``pytest -m slow`` runs them. Each needs its memory free (it reads
MemAvailable) and skips saying how much otherwise."""

import numpy as np
import pytest

import fastact as fa

N = 2**31 + 16                   # float32: 8 GiB, computed in place
PATTERN = np.array([-1, 2, -3, 4, -5, 6, -7, 8], np.float32)
CHUNK = 2**26                    # checks go chunk by chunk: no 2 GiB temporaries

pytestmark = pytest.mark.slow


def mem_available():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@pytest.fixture(scope="module")
def huge():
    """N float32 values repeating PATTERN, with marks just below and above
    2**31 (where a 32-bit index would wrap) and at the very end."""
    need = N * 4 + 2 * 2**30
    if mem_available() < need:
        pytest.skip(f"needs {need / 2**30:.1f} GiB free, "
                    f"{mem_available() / 2**30:.1f} GiB available")
    x = np.empty(N, np.float32)
    x.reshape(-1, len(PATTERN))[:] = PATTERN
    yield x


def check(x, expected_pattern, marks):
    """x repeats expected_pattern except at the marks {index: value}."""
    tile = np.tile(expected_pattern, CHUNK // len(expected_pattern))
    saved = {i: x[i] for i in marks}
    for i in marks:
        x[i] = tile[i % len(tile)]
    try:
        for start in range(0, len(x), CHUNK):
            part = x[start:start + CHUNK]
            assert np.array_equal(part, tile[:len(part)]), f"wrong values after {start}"
    finally:
        for i, v in saved.items():
            x[i] = v
    for i, v in marks.items():
        assert saved[i] == v, (i, saved[i], v)


def test_forward_backward_and_strided_beyond_2_31(huge):
    x = huge
    marks = {2**31 - 1: -0.5, 2**31: 3.5, 2**31 + 1: -2.0, N - 1: -9.0}
    for i, v in marks.items():
        x[i] = v
    # contiguous loop, threaded, in place
    assert fa.relu(x, out=x) is x
    check(x, np.maximum(PATTERN, 0), {i: max(v, 0) for i, v in marks.items()})
    # grad_output broadcast (stride 0): the strided loop over all N elements
    fa.leaky_relu_backward(2.0, x, out=x)
    slope = np.float32(2.0 * 0.01)
    d = np.where(np.maximum(PATTERN, 0) > 0, np.float32(2), slope)
    check(x, d, {2**31 - 1: slope, 2**31: 2.0, 2**31 + 1: slope, N - 1: slope})
    # every other element: 2**30 + 8 of them, byte offsets past 2**33
    x.reshape(-1, len(PATTERN))[:] = PATTERN
    view = x[1::2]
    assert fa.hard_tanh(view, min_val=-2.5, max_val=3.0, out=view) is view
    np.testing.assert_array_equal(view[-4:], [2, 3, 3, 3])
    check(x, np.array([-1, 2, -3, 3, -5, 3, -7, 3], np.float32), {})

"""Threads and build configuration (API.md section 5).

Oversubscription policy: every Python thread that makes a large call runs
its own OpenMP team of up to ``get_num_threads()`` threads (OpenMP gives each
calling thread its own team), so Python threads and OpenMP threads multiply.
The thread count set here is process-wide, which makes ``set_num_threads(1)``
before starting a thread pool the simple remedy: every call then runs on the
worker that makes it. ``threadpoolctl.threadpool_limits`` sets OpenMP's own
count, which is per thread: it limits the thread that calls it only.
"""

import os
import sys
import threading

from . import _dispatch
from ._dispatch import kernels as _kernels


# GNU libgomp is not fork-safe: a parallel region in a child made by fork()
# after the parent used OpenMP threads hangs. Children therefore compute on
# one thread (multiprocessing's 'spawn' and 'forkserver' children are fresh
# processes and use threads as usual).
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_kernels._after_fork_in_child)


def get_num_threads():
    """The number of threads a large call uses.

    By default this is OpenMP's own choice at the moment of the call (the
    usable cores, ``OMP_NUM_THREADS``, or a ``threadpoolctl.threadpool_limits``
    in force); ``set_num_threads`` overrides it.
    """
    return _kernels.get_num_threads()


def set_num_threads(n):
    """Use ``n`` threads for large calls (``None``: back to OpenMP's default).

    The setting is process-wide, not per Python thread. Small inputs still
    run on one thread whatever this says.
    """
    if n is None:
        _kernels.set_num_threads(0)
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fastact.set_num_threads: n must be a positive int "
                         f"or None, got {n!r}")
    _kernels.set_num_threads(n)


class num_threads:
    """Context manager: ``with fastact.num_threads(n): ...`` uses ``n``
    threads inside the block and restores the previous setting after it.

    The setting is process-wide (see ``set_num_threads``). Blocks in several
    Python threads may close in any order; when the last one closes the
    setting is what it was before the first opened.
    """

    def __init__(self, n):
        self._n = n

    def __enter__(self):
        with _blocks_lock:
            previous = _kernels.requested_num_threads()
            set_num_threads(self._n)
            _open_blocks.append([self, previous])
        return self

    def __exit__(self, *exc):
        with _blocks_lock:
            i = max(k for k, (block, _) in enumerate(_open_blocks) if block is self)
            if i == len(_open_blocks) - 1:
                _kernels.set_num_threads(_open_blocks[i][1])
            else:
                # a block opened later is still open: it restores what this
                # one would have restored
                _open_blocks[i + 1][1] = _open_blocks[i][1]
            del _open_blocks[i]
        return False


# The num_threads blocks open now, oldest first: [block, setting before it].
_open_blocks = []
_blocks_lock = threading.Lock()


def _openmp_runtime():
    """The OpenMP runtime library loaded into this process, if one is."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.rsplit("/", 1)[-1].strip() for line in maps if ".so" in line}
    except OSError:
        return "unknown"
    for prefix in ("libgomp", "libomp", "libiomp"):
        for lib in sorted(libs):
            if lib.startswith(prefix):
                return lib
    return "unknown"


def config():
    """The facts ``show_config`` prints, as a dict."""
    from . import __version__

    info = _kernels.build_info()
    openmp = info["openmp"]
    return {
        "fastact": __version__,
        "python": sys.version.split()[0],
        "numpy": __import__("numpy").__version__,
        "compiler": info["compiler"],
        "openmp": (f"enabled (OpenMP {openmp}, runtime {_openmp_runtime()})"
                   if openmp else "disabled (serial build)"),
        "threads": get_num_threads(),
        "cpus": os.cpu_count(),
        "simd": (f"{_dispatch.LEVEL}: {info['simd']} "
                 f"(this CPU runs: {', '.join(_dispatch.SUPPORTED)}; FASTACT_CPU chooses)"),
    }


def show_config():
    """Print fastact's version, compiler, OpenMP runtime, thread count and
    SIMD level."""
    for key, value in config().items():
        print(f"{key:>9}: {value}")

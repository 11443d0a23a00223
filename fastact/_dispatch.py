"""Which compiled kernel module this process uses.

The kernels are built once per x86-64 instruction-set level (see setup.py):
``_kernels_baseline`` (any x86-64, SSE2), ``_kernels_v3`` (AVX2 + FMA) and
``_kernels_v4`` (AVX-512, 512-bit vectors). At import the best level this
CPU supports is chosen; ``FASTACT_CPU=baseline|v3|v4`` asks for another (a
level the CPU lacks is refused with a warning, never run). Every Python
module takes the kernels from here: ``from ._dispatch import kernels``.

The element-wise kernels compute the same bits on every level
(tests/test_dispatch.py), except the float32 loops of
``kernels.SIMD16_UFUNCS`` (silu, silu', softplus' and swish, swish' at
beta = 1, log_sigmoid', exact gelu and gelu', hard_swish') and of the
gated units ``kernels.SIMD16_GATED`` (glu, swiglu, exact geglu) and
``SIMD16_GATED_VJP`` (glu', swiglu'), which v4 computes by AVX-512 kernels of its
own (_simd16.h, _gelu16.h) within the same accuracy bound and within 1 ULP
of the other levels; the axis-wise ones (softmax, log_softmax, logsumexp
and their backward)
fuse their exp's Horner steps with FMA on v3 and v4, so the baseline level
may differ from those in the last bit.
"""

import importlib
import importlib.util
import os
import warnings

from . import _kernels_baseline

LEVELS = ("baseline", "v3", "v4")
_CPU = {1: "baseline", 3: "v3", 4: "v4"}[_kernels_baseline.cpu_level()]


def _built(level):
    return importlib.util.find_spec(f"{__package__}._kernels_{level}") is not None


# Levels both built and runnable on this CPU, lowest first.
SUPPORTED = tuple(lv for lv in LEVELS[:LEVELS.index(_CPU) + 1] if _built(lv))


def _choose():
    requested = os.environ.get("FASTACT_CPU", "").strip().lower()
    if not requested:
        return SUPPORTED[-1]
    if requested in SUPPORTED:
        return requested
    why = ("is not a level (baseline, v3, v4)" if requested not in LEVELS
           else "is not supported by this CPU or not built")
    warnings.warn(f"fastact: FASTACT_CPU={requested!r} {why}; using "
                  f"{SUPPORTED[-1]!r}", RuntimeWarning, stacklevel=3)
    return SUPPORTED[-1]


LEVEL = _choose()
kernels = (_kernels_baseline if LEVEL == "baseline"
           else importlib.import_module(f"{__package__}._kernels_{LEVEL}"))

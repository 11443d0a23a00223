"""Measuring errors in ULPs against high-precision references."""

import mpmath as mp
import numpy as np


def reference(fn, xs):
    """fn (an mpmath function) at each float in xs, as (hi, lo) float64 pairs
    whose sum is the exact value to ~106 bits."""
    hi = np.empty(len(xs))
    lo = np.empty(len(xs))
    # autoprec raises the working precision until two evaluations agree, so
    # textbook formulas that cancel (1 + tanh(u) for u << 0) stay exact.
    exact = mp.autoprec(lambda x: mp.mpf(fn(x)), maxprec=20000)
    for i, x in enumerate(xs):
        with mp.workprec(120):
            v = exact(mp.mpf(float(x)))
        h = float(v)
        hi[i] = h
        lo[i] = float(v - h) if mp.isfinite(v) and abs(h) != np.inf else 0.0
    return hi, lo


def ulp_errors(got, hi, lo, dtype, xs=None, zeros=(), zero_window=0.05):
    """|got - exact| in ULPs of ``dtype`` at the exact value.

    Only where the exact value is a normal number of ``dtype`` (elsewhere the
    entry is NaN). Within ``zero_window`` of an interior zero of the function
    the ULP is that of 1/64: the bound there is absolute.
    """
    info = np.finfo(dtype)
    got = np.asarray(got, dtype=np.float64)
    diff = np.abs((got - hi) - lo)
    mag = np.abs(hi)
    if xs is not None:
        for z in zeros:
            near = np.abs(np.asarray(xs, dtype=np.float64) - z) < zero_window
            mag = np.where(near, np.maximum(mag, 1 / 64), mag)
    normal = (np.abs(hi) >= info.tiny) & (np.abs(hi) <= info.max) | (mag > np.abs(hi))
    ulp = np.spacing(mag.astype(dtype)).astype(np.float64)
    err = np.where(normal, diff / ulp, np.nan)
    err = np.where(normal & (diff == 0), 0.0, err)
    return err


def worst(err, xs):
    """(max error, the x where it happened), ignoring NaN entries."""
    if np.all(np.isnan(err)):
        return 0.0, None
    i = int(np.nanargmax(err))
    return float(err[i]), float(xs[i])

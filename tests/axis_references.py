"""Independent references for the axis-wise functions: textbook formulas in
mpmath (exact to the digits shown) and in NumPy, sharing no code with
fastact's kernels."""

import mpmath as mp
import numpy as np


def mp_softmax_row(row, T=1.0, sign=1):
    """softmax, log_softmax and logsumexp of one row (floats) in mpmath at
    high precision: (list of softmax, list of log_softmax, logsumexp)."""
    with mp.workdps(60):
        z = [mp.mpf(sign * float(v)) / mp.mpf(T) for v in row]
        lse = mp.log(mp.fsum(mp.exp(v) for v in z))
        return ([float(mp.exp(v - lse)) for v in z], [float(v - lse) for v in z],
                float(lse))


def mp_logsumexp_b(row, b):
    """log|sum b e^x| and its sign, in mpmath."""
    with mp.workdps(60):
        s = mp.fsum(mp.mpf(float(w)) * mp.exp(mp.mpf(float(v))) for v, w in zip(row, b))
        if s == 0:
            return -np.inf, 0.0
        return float(mp.log(abs(s))), float(mp.sign(s))


def np_softmax(x, axis):
    """The plain NumPy formula (max taken out), in float64."""
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


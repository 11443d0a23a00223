"""Fit the polynomial of the float32 exp in fastact/_axis_loops.h
(fa_axf_parts): q(r) = (e^r - 1)/r on |r| <= ln2/2, degree 5, by
interpolation at the Chebyshev nodes (near-minimax), in mpmath; q = 1 +
r/2 + r^2 (Q2 + Q3 r + Q4 r^2 + Q5 r^3), so the kernel's q2 = (q - 1)/r.
Prints the float coefficients and the largest relative error of
1 + r q(r) against e^r (exact arithmetic, float coefficients).

    python tools/fit_expf_axis.py
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 40
A = 0.3466                      # ln2/2 and a little: |r| after the reduction
DEG = 5


def q_exact(r):
    return mp.expm1(r) / r if r != 0 else mp.mpf(1)


def main():
    nodes = [mp.mpf(A) * mp.cos(mp.pi * (2 * i + 1) / (2 * (DEG + 1))) for i in range(DEG + 1)]
    coef = mp.lu_solve(mp.matrix([[t ** j for j in range(DEG + 1)] for t in nodes]),
                       mp.matrix([q_exact(t) for t in nodes]))
    cf = [np.float32(float(coef[j])) for j in range(DEG + 1)]
    cf[0], cf[1] = np.float32(1.0), np.float32(0.5)      # as the kernel uses them
    worst = mp.mpf(0)
    for r in np.linspace(-A, A, 4001):
        r = mp.mpf(float(r))
        q = mp.mpf(0)
        for c in reversed(cf):
            q = q * r + mp.mpf(float(c))
        worst = max(worst, abs(1 + r * q - mp.exp(r)) / mp.exp(r))
    for j in range(2, DEG + 1):
        print(f"Q{j} = {float(cf[j]):.9g}f  /* {hex(cf[j].view(np.uint32))} */")
    print(f"max relative error {float(worst):.3g} = {float(worst) / 2**-23:.3f} float eps")


if __name__ == "__main__":
    main()

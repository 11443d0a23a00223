"""Fit the erfc approximation used by the float32 GELU kernels.

For z >= 0, erfc(z) = t exp(-z^2 + h(t)) with t = 1 / (1 + z/2) in (0, 1]
(the form of Numerical Recipes' erfcc, refitted here to float32 needs):
h is smooth in t, so a Chebyshev fit in s = 2t - 1 approximates it; the
kernel evaluates it as a polynomial in s by Horner's rule (straight-line
code that vectorises), so the power-basis coefficients are printed and the
error is measured for that form. The relative error of erfc is the absolute
error of h. Measured on a dense grid against mpmath:

    python tools/fit_erfc.py [degree]
"""

import sys

import mpmath as mp
import numpy as np
from numpy.polynomial import chebyshev as C

mp.mp.dps = 40


def h_of_t(t):
    z = 2 / t - 2
    return mp.log(mp.erfc(z) / t) + z * z


def main(degree=18):
    # Chebyshev nodes in s, mapped to t in (0, 1]
    n = 4 * degree
    s_nodes = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    t_nodes = (s_nodes + 1) / 2
    t_nodes = np.clip(t_nodes, 1e-6, 1.0)
    h_nodes = np.array([float(h_of_t(mp.mpf(t))) for t in t_nodes])
    coeffs = C.chebfit(s_nodes, h_nodes, degree)
    # measured error on a dense grid of z in [0, 10.5] (float32 gelu range)
    z = np.linspace(0, 10.5, 20001)
    t = 1 / (1 + z / 2)
    power = C.cheb2poly(coeffs)
    approx = np.zeros_like(t)
    for c in power[::-1]:                      # Horner, as in the kernel
        approx = approx * (2 * t - 1) + c
    exact = np.array([float(h_of_t(mp.mpf(v))) for v in t])
    err = np.max(np.abs(approx - exact))
    print(f"# degree {degree}: max |h error| = relative erfc error {err:.2e} on z in [0, 10.5]")
    print("    static const double ERFC_H_POLY[%d] = {   /* s^0 .. s^%d */" % (degree + 1, degree))
    for c in power:
        print(f"        {float(c)!r},")
    print("    };")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 18)

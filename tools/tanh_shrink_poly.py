"""Polynomial for tanh_shrink(x) = x - tanh(x) at |x| < 1, where the
subtraction cancels (x - tanh x ~ x^3/3: at x = 1e-3 the plain formula
keeps no correct digit in float32 and 6 fewer in float64).

fastact computes x - tanh x = x^3 g(x^2) there, with g a polynomial fitted
to g(u) = (sqrt(u) - tanh(sqrt(u))) / u^(3/2) on u in [0, 1] by Chebyshev
interpolation (mpmath.chebyfit). g is analytic for |u| < pi^2/4, so the fit
converges fast; the script picks the smallest degree whose relative error is
below 2^-58 (with --float: a fit in u - 1/2 below 2^-30 for the float32
kernel, whose coefficients are then rounded to float). Prints the constants for
fastact/_math.pxd:

    python tools/tanh_shrink_poly.py [--float]
"""

import sys

import mpmath as mp

mp.mp.dps = 60
TOL = mp.mpf(2) ** -58


def g(u):
    if u == 0:
        return mp.mpf(1) / 3
    r = mp.sqrt(u)
    return (r - mp.tanh(r)) / (u * r)


def fit(tol=TOL):
    for n in range(4, 40):
        coeffs, err = mp.chebyfit(g, [0, 1], n, error=True)
        if err < tol / 3:          # g >= 0.23 on [0, 1]: relative < tol
            return coeffs, err
    raise RuntimeError("no degree reaches the tolerance")


def print_float():
    """The float32 kernel's constants: g(u) = G(u - 1/2), G fitted on
    [-1/2, 1/2] (centred, its terms do not cancel as g's alternating ones
    do at u = 1: the float Horner sum keeps its precision), coefficients
    rounded to float, G(0) as two floats; the printed error includes the
    roundings of the coefficients, measured on a dense grid of u against
    mpmath."""
    import numpy as np
    tol = mp.mpf(2) ** -30
    for n in range(4, 40):
        coeffs, err = mp.chebyfit(lambda v: g(v + mp.mpf(1) / 2), [-0.5, 0.5], n, error=True)
        if err < tol / 3:
            break
    coeffs = coeffs[::-1]
    c0_hi = np.float32(coeffs[0])
    c0_lo = np.float32(coeffs[0] - mp.mpf(float(c0_hi)))
    rest = [np.float32(c) for c in coeffs[1:]]
    worst = 0
    for u in mp.linspace(0, 1, 2001):
        v = u - mp.mpf(1) / 2
        p = mp.mpf(0)
        for c in reversed(rest):
            p = p * v + mp.mpf(float(c))
        approx = mp.mpf(float(c0_hi)) + mp.mpf(float(c0_lo)) + v * p
        worst = max(worst, abs(approx / g(u) - 1))
    print(f"    /* tanh_shrink float32: (x - tanh x)/x^3 = sum_k c_k (x^2 - 1/2)^k for |x| < 1, "
          f"max relative error {mp.nstr(worst, 3)} with the coefficients in float "
          f"(tools/tanh_shrink_poly.py --float); c_0 as hi + lo */")
    print(f"    static const float TANH_SHRINK_F_C0_HI = {float(c0_hi)!r}f;")
    print(f"    static const float TANH_SHRINK_F_C0_LO = {float(c0_lo)!r}f;")
    print(f"    static const float TANH_SHRINK_F_C[{len(rest)}] = {{   /* c_1, c_2, ... */")
    for c in rest:
        print(f"        {float(c)!r}f,")
    print("    };")


if __name__ == "__main__" and "--float" in sys.argv:
    print_float()
elif __name__ == "__main__":
    coeffs, err = fit()
    coeffs = coeffs[::-1]          # constant term first
    c0_hi = float(coeffs[0])
    print(f"    /* tanh_shrink: (x - tanh x)/x^3 = sum_k c_k x^(2k) for |x| < 1, "
          f"max error {mp.nstr(err, 3)} (tools/tanh_shrink_poly.py); c_0 as hi + lo */")
    print(f"    static const double TANH_SHRINK_C0_HI = {c0_hi!r};")
    print(f"    static const double TANH_SHRINK_C0_LO = {float(coeffs[0] - c0_hi)!r};")
    print(f"    static const double TANH_SHRINK_C[{len(coeffs) - 1}] = {{   /* c_1, c_2, ... */")
    for c in coeffs[1:]:
        print(f"        {float(c)!r},")
    print("    };")

"""Polynomial for tanh_shrink(x) = x - tanh(x) at |x| < 1, where the
subtraction cancels (x - tanh x ~ x^3/3: at x = 1e-3 the plain formula
keeps no correct digit in float32 and 6 fewer in float64).

fastact computes x - tanh x = x^3 g(x^2) there, with g a polynomial fitted
to g(u) = (sqrt(u) - tanh(sqrt(u))) / u^(3/2) on u in [0, 1] by Chebyshev
interpolation (mpmath.chebyfit). g is analytic for |u| < pi^2/4, so the fit
converges fast; the script picks the smallest degree whose relative error is
below 2^-58. Prints the constants for fastact/_math.pxd:

    python tools/tanh_shrink_poly.py
"""

import mpmath as mp

mp.mp.dps = 60
TOL = mp.mpf(2) ** -58


def g(u):
    if u == 0:
        return mp.mpf(1) / 3
    r = mp.sqrt(u)
    return (r - mp.tanh(r)) / (u * r)


def fit():
    for n in range(4, 40):
        coeffs, err = mp.chebyfit(g, [0, 1], n, error=True)
        if err < TOL / 3:          # g >= 0.23 on [0, 1]: relative < TOL
            return coeffs, err
    raise RuntimeError("no degree reaches the tolerance")


if __name__ == "__main__":
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

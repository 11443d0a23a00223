"""Taylor series of gelu' (exact and tanh form) around their interior zeros.

Near a zero, Phi(x) + x phi(x) cancels: the plain formula has an absolute
error of about ulp(0.5), many ULP of the small result. fastact evaluates
instead sum_k c_k (x - x0)^k with x - x0 = (x - x0_hi) - x0_lo, which is
accurate to a few ULP of the result. This script prints the constants for
fastact/_math.pxd (mpmath, 60 digits; run: python tools/derivative_zero_series.py).
"""

import mpmath as mp

mp.mp.dps = 60
RADIUS = mp.mpf("0.75")       # the series serves |x - x0| <= RADIUS
TOL = mp.mpf(2) ** -60       # truncation relative to |c1 (x - x0)|


def gelu_d(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def gelu_tanh_d(x):
    k, c = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
    s = 1 / (1 + mp.exp(-2 * k * (x + c * x ** 3)))
    return s + x * 2 * k * (1 + 3 * c * x * x) * s * (1 - s)


def series(name, f, guess):
    x0 = mp.findroot(f, guess)
    coeffs = mp.taylor(f, x0, 40)
    # smallest degree whose next terms are negligible on the whole radius
    for n in range(2, 40):
        tail = sum(abs(coeffs[k]) * RADIUS ** (k - 1) for k in range(n + 1, 40))
        if tail < TOL * abs(coeffs[1]):
            break
    hi = float(x0)
    lo = float(x0 - mp.mpf(hi))
    print(f"# {name}: zero x0 = {mp.nstr(x0, 25)}, degree {n}, |x - x0| <= {RADIUS}")
    print(f"    static const double {name.upper()}_X0_HI = {hi!r};")
    print(f"    static const double {name.upper()}_X0_LO = {lo!r};")
    print(f"    static const double {name.upper()}_C[{n}] = {{")
    for k in range(1, n + 1):
        print(f"        {float(coeffs[k])!r},")
    print("    };")


if __name__ == "__main__":
    series("gelu_d", gelu_d, -0.75)
    series("gelu_tanh_d", gelu_tanh_d, -0.75)

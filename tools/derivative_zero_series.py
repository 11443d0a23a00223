"""Taylor series of derivatives around their interior zeros: gelu' (exact
and tanh form), silu' and mish'.

Near a zero, a derivative like Phi(x) + x phi(x) cancels: the plain formula
has an absolute error of about ulp(0.5), many ULP of the small result.
fastact evaluates instead sum_k c_k (x - x0)^k with x - x0 = (x - x0_hi) - x0_lo,
which is accurate to a few ULP of the result. This script prints the
constants for fastact/_math.pxd (mpmath, 60 digits):

    python tools/derivative_zero_series.py [NAME ...]     (default: all)
"""

import sys

import mpmath as mp

mp.mp.dps = 60
# The series serves |x - x0| <= its radius: as far out as the plain formula
# of the float64 kernel is more than ~2 ULP off (measured against mpmath with
# the series switched off: silu' 2 ULP past 0.1, mish' past 0.2; gelu' 3-4
# ULP up to 0.4 and gelu_tanh' 4-5 ULP up to 0.75). A smaller radius is a
# shorter series, and it is evaluated for every element (a select).
RADII = {"gelu_d": "0.75", "gelu_tanh_d": "0.75", "silu_d": "0.25", "mish_d": "0.3"}
TOL = mp.mpf(2) ** -60       # truncation relative to |c1 (x - x0)|


def gelu_d(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def gelu_tanh_d(x):
    k, c = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
    s = 1 / (1 + mp.exp(-2 * k * (x + c * x ** 3)))
    return s + x * 2 * k * (1 + 3 * c * x * x) * s * (1 - s)


def silu_d(x):
    # d/dx x sigmoid(x) = sigmoid(x) (1 + x (1 - sigmoid(x))); swish' with
    # beta is silu'(beta x), so the same series serves swish.
    s = 1 / (1 + mp.exp(-x))
    return s * (1 + x * (1 - s))


def mish_d(x):
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 / (1 + mp.exp(-x))


SERIES = {"gelu_d": (gelu_d, -0.75), "gelu_tanh_d": (gelu_tanh_d, -0.75),
          "silu_d": (silu_d, -1.28), "mish_d": (mish_d, -1.19)}


def series(name, f, guess):
    radius = mp.mpf(RADII[name])
    x0 = mp.findroot(f, guess)
    coeffs = mp.taylor(f, x0, 60)
    # smallest degree whose next terms are negligible on the whole radius
    for n in range(2, 60):
        tail = sum(abs(coeffs[k]) * radius ** (k - 1) for k in range(n + 1, 60))
        if tail < TOL * abs(coeffs[1]):
            break
    hi = float(x0)
    lo = float(x0 - mp.mpf(hi))
    print(f"    /* {name}: zero x0 = {mp.nstr(x0, 25)}, degree {n}, |x - x0| <= {radius} */")
    print(f"    static const double {name.upper()}_X0_HI = {hi!r};")
    print(f"    static const double {name.upper()}_X0_LO = {lo!r};")
    print(f"    static const double {name.upper()}_RADIUS = {RADII[name]};")
    print(f"    static const double {name.upper()}_C[{n}] = {{")
    for k in range(1, n + 1):
        print(f"        {float(coeffs[k])!r},")
    print("    };")


if __name__ == "__main__":
    for name in sys.argv[1:] or SERIES:
        series(name, *SERIES[name])

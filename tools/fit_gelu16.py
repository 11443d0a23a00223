"""Piecewise polynomials behind the AVX-512 float32 exact GELU (_simd16.h).

For u = |x| >= 0, Phi(-u) = e^(-u^2/2) R(u) with R(u) = erfcx(u/sqrt2)/2:
smooth, from R(0) = 1/2 down to ~1/(u sqrt(2 pi)), so that a polynomial
fits it with a relative error where Phi(-u) itself would need a degree
that grows with u. The kernel looks the coefficients up by the interval of
u, each table 32 floats (one vpermt2ps from two registers):

    intervals 0, 1: [0, 1/4), [1/4, 1/2),
    intervals 2..24: [(i - 1)/2, i/2), i.e. [1/2, 12) by halves,
    intervals 25..30: [i - 13, i - 12), i.e. [12, 18) by units, and 31: [18, 20),
    index = min(floor(4u), floor(2u + 1), floor(u + 13), 31)

(quarters first: there R's slope is the steepest against R, and the
roundings of the polynomial's first terms the largest),

and evaluates c0 + t (c1 + t (c2 + ... + t c6)), t = u - centre, c0 as a
float pair (hi + lo): degree 6 for a fitting error of about 2^-28.

gelu' needs D(u) = R(u) - u/sqrt(2 pi) (gelu'(-u) = e^(-u^2/2) D(u)), which
crosses 0 at u0 = 0.75179: its tables have their own centres, u0 (as a
float) for the interval that holds it, and c1 as a pair too, for the
kernel evaluates c1 t exactly (near u0, D is c1 t and little else). Its
error is relative to max(|D|, 2^-10). Past 20,
gelu(-u) b and gelu'(-u) gy are below float32's subnormals even for
b, gy = 3.4e38.

Centres: the midpoints. u - centre is exact (Sterbenz) but in the first
interval below u = 1/16, where the kernel keeps its rounding error as a
second term (Fast2Sum: the centre 1/8 is the larger). A centre of 0 there
(t = u, exact) measured 1.01 ULP instead of 0.75: the larger |t| leaves
larger roundings in the polynomial's first terms.

Method: weighted least squares on 80 Chebyshev nodes per interval with
Lawson's reweighting toward the minimax relative error; the coefficients
are rounded to float one at a time (c0 to a pair), the ones after it
refitted each time. References: mpmath's erfc at 40 digits. The printed
errors are for the rounded coefficients, evaluated exactly, on 2000
points per interval:

    python tools/fit_gelu16.py
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 40
DEGREE = 6
NODES = 80


U0 = 0.7517915246935645   # D's zero (gelu''s at -u0)


def intervals(func="R"):
    """(lower, upper, centre) of each of the 32 intervals"""
    out = []
    for i in range(32):
        if i < 2:
            lo, hi = i / 4, i / 4 + 0.25
        elif i < 25:
            lo, hi = (i - 1) / 2, i / 2
        else:
            lo, hi = i - 13.0, (i - 12.0 if i < 31 else 20.0)
        centre = (lo + hi) / 2
        if func == "D" and lo < U0 < hi:
            centre = float(np.float32(U0))
        out.append((lo, hi, centre))
    return out


def r_exact(u):
    u = mp.mpf(float(u))
    return mp.erfc(u / mp.sqrt(2)) * mp.exp(u * u / 2) / 2


def d_exact(u):
    return r_exact(u) - mp.mpf(float(u)) / mp.sqrt(2 * mp.pi)


FUNCS = {"R": (r_exact, 1), "D": (d_exact, 2)}   # reference, leading coefficients kept as pairs


def weight_floor(func):
    # D crosses 0 at u0: relative error there would ask the impossible;
    # below 2^-10 the bound is absolute (far tighter than the promise's)
    return 2.0 ** -10 if func == "D" else 0.0


def fit_interval(func, lo, hi, centre):
    exact_fn, pairs = FUNCS[func]
    k = np.arange(NODES)
    u = (lo + hi) / 2 - (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / NODES)
    u = np.concatenate([[lo, hi], u])
    exact = [exact_fn(v) for v in u]
    t = u - centre
    ref = np.array([float(v) for v in exact])
    vander = np.vander(t, DEGREE + 1, increasing=True)
    scale = 1 / np.maximum(np.abs(ref), weight_floor(func))
    fixed = []                  # rounded coefficients, as exact mp values
    coefs = []
    for j in range(DEGREE + 1):
        # fit the remaining coefficients to what the fixed ones leave
        rest = np.array([float(e - sum(c * mp.mpf(float(tt)) ** i for i, c in enumerate(fixed)))
                         for e, tt in zip(exact, t)])
        a = vander[:, j:]
        w = np.ones(len(u))
        for _ in range(40):
            sw = np.sqrt(w) * scale
            c, *_ = np.linalg.lstsq(a * sw[:, None], rest * sw, rcond=None)
            err = np.abs((rest - a @ c) * scale)
            w = w * (err / err.max() + 1e-3)
            w /= w.sum()
        if j < pairs:
            h = np.float32(c[0])
            lo32 = np.float32(float(mp.mpf(c[0]) - mp.mpf(float(h))))
            coefs += [h, lo32]
            fixed.append(mp.mpf(float(h)) + mp.mpf(float(lo32)))
        else:
            coefs.append(np.float32(c[0]))
            fixed.append(mp.mpf(float(np.float32(c[0]))))
    return coefs, fixed


def max_error(func, lo, hi, centre, fixed):
    worst = 0.0
    for v in np.linspace(lo, hi, 2000):
        tt = mp.mpf(float(v)) - mp.mpf(centre)
        approx = sum(c * tt ** i for i, c in enumerate(fixed))
        e = FUNCS[func][0](v)
        worst = max(worst, float(abs(approx - e) / max(abs(e), weight_floor(func))))
    return worst


def print_tables(func):
    rows, errs = [], []
    for lo, hi, centre in intervals(func):
        coefs, fixed = fit_interval(func, lo, hi, centre)
        rows.append(coefs)
        errs.append(max_error(func, lo, hi, centre, fixed))
    table = np.array(rows)
    pairs = FUNCS[func][1]
    names = [f"c{j} {part}" for j in range(pairs) for part in ("hi", "lo")]
    names += [f"c{j}" for j in range(pairs, DEGREE + 1)]
    what = {"R": "R(u) = erfcx(u/sqrt2)/2", "D": "D(u) = R(u) - u/sqrt(2 pi)"}[func]
    print(f"/* {what} by interval (tools/fit_gelu16.py): max relative error "
          f"{max(errs):.2e} (2^{np.log2(max(errs)):.1f}) */")
    print(f"static const float FA16_GELU_{func}_CENTRE[32] __attribute__((aligned(64))) = {{")
    print("    " + ", ".join(f"{float(np.float32(c))!r}f" for _, _, c in intervals(func)) + "};")
    print(f"static const float FA16_GELU_{func}[{len(names)}][32] __attribute__((aligned(64))) = {{")
    for j, name in enumerate(names):
        vals = ", ".join(f"{float(v)!r}f" for v in table[:, j])
        print(f"    {{{vals}}},   /* {name} */")
    print("};")


def main():
    for func in ("R", "D"):
        print_tables(func)


if __name__ == "__main__":
    main()

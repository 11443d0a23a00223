"""Fit the double-precision, branch-free erfc of fastact/_erfc64.h (fa_erfc_vec).

erfc(z) for z >= 0 is split, by a = |z|, into six intervals. The kernel
evaluates one Horner chain for every lane, picking each coefficient per lane
with a select, so all intervals share one degree (DEG) and one variable v:

  I0  a in [0, 0.5):      erfc(z) = 1 - z - z P(v),  v = z^2,
                          P(u) = erf(sqrt u)/sqrt u - 1  (odd erf: z < 0 too)
  I1  [0.5, 1.25)         erfc(a) = e^(-a^2) G / a,  v = a - mid  (exact:
  I2  [1.25, 2.0)                                    Sterbenz)
  I3  [2.0, 2.875)
  I4  [2.875, 6.0)        the same with v = 1/a^2 - mid (G is smoother in
  I5  [6.0, 27.5]                                    1/a^2 far out)

with G(a) = a e^(a^2) erfc(a) = a erfcx(a), which stays in [0.31, 0.565]
(-> 1/sqrt(pi) as a -> inf, A&S 7.1.23), so the polynomial's constant term
dominates and its rounding is small next to G. (The interval ends echo
fdlibm's s_erf.c split at 1.25 and 1/0.35; the polynomials are fitted here.)

Method: Chebyshev interpolation of degree DEG at the Chebyshev points of
each interval (near-minimax: within a factor ~1 + (2/pi) ln(DEG+1) of the
best polynomial), in mpmath at 40 digits, converted to the power basis of
v = x - mid, each coefficient rounded to a double; the constant term is
kept as a double-double (hi, lo), and so is the linear one (the kernel
forms c0 + c1 v nearly exactly: that term is up to 0.3 G). The printed error is that of the rounded
polynomial, evaluated exactly (mpmath) on a dense grid: relative error of G
(= relative error of erfc before the kernel's own roundings), and for I0
the error of P scaled as it enters erfc, |z dP| / erfc(z).

    python tools/fit_erfc64.py [--write [HEADER]]

--write replaces the table between the BEGIN/END COEFFS markers of the
header (default: fastact/_erfc64.h) with the freshly printed one.
"""

import sys
from pathlib import Path

import mpmath as mp

HEADER = Path(__file__).resolve().parent.parent / "fastact" / "_erfc64.h"

mp.mp.dps = 40
DEG = 16

SQRT_PI = mp.sqrt(mp.pi)


def G_of_a(a):
    return a * mp.erfc(a) * mp.exp(a * a)


def G_of_y(y):
    return G_of_a(1 / mp.sqrt(y))


def P_of_u(u):
    if u == 0:
        return 2 / SQRT_PI - 1
    s = mp.sqrt(u)
    return mp.erf(s) / s - 1


# (name, f, variable lo, variable hi, a-range lo, a-range hi, kind)
# mid is the double nearest the centre of the variable's range.
INTERVALS = [
    ("I0", P_of_u, 0.0, 0.25, 0.0, 0.5, "u"),
    ("I1", G_of_a, 0.5, 1.25, 0.5, 1.25, "a"),
    ("I2", G_of_a, 1.25, 2.0, 1.25, 2.0, "a"),
    ("I3", G_of_a, 2.0, 2.875, 2.0, 2.875, "a"),
    ("I4", G_of_y, 1 / 36, 1 / 2.875 ** 2, 2.875, 6.0, "y"),
    ("I5", G_of_y, 1 / 27.5 ** 2, 1 / 36, 6.0, 27.5, "y"),
]


def mid_of(lo, hi, kind):
    if kind == "u":
        return 0.0          # P(u) is fitted in u itself (no shift)
    if kind == "a":
        return (lo + hi) / 2  # short binary fraction, a - mid exact
    return float(mp.mpf(lo + hi) / 2)


def cheb_interp_power(f, lo, hi, mid, deg):
    """Coefficients c_k of sum c_k (x - mid)^k interpolating f at the
    deg+1 Chebyshev points (first kind) of [lo, hi], in mpmath."""
    lo, hi, mid = mp.mpf(lo), mp.mpf(hi), mp.mpf(mid)
    n = deg + 1
    c, w = (hi + lo) / 2, (hi - lo) / 2
    th = [mp.pi * (k + mp.mpf(1) / 2) / n for k in range(n)]
    fs = [f(c + w * mp.cos(t)) for t in th]
    cheb = [2 * mp.fsum(fs[k] * mp.cos(j * th[k]) for k in range(n)) / n for j in range(n)]
    cheb[0] /= 2
    # T_j(s) with s = (x - c)/w = (v + (mid - c))/w, expanded in v = x - mid
    # via the recurrence on polynomials (lists of coefficients in v).
    alpha, beta = 1 / w, (mid - c) / w          # s = alpha v + beta
    T_prev, T_cur = [mp.mpf(1)], [beta, alpha]
    out = [mp.mpf(0)] * n
    out[0] += cheb[0]
    for j in range(1, n):
        for k, t in enumerate(T_cur):
            out[k] += cheb[j] * t
        # T_{j+1} = 2 s T_j - T_{j-1}
        nxt = [mp.mpf(0)] * (len(T_cur) + 1)
        for k, t in enumerate(T_cur):
            nxt[k] += 2 * beta * t
            nxt[k + 1] += 2 * alpha * t
        for k, t in enumerate(T_prev):
            nxt[k] -= t
        T_prev, T_cur = T_cur, nxt
    return out


def round_coeffs(coef):
    """c0 and c1 as (hi, lo) double pairs, the rest rounded to double."""
    c0h = float(coef[0])
    c0l = float(coef[0] - mp.mpf(c0h))
    c1h = float(coef[1])
    c1l = float(coef[1] - mp.mpf(c1h))
    return c0h, c0l, c1l, [float(c) for c in coef[1:]]


def poly_exact(c0h, c0l, c1l, rest, v):
    v = mp.mpf(v)
    p = mp.mpf(0)
    for c in reversed(rest):
        p = p * v + mp.mpf(c)
    return mp.mpf(c0h) + mp.mpf(c0l) + v * p + mp.mpf(c1l) * v


def fit_all(deg=DEG, n_check=600):
    rows = []
    for name, f, lo, hi, alo, ahi, kind in INTERVALS:
        mid = mid_of(lo, hi, kind)
        coef = cheb_interp_power(f, lo, hi, mid, deg)
        c0h, c0l, c1l, rest = round_coeffs(coef)
        # measured error of the rounded polynomial on a grid in a
        worst, where = 0.0, None
        for i in range(n_check + 1):
            a = mp.mpf(alo) + (mp.mpf(ahi) - alo) * i / n_check
            if kind == "u":
                x = a * a
            elif kind == "a":
                x = a
            else:
                a = max(a, mp.mpf(alo) + mp.mpf(10) ** -30)
                x = 1 / (a * a)
            approx = poly_exact(c0h, c0l, c1l, rest, x - mid)
            if kind == "u":
                e = abs(a * (approx - f(x))) / mp.erfc(a) if a > 0 else 0
            else:
                e = abs(approx / f(x) - 1)
            if e > worst:
                worst, where = float(e), float(a)
        rows.append(dict(name=name, kind=kind, mid=mid, alo=alo, ahi=ahi,
                         c0h=c0h, c0l=c0l, c1l=c1l, rest=rest, err=worst, where=where))
    return rows


def c_table(rows, deg=DEG):
    out = []
    out.append("/* BEGIN COEFFS: generated by tools/fit_erfc64.py (Chebyshev interpolation,")
    out.append("   degree %d, mpmath 40 digits); rows I0..I5, see tools/fit_erfc64.py. */" % deg)
    out.append("#define FA_ERFC64_DEG %d" % deg)
    out.append("FA_ERFC64_TABLE double FA_ERFC64_MID[6] = {%s};" % ", ".join(repr(r["mid"]) for r in rows))
    out.append("FA_ERFC64_TABLE double FA_ERFC64_C0H[6] = {%s};" % ", ".join(repr(r["c0h"]) for r in rows))
    out.append("FA_ERFC64_TABLE double FA_ERFC64_C0L[6] = {%s};" % ", ".join(repr(r["c0l"]) for r in rows))
    out.append("FA_ERFC64_TABLE double FA_ERFC64_C1L[6] = {%s};" % ", ".join(repr(r["c1l"]) for r in rows))
    out.append("/* FA_ERFC64_C[i][k-1]: coefficient of v^k in interval i */")
    out.append("FA_ERFC64_TABLE double FA_ERFC64_C[6][%d] = {" % deg)
    for r in rows:
        out.append("    { /* %s: a in [%g, %g), max rel. error %.2e (2^%.1f) */" % (
            r["name"], r["alo"], r["ahi"], r["err"], mp.log(r["err"], 2) if r["err"] > 0 else -999))
        for c in r["rest"]:
            out.append("        %r," % c)
        out.append("    },")
    out.append("};")
    out.append("/* END COEFFS */")
    return "\n".join(out)


def main():
    rows = fit_all()
    for r in rows:
        print("# %s a in [%g, %g): max error %.3e (2^%.2f) at a = %.6g" % (
            r["name"], r["alo"], r["ahi"], r["err"], float(mp.log(r["err"], 2)), r["where"]))
    table = c_table(rows)
    print(table)
    if "--write" in sys.argv:
        i = sys.argv.index("--write")
        path = sys.argv[i + 1] if i + 1 < len(sys.argv) else HEADER
        src = open(path).read()
        b = src.index("/* BEGIN COEFFS")
        e = src.index("/* END COEFFS */") + len("/* END COEFFS */")
        open(path, "w").write(src[:b] + table + src[e:])
        print("# wrote", path)


if __name__ == "__main__":
    main()

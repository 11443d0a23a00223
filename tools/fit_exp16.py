"""Constants of the table-driven float exp in fastact/_simd16.h.

Tang's method (P. T. P. Tang, "Table-driven implementation of the
exponential function in IEEE floating-point arithmetic", ACM TOMS 15(2),
1989): e^x = 2^(k/16) e^r with k = round(16 x / ln 2) and |r| <= ln2/32.
2^(j/16), j = k mod 16, comes from a 16-entry table held as two floats
(hi + lo), and
e^r - 1 from a degree-3 polynomial r + c2 r^2 + c3 r^3, fitted here for the
least maximum relative error of e^r (Lawson's iteration on 400 Chebyshev
nodes, coefficients rounded to float32 and the error measured after that).
ln 2 / 16 is split Cody-Waite style: its high part has 11 significant bits,
so k times it is exact for |k| < 2^13 (|x| <= 354).

    python tools/fit_exp16.py
"""

import mpmath as mp
import numpy as np

mp.mp.prec = 100


def table():
    hi, lo = [], []
    for j in range(16):
        v = mp.power(2, mp.mpf(j) / 16)
        h = np.float32(float(v))
        hi.append(h)
        lo.append(np.float32(float(v - mp.mpf(float(h)))))
    return hi, lo


def poly():
    R = mp.log(2) / 32
    nodes = [R * mp.cos(mp.pi * (k + 0.5) / 400) for k in range(400)]
    A = np.array([[float(r ** 2), float(r ** 3)] for r in nodes])
    b = np.array([float(mp.exp(r) - 1 - r) for r in nodes])
    w = np.ones(len(nodes))
    for _ in range(200):
        W = np.sqrt(w)
        c, *_ = np.linalg.lstsq(A * W[:, None], b * W, rcond=None)
        err = np.array([float((mp.exp(r) - 1 - r - r ** 2 * (c[0] + c[1] * r)) / mp.exp(r))
                        for r in nodes])
        w *= np.abs(err) / np.abs(err).max() + 1e-12
        w /= w.sum()
    c2, c3 = np.float32(c[0]), np.float32(c[1])
    worst = max(abs((mp.exp(r) - 1 - r - r ** 2 * (mp.mpf(float(c2)) + mp.mpf(float(c3)) * r))
                    / mp.exp(r)) for r in mp.linspace(-R, R, 4001))
    return c2, c3, float(worst)


def main():
    ln2_16 = mp.log(2) / 16
    hi_c = mp.mpf(int(mp.nint(ln2_16 * 2 ** 15))) / 2 ** 15       # 11 bits
    print(f"16/ln2      = {np.float32(float(1 / ln2_16))!r}")
    print(f"ln2/16 hi   = {float(hi_c)!r} (exact in float32)")
    print(f"ln2/16 lo   = {np.float32(float(ln2_16 - hi_c))!r}")
    c2, c3, worst = poly()
    print(f"c2, c3      = {c2!r}, {c3!r}; max relative error of e^r {worst:.3g}")
    hi, lo = table()
    print("2^(j/16) hi:", ", ".join(f"{v:.9e}f" for v in hi))
    print("2^(j/16) lo:", ", ".join(f"{v:.9e}f" for v in lo))


if __name__ == "__main__":
    main()

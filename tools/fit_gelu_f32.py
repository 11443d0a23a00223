"""Fit the rational function behind the float32 exact GELU kernels.

For u >= 0, Phi(-u) = e^(-u^2/2) R(u) with R(u) = erfcx(u/sqrt2)/2, smooth,
from R(0) = 1/2 down to ~1/(u sqrt(2 pi)). The kernels (fa_gelu_f32acc and
fa_gelu_d_f32acc in fastact/_math.pxd) evaluate R = P(u)/Q(u), P of degree
5 and Q of degree 6 in u, in double by Horner's rule (all coefficients come
out positive, so Horner does not cancel). With float32 x, u^2/2 is exact in
double, so the only errors are those of R, of the exponential and of a few
roundings of double arithmetic -- all far below float32's half ULP.

Method: Sanathanan-Koerner iteration (linearised least squares for
P - R Q, reweighted by the last Q) in a Chebyshev basis on [0, U], then
Lawson's reweighting toward the minimax relative error; the reference
values are mpmath's erfc at 40 digits. The printed error is measured for
the power-basis coefficients as the kernel evaluates them, on a dense grid
against mpmath:

    python tools/fit_gelu_f32.py
"""

import mpmath as mp
import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import polynomial as P

mp.mp.dps = 40
U = 24.0          # past it gelu(-u) b, gelu'(-u) gy and gelu'(-u) gy b (geglu's ga, gy b up to 1.2e77) are below float32's subnormals
DEG_P, DEG_Q = 5, 6


def r_exact(u):
    return np.array([float(mp.erfc(mp.mpf(v) / mp.sqrt(2)) * mp.exp(mp.mpf(v) ** 2 / 2) / 2)
                     for v in u])


def fit(nodes=3000, iterations=60):
    k = np.arange(nodes)
    u = U / 2 * (1 - np.cos(np.pi * (k + 0.5) / nodes))
    x = 2 * u / U - 1
    r = r_exact(u)
    vp, vq = C.chebvander(x, DEG_P), C.chebvander(x, DEG_Q)
    q_last, weight = np.ones_like(u), np.ones_like(u)
    best = None
    for it in range(iterations):
        scale = weight / (r * q_last)
        a = np.hstack([vp, -r[:, None] * vq[:, 1:]]) * scale[:, None]
        c, *_ = np.linalg.lstsq(a, r * vq[:, 0] * scale, rcond=None)
        pc, qc = c[:DEG_P + 1], np.concatenate([[1.0], c[DEG_P + 1:]])
        q_last = C.chebval(x, qc)
        err = C.chebval(x, pc) / q_last / r - 1
        if best is None or np.abs(err).max() < best[0]:
            best = (np.abs(err).max(), pc, qc)
        if it >= 10:                                    # Lawson, once SK settles
            weight = weight * np.abs(err) ** 0.3
            weight /= weight.max()
    return best[1], best[2]


def to_power_basis_in_u(cheb):
    """Chebyshev coefficients in x = 2u/U - 1 -> power-basis coefficients in u."""
    out = np.zeros(1)
    for c in C.cheb2poly(cheb)[::-1]:
        out = P.polyadd(P.polymul(out, [-1.0, 2 / U]), [c])
    return out


def main():
    pc, qc = fit()
    p, q = to_power_basis_in_u(pc), to_power_basis_in_u(qc)
    p, q = p / q[0], q / q[0]
    u = np.linspace(0, U, 4001)
    approx = P.polyval(u, p) / P.polyval(u, q)
    err = np.abs(approx / r_exact(u) - 1).max()
    print(f"/* R(u) = P(u)/Q(u) on [0, {U}] (tools/fit_gelu_f32.py): max relative error {err:.2e} */")
    for name, coefs in (("GELU_F32_P", p), ("GELU_F32_Q", q)):
        print(f"static const double {name}[{len(coefs)}] = {{   /* u^0 .. u^{len(coefs) - 1} */")
        for c in coefs:
            print(f"    {float(c)!r},")
        print("};")


if __name__ == "__main__":
    main()

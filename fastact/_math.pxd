# Scalar math of every element-wise activation, in double precision.
#
# For each kernel K of _table.py:
#   fa_K(x, params...)             the function
#   fa_K_vjp(gy, x, params...)     gy * K'(x), the vector-Jacobian product
#   fa_K_vjp_y(gy, y, params...)   the same from the output y (grad_from_y rows)
# float32 loops call these and round once, so a float32 result is within
# 0.5 ULP (+ a double rounding) of the exact value. Floating-point flags the
# math raises (exp overflow and the like) are discarded by the loops, so
# the formulas may overflow where the limit is right (1/(1+inf) = 0).

from fastact._vmath cimport (fa_erfc64_dd, fa_exp, fa_exp_clamped, fa_exp_f32acc, fa_exp_pair, fa_exp_normal_f32acc, fa_expm1, fa_expm1_neg, fa_expm1_neg_f32acc, fa_log1p_unit,
                             fa_log1p_unit_f32acc,
                             fa_tanh as fa_vtanh)
from fastact._vmathf cimport (fa_clamp_magnitude_f, fa_expf, fa_expf_neg_split, fa_log1pf_unit, fa_expm1_reduced_f, fa_exp_reduce_unclamped_f,
                              fa_pow2f, fa_tanhf)
from fastact._common cimport fa_bitsf, fa_from_bitsf
from libc.math cimport copysignf, expl, fabs, fabsf, fma, fmaf, INFINITY

# Constants as (hi, lo) pairs, hi + lo correct to ~106 bits (mpmath), as C
# constants (an assignment in a .pxd would not run).
cdef extern from *:
    """
    static const double INV_SQRT2_HI = 0.7071067811865476;
    static const double INV_SQRT2_LO = -4.833646656726457e-17;
    static const double TWO_OVER_SQRTPI = 1.1283791670955126;
    static const double INV_SQRT_2PI = 0.3989422804014327;
    static const double INV_SQRT_2PI_LO = -2.49232720227773e-17;
    static const double GELU_C_HI = 0.044715;  /* PyTorch's kappa, 0.044715 exactly */
    static const double GELU_C_LO = 2.1960211427085595e-18;
    static const double GELU_K2_HI = 1.5957691216057308;  /* 2 sqrt(2/pi) */
    static const double GELU_K2_LO = -9.96930880911092e-17;
    /* fdlibm's split of ln 2: LN2_HI has 32 significant bits, so
       k * LN2_HI is exact for |k| < 2^20. */
    static const double LN2_HI = 6.93147180369123816490e-01;
    static const double LN2_LO = 1.90821492927058770002e-10;
    /* 2^-128: undoing the 2^128 scaling of the tails by one multiplication,
       which rounds exactly as ldexp would (and vectorises). */
    static const double TWO_M128 = 2.938735877055718770e-39;
    /* K = e^(128 (ln 2 - LN2_HI)) - 1 (mpmath): e^(-128 LN2_HI) =
       (1 + K) 2^-128 undoes the far tails' shift x + 128 LN2_HI */
    static const double E_128_K = 2.442515139295753e-08;
    /* Taylor series of the derivatives around their interior zeros, from
       tools/derivative_zero_series.py (mpmath). */
    /* gelu_d: zero x0 = -0.7517915246935644574579049, degree 28, |x - x0| <= 0.75 */
    static const double GELU_D_X0_HI = -0.7517915246935645;
    static const double GELU_D_X0_LO = 1.4956759177009883e-17;
    static const double GELU_D_RADIUS = 0.75;
    static const double GELU_D_C[28] = {
        0.4314939923140469,
        0.388284982990552,
        -0.018199676398671087,
        -0.1140082332972217,
        -0.014771522148244337,
        0.019421679838189067,
        0.004539228379125415,
        -0.002239538068073497,
        -0.0007448268386746817,
        0.00018633974623233514,
        8.615947861116571e-05,
        -1.121438018842664e-05,
        -7.74846130700372e-06,
        4.3284506257392273e-07,
        5.702764979242107e-07,
        -1.6044265494246427e-09,
        -3.5459866461783865e-08,
        -1.396942086426202e-09,
        1.90319840501314e-09,
        1.4506418938779426e-10,
        -8.950037692726255e-11,
        -9.950340824808053e-12,
        3.725967039270119e-12,
        5.482292964742324e-13,
        -1.3820118240601056e-13,
        -2.5871508475507507e-14,
        4.578167824271334e-15,
        1.0789662518230159e-15,
    };
    /* gelu_tanh_d: zero x0 = -0.7524614220710162584879544, degree 35, |x - x0| <= 0.75 */
    static const double GELU_TANH_D_X0_HI = -0.7524614220710163;
    static const double GELU_TANH_D_X0_LO = 3.635560509207687e-17;
    static const double GELU_TANH_D_RADIUS = 0.75;
    static const double GELU_TANH_D_C[35] = {
        0.4304000910248585,
        0.38751844613578895,
        -0.01578285352184803,
        -0.11394448308095899,
        -0.01661932834305256,
        0.019682309459833118,
        0.005261059254921912,
        -0.0024227318458750974,
        -0.0009274420230205449,
        0.00026392764052681053,
        0.00012425227802639782,
        -3.4956171694436116e-05,
        -1.5950896871645105e-05,
        5.918611710894005e-06,
        2.4335516344299543e-06,
        -9.898647747433667e-07,
        -4.3102482988029016e-07,
        1.4157556987729473e-07,
        7.520740909289922e-08,
        -1.6978217459781023e-08,
        -1.196180847972441e-08,
        1.7637802707907564e-09,
        1.744987137846621e-09,
        -1.708811216951738e-10,
        -2.433873557833449e-10,
        1.687283177355558e-11,
        3.393384490409003e-11,
        -1.6704708256434772e-12,
        -4.827778412316251e-12,
        1.2486727012407477e-13,
        6.939761437601454e-13,
        3.5144509347290215e-15,
        -9.865467716880927e-14,
        -4.0424099628443715e-15,
        1.3689635953428314e-14,
    };
    /* Phi(-u) = e^(-u^2/2) P(u)/Q(u) for u >= 0 (float32 exact GELU):
       R(u) = P(u)/Q(u) on [0, 24.0] (tools/fit_gelu_f32.py): max relative error 1.24e-09 */
    static const double GELU_F32_P[6] = {   /* u^0 .. u^5 */
        0.4999999994824934,
        0.5384092296910189,
        0.27920300992935637,
        0.08386790203720669,
        0.014596660910567879,
        0.0012177092116873707,
    };
    static const double GELU_F32_Q[7] = {   /* u^0 .. u^6 */
        1.0,
        1.8747029311880394,
        1.5542036512375552,
        0.7364155426505656,
        0.21327925119058033,
        0.036588374191610484,
        0.0030523446236046794,
    };
    #define GELU_D_N (sizeof(GELU_D_C) / sizeof(double))
    #define GELU_TANH_D_N (sizeof(GELU_TANH_D_C) / sizeof(double))
    """
    const double INV_SQRT2_HI, INV_SQRT2_LO, TWO_OVER_SQRTPI, INV_SQRT_2PI, INV_SQRT_2PI_LO
    const double GELU_C_HI, GELU_C_LO, GELU_K2_HI, GELU_K2_LO
    const double LN2_HI, LN2_LO, TWO_M128, E_128_K
    const double GELU_D_X0_HI, GELU_D_X0_LO, GELU_TANH_D_X0_HI, GELU_TANH_D_X0_LO
    const double GELU_D_C[]
    const double GELU_TANH_D_C[]
    const int GELU_D_N, GELU_TANH_D_N
    const double GELU_F32_P[6]
    const double GELU_F32_Q[7]
    const double GELU_D_RADIUS, GELU_TANH_D_RADIUS


cdef extern from *:
    """
    /* Horner's rule in FMA over a coefficient table: sum c[k] d^k, k < n.
       Unrolled completely where it is inlined (n is a constant there): once
       its steps were FMAs GCC no longer peeled the loop itself, and a loop
       left inside an element loop stops that loop's vectorisation. */
    #if defined(__GNUC__)
    __attribute__((always_inline))
    #endif
    static inline double fa_horner_fma(const double* c, int n, double d) {
        double p = c[n - 1];
        int k;
    #if defined(__GNUC__)
        _Pragma("GCC unroll 64")
    #endif
        for (k = n - 2; k >= 0; k--) p = fma(p, d, c[k]);
        return p;
    }
    """
    double fa_horner_fma(const double* c, int n, double d) noexcept nogil


cdef inline double fa_series_at_zero(double x, double x0_hi, double x0_lo,
                                     const double* c, int n) noexcept nogil:
    # sum_{k=1..n} c[k-1] d^k with d = x - x0: near an interior zero of a
    # derivative the textbook formula cancels (its error is ~ulp(0.5), not
    # ulp of the result). x - x0_hi is exact (Sterbenz) for x in [2 x0, x0/2]
    # and within half an ulp of 0.5 on the rest of the range, where d > 0.37.
    # Horner in FMA: the build does not contract a * b + c (-ffp-contract=off),
    # and these 17-35 terms, computed for every element (a select), were
    # half the work of silu' and gelu' as separate products and sums.
    cdef double d = (x - x0_hi) - x0_lo
    return fa_horner_fma(c, n, d) * d


# ---- carrying a rounding error ------------------------------------------
# A value v + vl with |vl| <= ulp(v) carries what one rounding lost; dividing
# two such values once (fa_div_dd) rounds the result about once, where the
# plain formula rounds at every step.

cdef inline double fa_div_dd(double p, double pl, double d, double dl) noexcept nogil:
    # (p + pl) / (d + dl) for corrections |pl| << |p|, |dl| << |d|, rounded
    # about once, for 1 <= d < 2^900 (1 + e, (1 + e)^2, mish's n + 2):
    #   (p + pl) / (d + dl) = q + (p - q d + pl - q dl) / (d + dl)
    # with q = p r, r = 1/d: q is within ~2 ULP of p/d, so p - q d (FMA) is
    # exact or within 2^-104 |p| of it, and the correction, ~2 ULP of q,
    # needs only r (its error is 2^-53 of 2 ULP). One division, not two
    # (q = p/d, then the correction / d): a vdivpd costs ~10 cycles per 8
    # doubles here, as much as 20 FMAs.
    cdef double r = 1.0 / d
    cdef double q = p * r
    return q + ((fma(-q, d, p) + pl) - q * dl) * r

cdef inline double fa_one_plus(double e, double el, double* dl) noexcept nogil:
    # 1 + (e + el) = d + dl exactly (Fast2Sum: 1 >= e); returns d
    cdef double d = 1.0 + e
    dl[0] = (e - (d - 1.0)) + el
    return d

cdef inline double fa_square_dd(double d, double dl, double* ddl) noexcept nogil:
    # (d + dl)^2 = dd + ddl to ~2^-100 (d^2 exact by FMA); returns dd
    cdef double dd = d * d
    ddl[0] = fma(d, d, -dd) + 2.0 * d * dl
    return dd


cdef inline double fa_exp_tail(double s, double sl, bint far, double* k) noexcept nogil:
    # e^(s + sl) = E (1 + k), |sl| tiny; where far (the caller's s < -700:
    # e^s is subnormal, or nearly, while the caller's result -- silu, swish,
    # softplus, mish and their derivatives in the far negative tail -- is
    # still normal) E (1 + k) = e^(s + sl) 2^128 instead, and the caller
    # scales its result back by TWO_M128. s + 128 LN2_HI is exact (both on
    # the 2^-43 grid); the rest, a = sl + 128 LN2_LO ~ 2.4e-8, enters as
    # e^a = 1 + k, k = a + a^2/2 (a^2/2 ~ 3e-16 is not negligible).
    cdef double a = sl + 128.0 * LN2_LO if far else sl
    k[0] = a * (1.0 + 0.5 * a)
    return fa_exp(s + 128.0 * LN2_HI if far else s)


cdef inline double fa_undo_far_shift(double v) noexcept nogil:
    # v e^(-128 LN2_HI) = v (1 + K) 2^-128: undoes the shift x + 128 LN2_HI
    # of the beta = 1 forward kernels' far tails (fa_silu, fa_softplus_b1).
    # One rounding (the FMA; 2^-128 is exact unless the
    # result is subnormal), where multiplying by a rounded e^(-128 LN2_HI)
    # would round twice.
    return fma(v, E_128_K, v) * TWO_M128


# The gated units' far tails: a sigmoid(b), silu(a) b and their gradients
# where the gate (e^b, a e^a below -700) is subnormal or 0 but its product
# with the other half, up to 1.8e308, is still normal. The vectorised loops
# compute the plain kernels and count such elements; only where there are
# any, a scalar pass redoes them by the *_far kernels below (a select in the
# kernels themselves made glu 29% slower). The product v e^t is formed in
# long double (64-bit significand, e^t normal down to t = -11355) and
# rounded once more to double: accurate wherever the result is normal,
# whatever the other factor (up to 1.8e308). (A shift of the exponent by
# 1000 LN2_HI in double, until 6b43b37, left e^(t + 693) subnormal below
# t = -1401: 22 ULP for swiglu' at -1405 with gy = 1e300, 6e6 ULP for glu'
# at -1417 with gy = 1.7e308.)

cdef inline double fa_gate_far(double v, double t, double scale) noexcept nogil:
    # v e^t scale for t < -700 (where e^t as a double is subnormal or 0).
    # scale is a power of two the caller took out of v so that v cannot
    # overflow; it comes back exactly in long double.
    return <double>((<long double>v * expl(<long double>t)) * scale)


# ---- relu ---------------------------------------------------------------

cdef inline double fa_relu(double x) noexcept nogil:
    # "not (x <= 0)" lets NaN through and maps -0.0 to +0.0.
    return x if not (x <= 0.0) else 0.0

cdef inline double fa_relu_vjp(double gy, double x) noexcept nogil:
    # PyTorch's choice at the kink: relu'(0) = 0. NaN input gives NaN.
    if x > 0.0:
        return gy
    return x if x != x else 0.0

cdef inline double fa_relu_vjp_y(double gy, double y) noexcept nogil:
    return fa_relu_vjp(gy, y)     # y > 0 exactly where x > 0


# ---- sigmoid ------------------------------------------------------------

cdef inline double fa_sigmoid(double x) noexcept nogil:
    # fa_exp(-x) overflows to inf for x < -709 and 1/(1+inf) = 0, the limit.
    return 1.0 / (1.0 + fa_exp(-x))

cdef inline float fa_sigmoid_f32(float x) noexcept nogil:
    # Native float32, reflected: e = exp(-|x|) <= 1 (0.86 ULP), sigma =
    # 1/(1+e) or e/(1+e). With e <= 1 the rounding of 1 + e stays in [1, 2)
    # and costs at most 1 ULP of the result, so the total stays below 2 ULP
    # (1/(1 + exp(-x)) could exceed it just left of 0).
    cdef float e = fa_expf(-fabsf(x))
    cdef float num = 1.0 if x >= 0.0 else e
    return num / (<float>1.0 + e)

cdef inline double fa_sigmoid_vjp(double gy, double x) noexcept nogil:
    # sigma' = e / (1 + e)^2 with e = fa_exp(-|x|): symmetric, no cancellation,
    # so the tails (sigma'(80) = 1.8e-35) keep full precision where
    # sigma * (1 - sigma) gives 0. (1 + e)^2 carried exactly, one division.
    cdef double e = fa_exp(-fabs(x))
    cdef double dl, ddl
    cdef double d = fa_one_plus(e, 0.0, &dl)
    cdef double dd = fa_square_dd(d, dl, &ddl)
    return gy * fa_div_dd(e, 0.0, dd, ddl)

cdef inline double fa_sigmoid_vjp_y(double gy, double y) noexcept nogil:
    return gy * (y * (1.0 - y))


# ---- tanh ---------------------------------------------------------------

cdef inline double fa_tanh(double x) noexcept nogil:
    return fa_vtanh(x)

cdef inline float fa_tanh_f32(float x) noexcept nogil:
    return fa_tanhf(x)

cdef inline double fa_tanh_vjp(double gy, double x) noexcept nogil:
    # tanh' = sech^2 = 4e / (1 + e)^2 with e = fa_exp(-2|x|): no cancellation,
    # unlike 1 - tanh^2. Past |x| = 350, e would be subnormal while the
    # result is still normal, so use e1 = fa_exp(-|x|): sech = 2e1 / (1 + e1^2).
    cdef double a = fabs(x), e, d, s, dl, dd, ddl
    if a < 350.0:
        e = fa_exp(-2.0 * a)
        d = fa_one_plus(e, 0.0, &dl)
        dd = fa_square_dd(d, dl, &ddl)
        return gy * fa_div_dd(4.0 * e, 0.0, dd, ddl)
    # (gy s) s, not gy (s s): sech^2 is subnormal from |x| = 354 (and 0 past
    # 373) where gy sech^2 can still be normal (gy = 1e300 at |x| = 373.3
    # gave 0 for 1e-23); s itself is normal wherever that product can be
    e = fa_exp(-a)
    s = 2.0 * e
    return (gy * s) * s

cdef inline double fa_tanh_vjp_y(double gy, double y) noexcept nogil:
    return gy * (1.0 - y * y)


# ---- gelu (exact) ---------------------------------------------------------

cdef inline double fa_gelu_cdf(double x, bint tail) noexcept nogil:
    # Phi(x) = erfc(z)/2 with z = -x/sqrt(2), times 2^128 where tail (x < -36:
    # erfc nears the subnormal range while gelu and gelu' are still normal;
    # the caller scales back by TWO_M128). The relative error of erfc(z)
    # grows like 2 z^2 times that of z (z = 26 turns 1 ULP into 1300), so z
    # is carried as hi + lo (an FMA gives the exact rounding error of the
    # product) and fa_erfc64_dd adds the first-order term
    # erfc(hi + lo) = erfc(hi) - lo * 2/sqrt(pi) * e^(-hi^2).
    cdef double zh = -x * INV_SQRT2_HI
    cdef double zl = fma(-x, INV_SQRT2_HI, -zh) + (-x) * INV_SQRT2_LO
    return 0.5 * fa_erfc64_dd(zh, zl, 128 if tail else 0)

cdef inline double fa_gelu(double x) noexcept nogil:
    # x * Phi(x) = x/2 * erfc(-x/sqrt(2)). erfc, not 1 + erf: 1 + erf(x/sqrt2)
    # cancels to 0 for x < -6 in float32 (PyTorch's gelu returns 0 there).
    # Below -36 computed scaled by 2^128 (fa_gelu_cdf). Selects, no
    # branches, so the loop vectorises.
    cdef bint tail = x < -36.0
    cdef double y = (x * fa_gelu_cdf(x, tail)) * (TWO_M128 if tail else 1.0)
    # gelu(-39) = -1.4e-331 rounds to -0 (and erfc clamps its z at 27.5)
    y = -0.0 if x < -39.0 else y
    return x if x == INFINITY else y

cdef inline double fa_gelu_d(double x) noexcept nogil:
    # gelu' = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) with
    # x^2 = h + l exact (FMA), e^(-(h + l)/2) = e (1 + k) (fa_exp_tail).
    # Below -36 the loops redo gy gelu' in long double (_kernels.pyx.tp,
    # VJP_TAILS; geglu's by its far kernels), so no 2^128 scaling here as in
    # fa_gelu: the tail's selects cost 14 of 445 instructions per 8 doubles.
    # An infinite gy is not redone: inf where gelu' is still subnormal, NaN
    # where it has rounded to 0 (x < -38.6).
    # Near its zero at -0.7518: a Taylor series (see fa_series_at_zero).
    # Elsewhere the two terms still cancel up to 2:1 (x = -1.6), so x phi(x)
    # is carried as p * INV_SQRT_2PI + corr (x e^(-h/2) = p + pl exact, the
    # constant in hi + lo) and added to Phi inside one FMA: 4.3 ULP -> 2.
    # Every candidate is computed, then selected: the loop vectorises.
    cdef bint tail = False
    cdef double h = x * x
    cdef double l = fma(x, x, -h)
    cdef double k, e, p, g, series
    e = fa_exp_tail(-0.5 * h, -0.5 * l, tail, &k)
    p = x * e
    g = fma(p, INV_SQRT_2PI, fa_gelu_cdf(x, tail) + (
        fma(x, e, -p) * INV_SQRT_2PI + p * (INV_SQRT_2PI_LO + k * INV_SQRT_2PI)))
    g = g * (TWO_M128 if tail else 1.0)
    series = fa_series_at_zero(x, GELU_D_X0_HI, GELU_D_X0_LO, GELU_D_C, GELU_D_N)
    g = series if fabs(x - GELU_D_X0_HI) <= GELU_D_RADIUS else g
    g = 1.0 if x > 40.0 else g            # (inf and huge x make NaN above)
    return -0.0 if x < -40.0 else g       # gelu' < 0 there (the redo's sign)

cdef inline double fa_gelu_vjp(double gy, double x) noexcept nogil:
    return gy * fa_gelu_d(x)


cdef inline double fa_gelu_cdf_f32acc(double xd, double* e) noexcept nogil:
    # Phi(x) to float32 accuracy (~1e-9 relative) for a float32 x widened to
    # double, from Phi(-u), u = |x|: Phi(x) = Phi(-u) for x < 0 and
    # 1 - Phi(-u) above (no cancellation: Phi(-u) <= 1/2 there).
    # Phi(-u) = e^(-u^2/2) R(u), R = P/Q a rational
    # function (tools/fit_gelu_f32.py, 1.2e-9 on [0, 24]; past 24 even
    # gelu' times grad_output times b, geglu's ga with gy b up to 1.2e77,
    # is below float32's subnormals, and R's argument is clamped; at 20, as
    # before, that ga was 1.6e-4 off at a = -21.5 with gy = b = 3e38).
    # u^2/2 is exact in double (x has 24 bits), so e^(-u^2/2) -- returned in
    # e -- carries only the exponential's own error: no double-double care,
    # one division, straight-line code that vectorises. (NaN: e is not NaN,
    # the callers' products with x are.)
    cdef double u = fabs(xd)
    cdef double uc = u if u < 24.0 else 24.0
    e[0] = fa_exp_normal_f32acc(-0.5 * (xd * xd))
    cdef double w = e[0] * (fa_horner_fma(GELU_F32_P, 6, uc) / fa_horner_fma(GELU_F32_Q, 7, uc))
    return w if xd < 0.0 else 1.0 - w

cdef inline double fa_gelu_f32acc(double xd) noexcept nogil:
    # x Phi(x); -0 below -38.5801415, where the
    # float64 kernel's result underflows to -0 (here e is still e^-708 down
    # to -38.6, and geglu's product with an infinite b must be NaN in both);
    # gelu(-inf) = -0 (not -inf * 0).
    cdef double e
    cdef double y = xd * fa_gelu_cdf_f32acc(xd, &e)
    return y if not (xd < -38.5801415) else -0.0  # NaN passes

cdef inline float fa_gelu_f32(float x) noexcept nogil:
    # float32 result computed in double, one rounding at the end
    return <float>fa_gelu_f32acc(x)

cdef inline double fa_gelu_d_f32acc(double xd) noexcept nogil:
    # gelu' = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi). For x < 0
    # both terms carry the same factor e, so gelu' = e (R(u) + x/sqrt(2 pi))
    # up to roundings: the exponential's error (6e-9) stays relative even at
    # the zero (-0.7518), where the terms cancel, and what is left there is
    # R's error times Phi (~2e-10 absolute: within 0.1 float ULP of 1/64,
    # the bound near a zero; relative to the result it grows at the float
    # nearest the zero, as any absolute error must): no series, unlike the
    # double kernel. 1 at +inf, 0 below -40; NaN passes through.
    cdef double e
    cdef double d = fa_gelu_cdf_f32acc(xd, &e) + xd * (e * INV_SQRT_2PI)
    d = d if fabs(xd) < INFINITY else 1.0
    d = d if not (xd < -40.0) else -0.0     # -0 below -40 (gelu' < 0 there), as the float64 kernel
    return d if xd == xd else xd

cdef inline float fa_gelu_vjp_f32(float gy, float x) noexcept nogil:
    return <float>(gy * fa_gelu_d_f32acc(x))


# ---- gelu (tanh approximation) --------------------------------------------

cdef inline double fa_two_sum_lo(double a, double b, double s) noexcept nogil:
    # the rounding error of s = a + b (Knuth's two-sum), exact
    cdef double bv = s - a
    return (a - (s - bv)) + (b - bv)

cdef inline void fa_gelu_tanh_arg(double x, double* t, double* tl,
                                  double* xdt) noexcept nogil:
    # t + tl = 2 sqrt(2/pi) (x + 0.044715 x^3) in double-double: sigma(t)
    # has relative error |t| times that of t, and |t| reaches 700 before the
    # result underflows, so a plain double t would cost hundreds of ULP.
    # Also xdt = x t'(x) = 2 sqrt(2/pi) (x + 3 * 0.044715 x^3), for the
    # derivative, to about one rounding.
    cdef double h = x * x
    cdef double l = fma(x, x, -h)
    cdef double h3 = h * x
    cdef double l3 = fma(h, x, -h3) + l * x               # x^3 = h3 + l3
    cdef double p = GELU_C_HI * h3                        # c x^3 = p + pl
    cdef double pl = fma(GELU_C_HI, h3, -p) + GELU_C_HI * l3 + GELU_C_LO * h3
    cdef double s = x + p
    cdef double sl = fa_two_sum_lo(x, p, s) + pl
    cdef double w = x + 3.0 * p                           # 3p is exact or
    cdef double wl = fa_two_sum_lo(x, 3.0 * p, w) + 3.0 * pl  # nearly so
    t[0] = GELU_K2_HI * s
    tl[0] = fma(GELU_K2_HI, s, -t[0]) + GELU_K2_HI * sl + GELU_K2_LO * s
    xdt[0] = GELU_K2_HI * w + (GELU_K2_HI * wl + GELU_K2_LO * w)

cdef inline double fa_gelu_tanh(double x) noexcept nogil:
    # 1/2 (1 + tanh(u)) = sigma(2u): one exp, no cancellation for x < 0.
    # Past |x| = 30 the result is x or underflows to -0.
    cdef double t, tl, xdt, e
    if not (fabs(x) <= 30.0):
        if x != x:
            return x
        return x if x > 0.0 else -0.0
    fa_gelu_tanh_arg(x, &t, &tl, &xdt)
    if t >= 0.0:
        return x / (1.0 + fa_exp(-t))
    e = fa_exp(t)
    e = fma(e, tl, e)                                    # fa_exp(t + tl)
    return x * (e / (1.0 + e))

cdef inline float fa_gelu_tanh_f32(float x) noexcept nogil:
    # float32 result: t = 2 sqrt(2/pi) (x + 0.044715 x^3) in double (its
    # relative error 1e-16 |t| is harmless at float precision), e^-|t| to
    # float accuracy, x sigma(t) in double, one rounding at the end.
    cdef double xd = x
    cdef double t = GELU_K2_HI * (xd + GELU_C_HI * (xd * xd * xd))
    cdef double e = fa_exp_normal_f32acc(-fabs(t))
    cdef double num = xd if t >= 0.0 else xd * e
    cdef double y = num / (1.0 + e)
    y = y if fabs(xd) <= 30.0 else (xd if xd > 0.0 else -0.0)
    return <float>(y if x == x else xd)

cdef inline double fa_gelu_tanh_vjp(double gy, double x) noexcept nogil:
    # d/dx x sigma(t) = sigma(t) + x t' sigma(t)(1 - sigma(t)),
    # t' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2). With e = exp(-|t|) and
    # (1 + e)^2 = fma(e, 2 + e, 1) (one rounding):
    #   t >= 0: sigma = 1/(1+e), g = (1 + e + xdt e) / (1 + e)^2
    #   t <  0: sigma = e/(1+e), g = e (1 + xdt + e) / (1 + e)^2
    # which rounds e, and 1 + e, once each. Near the zero at -0.7525: a
    # Taylor series. Branch-free (every candidate computed, then selected)
    # so the loop vectorises; past |x| = 30 the derivative is 1 or 0.
    cdef double t, tl, xdt, e, d, g_pos, g_neg, g, series
    cdef double xc = x if fabs(x) <= 30.0 else 0.0
    fa_gelu_tanh_arg(xc, &t, &tl, &xdt)
    e = fa_exp(-fabs(t))
    e = fma(e, -tl if t >= 0.0 else tl, e)              # exp(-|t + tl|)
    d = fma(e, 2.0 + e, 1.0)
    g_pos = fma(xdt, e, 1.0 + e) / d
    g_neg = e * (((1.0 + xdt) + e) / d)
    g = g_pos if t >= 0.0 else g_neg
    series = fa_series_at_zero(xc, GELU_TANH_D_X0_HI, GELU_TANH_D_X0_LO,
                               GELU_TANH_D_C, GELU_TANH_D_N)
    g = series if fabs(x - GELU_TANH_D_X0_HI) <= GELU_TANH_D_RADIUS else g
    g = g if fabs(x) <= 30.0 else (1.0 if x > 0.0 else -0.0)   # g < 0 below -0.75
    g = g if x == x else x
    return gy * g


# =========================================================================
# Issue 3: the rest of the element-wise catalog (API.md section 1).
# Kinks and defaults follow PyTorch 2.13 unless a comment says otherwise;
# NaN in gives NaN out everywhere (PyTorch's backward of the piecewise
# functions returns the gradient or 0 for NaN).
# =========================================================================

from libc.math cimport copysign
from libc.float cimport DBL_MAX

cdef extern from *:
    """
    /* SELU's constants (API.md; Klambauer et al. 2017) as hi + lo, ~106 bits. */
    static const double SELU_SCALE_HI = 1.0507009873554805;
    static const double SELU_SCALE_LO = 3.9874847667154144e-17;
    static const double SELU_SA_HI = 1.7580993408473768;   /* scale * alpha */
    static const double SELU_SA_LO = 1.41535193800845e-17;
    /* silu_d: zero x0 = -1.278464542761073795109359, degree 17, |x - x0| <= 0.25 */
    static const double SILU_D_X0_HI = -1.2784645427610737;
    static const double SILU_D_X0_LO = -1.0946994183093437e-16;
    static const double SILU_D_RADIUS = 0.25;
    static const double SILU_D_C[17] = {
        0.2178117057198001,
        0.1466487969969469,
        0.018874814223782312,
        -0.015222655223188032,
        -0.006606589138356696,
        0.000126627410081122,
        0.0007985218818397998,
        0.00018570724361186496,
        -4.090534237428612e-05,
        -2.9733542213263917e-05,
        -2.942631888842464e-06,
        2.346029682463866e-06,
        8.599695028268575e-07,
        -3.051244750055421e-08,
        -9.266646309267441e-08,
        -1.8877622907727957e-08,
        4.619379769031606e-09,
    };
    /* mish_d: zero x0 = -1.192431214515495212137588, degree 20, |x - x0| <= 0.3 */
    static const double MISH_D_X0_HI = -1.1924312145154952;
    static const double MISH_D_X0_LO = -4.8484829848031044e-17;
    static const double MISH_D_RADIUS = 0.3;
    static const double MISH_D_C[20] = {
        0.2669479140495345,
        0.20473126408010586,
        0.04190782104360987,
        -0.020271822716684245,
        -0.01582112656173338,
        -0.0033606849270232685,
        0.0010924055409445854,
        0.0009898181021289196,
        0.00025412936386191073,
        -4.1961496031696126e-05,
        -5.582891567360688e-05,
        -1.72992708103044e-05,
        9.427361327376651e-07,
        2.9088199364912223e-06,
        1.071676702702074e-06,
        2.6879417855557728e-08,
        -1.4117255919499382e-07,
        -6.174424363104907e-08,
        -5.460186173028381e-09,
        6.3895954615089855e-09,
    };
    /* tanh_shrink: (x - tanh x)/x^3 = sum_k c_k x^(2k) for |x| < 1, max error 4.01e-19 (tools/tanh_shrink_poly.py); c_0 as hi + lo */
    static const double TANH_SHRINK_C0_HI = 0.3333333333333333;
    static const double TANH_SHRINK_C0_LO = 1.810087504810639e-17;
    static const double TANH_SHRINK_C[16] = {   /* c_1, c_2, ... */
        -0.1333333333333331,
        0.053968253968231523,
        -0.021869488535296695,
        0.008863235512566054,
        -0.003592127823422879,
        0.0014558326516768139,
        -0.0005900175685254319,
        0.0002390884367049363,
        -9.67910218266933e-05,
        3.8991741215043214e-05,
        -1.541627724102249e-05,
        5.777484136865915e-06,
        -1.9216974143833895e-06,
        5.122767150793262e-07,
        -9.364144622965759e-08,
        8.538161901212156e-09,
    };
    /* tanh_shrink float32: (x - tanh x)/x^3 = sum_k c_k (x^2 - 1/2)^k for |x| < 1, max relative error 3.41e-9 with the coefficients in float (tools/tanh_shrink_poly.py --float); c_0 as hi + lo */
    static const float TANH_SHRINK_F_C0_HI = 0.27788564562797546f;
    static const float TANH_SHRINK_F_C0_LO = 1.1210929073968146e-08f;
    static const float TANH_SHRINK_F_C[8] = {   /* c_1, c_2, ... */
        -0.09223751723766327f,
        0.031029244884848595f,
        -0.010454526171088219f,
        0.003523025428876281f,
        -0.0011855157790705562f,
        0.0003995129372924566f,
        -0.00014382136578205973f,
        4.8467110900674015e-05f,
    };
    #define SILU_D_N (sizeof(SILU_D_C) / sizeof(double))
    #define MISH_D_N (sizeof(MISH_D_C) / sizeof(double))
    #define TANH_SHRINK_N (sizeof(TANH_SHRINK_C) / sizeof(double))
    """
    const double SELU_SCALE_HI, SELU_SCALE_LO, SELU_SA_HI, SELU_SA_LO
    const double SILU_D_X0_HI, SILU_D_X0_LO, MISH_D_X0_HI, MISH_D_X0_LO
    const double SILU_D_RADIUS, MISH_D_RADIUS
    const double SILU_D_C[], MISH_D_C[], TANH_SHRINK_C[]
    const double TANH_SHRINK_C0_HI, TANH_SHRINK_C0_LO
    const float TANH_SHRINK_F_C[], TANH_SHRINK_F_C0_HI, TANH_SHRINK_F_C0_LO
    const int SILU_D_N, MISH_D_N, TANH_SHRINK_N


# ---- helpers ------------------------------------------------------------

cdef inline double fa_mul_lo(double b, double x, double p) noexcept nogil:
    # The rounding error of p = b * x, exact (FMA); 0 where p is not finite
    # (fma(b, x, -inf) would be NaN). Carrying t = beta x as p + lo keeps
    # sigmoid(t), e^t accurate where |t| is large: their relative error is
    # |t| times that of t (t = -700 would turn 1 ULP into 700).
    return fma(b, x, -p) if fabs(p) <= DBL_MAX else 0.0

cdef inline double fa_exp_lo(double th, double tl) noexcept nogil:
    # e^(th + tl) = e^th (1 + tl) for |tl| <= ulp(th) (tl^2 < 2^-100);
    # inf where e^th is (inf tl + inf is NaN for tl < 0: celu' with alpha < 0)
    cdef double e = fa_exp(th)
    return fma(e, tl, e) if e < INFINITY else e

cdef inline double fa_div6_dd(double s, double sl) noexcept nogil:
    # (s + sl) / 6 for |sl| <= ulp(s)/2, rounded once. No division (vdivpd
    # held hard_sigmoid's loop at twice relu6's time): q = s * RN(1/6) is
    # within 2 ULP of s/6, so the remainder s - 6q is a small multiple of
    # ulp(q) and the FMA gives it exactly; q + (s - 6q + sl) / 6 is then the
    # quotient to ~2^-100, rounded once by the last addition. The correction
    # c = (s - 6q + sl) * RN(1/6) is rounded on its own, not fused into that
    # addition: where the quotient is exactly halfway between two doubles, c
    # is a half-integer multiple of ulp(q) with a few bits, which the
    # rounding of the product restores exactly, so the tie goes to even as
    # in a division (an FMA would push it off the tie).
    cdef double q = s * (1.0 / 6.0)
    return q + (fma(-q, 6.0, s) + sl) * (1.0 / 6.0)

cdef inline double fa_sum_div6(double a, double b) noexcept nogil:
    # (a + b) / 6 rounded once (hard_swish'): s + sl = a + b exactly (two-sum)
    cdef double s = a + b
    return fa_div6_dd(s, fa_two_sum_lo(a, b, s))

cdef inline double fa_x_plus_3_div6(double x) noexcept nogil:
    # (x + 3) / 6 rounded once, for |x| <= 3 (hard_sigmoid, hard_swish):
    # the error of s = x + 3 is (3 - s) + x exactly (Fast2Sum: |3| >= |x|).
    cdef double s = x + 3.0
    return fa_div6_dd(s, (3.0 - s) + x)


# ---- relu6 --------------------------------------------------------------

cdef inline double fa_relu6(double x) noexcept nogil:
    # relu6(-0.0) = +0.0, as relu (PyTorch's clamp gives -0.0).
    if x >= 6.0:
        return 6.0
    return x if not (x <= 0.0) else 0.0

cdef inline double fa_relu6_vjp(double gy, double x) noexcept nogil:
    # PyTorch (hardtanh's backward): 0 at both kinks, x = 0 and x = 6.
    if 0.0 < x < 6.0:
        return gy
    return x if x != x else 0.0


# ---- leaky_relu (also prelu's and rrelu's kernel) ------------------------

cdef inline double fa_leaky_relu(double x, double slope) noexcept nogil:
    return x if x > 0.0 else x * slope

cdef inline double fa_leaky_relu_vjp(double gy, double x, double slope) noexcept nogil:
    # PyTorch: the slope at the kink x = 0.
    if x > 0.0:
        return gy
    return x if x != x else gy * slope

cdef inline double fa_leaky_relu_vjp_y(double gy, double y, double slope) noexcept nogil:
    return fa_leaky_relu_vjp(gy, y, slope)    # y > 0 exactly where x > 0 (slope >= 0)

cdef inline double fa_leaky_relu_vjp_param(double gy, double x, double slope) noexcept nogil:
    # d/dslope: x where x <= 0 (prelu's weight gradient, PyTorch's kink).
    return gy * (0.0 if x > 0.0 else x)


# ---- elu, selu, celu ----------------------------------------------------
# PyTorch takes the x <= 0 branch at the kink: elu'(0) = alpha,
# selu'(0) = scale * alpha, celu'(0) = 1.

cdef inline double fa_elu(double x, double alpha) noexcept nogil:
    return x if x > 0.0 else alpha * fa_expm1_neg(x)

cdef inline double fa_elu_vjp(double gy, double x, double alpha) noexcept nogil:
    return gy if x > 0.0 else gy * (alpha * fa_exp(x))

cdef inline double fa_elu_vjp_y(double gy, double y, double alpha) noexcept nogil:
    # alpha e^x = y + alpha for x <= 0; y > 0 exactly where x > 0 (alpha > 0)
    return gy if y > 0.0 else gy * (y + alpha)

cdef inline double fa_mul_sa(double v) noexcept nogil:
    # scale * alpha * v, the constant in hi + lo: rounded once
    return fma(SELU_SA_HI, v, SELU_SA_LO * v)

cdef inline double fa_selu(double x) noexcept nogil:
    # scale * x with scale in hi + lo: rounded once.
    if x > 0.0:
        return fma(SELU_SCALE_HI, x, SELU_SCALE_LO * x)
    return fa_mul_sa(fa_expm1_neg(x))

cdef inline double fa_selu_vjp(double gy, double x) noexcept nogil:
    if x > 0.0:
        return gy * SELU_SCALE_HI
    return gy * fa_mul_sa(fa_exp(x))

cdef inline double fa_selu_vjp_y(double gy, double y) noexcept nogil:
    if y > 0.0:
        return gy * SELU_SCALE_HI
    return gy * (y + SELU_SA_HI)

cdef inline double fa_celu(double x, double alpha) noexcept nogil:
    # = max(0, x) + min(0, alpha expm1(x / alpha)) for every alpha != 0.
    # alpha > 0 runs fa_celu_pos; here alpha < 0, where x / alpha = q + ql
    # is positive for x < 0 and e^q carries |q| times q's rounding (233 ULP
    # at q = 682): expm1(q + ql) = expm1(q) + e^q ql to first order, with
    # ql the exact remainder by FMA (as fa_celu_vjp).
    cdef double q = x / alpha
    cdef double m = fa_expm1(q)
    cdef double ql = fma(-q, alpha, x) / alpha
    cdef double c = fma(m + 1.0, ql, m)
    c = c if c == c else m                      # m = inf: inf * ql + inf
    return x if x > 0.0 else alpha * c

cdef inline double fa_celu_pos(double x, double alpha) noexcept nogil:
    # fa_celu for alpha > 0 (_kernels.pyx.tp PARAM_FAST), the same bits:
    # x / alpha <= 0 where it is used
    return x if x > 0.0 else alpha * fa_expm1_neg(x / alpha)

cdef inline double fa_celu_vjp(double gy, double x, double alpha) noexcept nogil:
    # e^(x/alpha) with x/alpha = q + ql (exact remainder by FMA): e^q has the
    # relative error |q| times that of q, 500 ULP at x/alpha = -660.
    cdef double q
    if x > 0.0:
        return gy
    q = x / alpha
    return gy * fa_exp_lo(q, fma(-q, alpha, x) / alpha if fabs(q) <= DBL_MAX else 0.0)

cdef inline double fa_celu_vjp_y(double gy, double y, double alpha) noexcept nogil:
    # e^(x/alpha) = y/alpha + 1 for x <= 0 (alpha > 0)
    return gy if y > 0.0 else gy * (y / alpha + 1.0)


# ---- softplus, log_sigmoid ------------------------------------------------

cdef inline double fa_exp_neg_abs(double th, double tl, double* el) noexcept nogil:
    # e^-|t| = eh + el for t = th + tl (el = -+eh tl, first order); returns eh
    cdef double eh = fa_exp(-fabs(th))
    el[0] = -eh * tl if th >= 0.0 else eh * tl
    return eh

cdef inline double fa_softplus(double x, double beta, double threshold) noexcept nogil:
    # log1p(e^t) / beta with t = beta x = th + tl and e = e^-|t| = E (1 + k):
    #   t > 0: x + log1p(e) / beta (the large term is x itself, not t / beta)
    #   t <= 0: log1p(e) / beta
    # with log1p(E + E k) = log1p(E) + E k / (1 + E) and one division.
    # Below t = -700, log1p(e) = e, and e^t / beta may be normal while e^t
    # is not: E is shifted by 2^128 and the result scaled back (as in
    # fa_x_sigmoid); below -833 the result is 0 (sign of 1/beta).
    # threshold = inf (the default None): exact everywhere; otherwise x where
    # t > threshold, as PyTorch. Branch-free, so that the loop vectorises.
    cdef double th = beta * x
    cdef double tl = fa_mul_lo(beta, x, th)
    cdef bint far = th < -700.0
    cdef double k
    cdef double E = fa_exp_tail(-fabs(th), tl if th < 0.0 else -tl, far, &k)
    cdef double e = 0.0 if far else E
    cdef double lh = E if far else fa_log1p_unit(e)
    cdef double ll = E * k if far else (e * k) / (1.0 + e)
    # (lh + ll) / beta rounded once (as fa_div_dd, but beta may be anywhere
    # in double's range: q = lh / beta and the exact remainder / beta)
    cdef double q = lh / beta
    cdef double r = (q + (fma(-q, beta, lh) + ll) / beta) * (TWO_M128 if far else 1.0)
    cdef double y = x + r if th > 0.0 else r
    y = x if th > threshold else y
    return 0.0 / beta if th < -833.0 else y

cdef inline double fa_softplus_vjp(double gy, double x, double beta, double threshold) noexcept nogil:
    # sigmoid(t) = 1 / (1 + e) for t >= 0, e / (1 + e) for t < 0, with
    # e = e^-|t| and 1 + e carried exactly: neither tail cancels, one division.
    # Branch-free, so that the loop vectorises.
    cdef double th = beta * x
    cdef double tl = fa_mul_lo(beta, x, th)
    cdef double el, dl
    cdef double eh = fa_exp_neg_abs(th, tl, &el)
    cdef double d = fa_one_plus(eh, el, &dl)
    cdef bint pos = th >= 0.0
    cdef double g = gy * fa_div_dd(1.0 if pos else eh, 0.0 if pos else el, d, dl)
    return gy if th > threshold else g

cdef inline double fa_softplus_b1(double x, double beta, double threshold) noexcept nogil:
    # fa_softplus at beta = 1 (PARAM_FAST, as fa_softplus_vjp_b1), the same
    # numbers without the work beta needs (t = beta x as a pair, the tail k,
    # two divisions by beta): max(x, 0) + log1p(e^-|x|); below x = -700,
    # log1p(e^x) = e^x, shifted by 128 LN2_HI (exact: both on the 2^-43
    # grid of |x| < 1024) and undone by fa_undo_far_shift; -inf gives 0.
    cdef bint far = x < -700.0
    cdef double E = fa_exp(x + 128.0 * LN2_HI if far else -fabs(x))
    cdef double y = (x if x > 0.0 else 0.0) + fa_log1p_unit(0.0 if far else E)
    y = fa_undo_far_shift(E) if far else y
    return x if x > threshold else y

cdef inline double fa_softplus_vjp_b1(double gy, double x, double beta, double threshold) noexcept nogil:
    # fa_softplus_vjp at beta = 1 (the default; _kernels.pyx.tp PARAM_FAST
    # picks it once per call): t = x is exact, so plain roundings fit the
    # 4-ULP budget: gy / (1 + e^-x), exp's error shrunk by e^-x/(1 + e^-x)
    # < 1, then 1 + e, the division and gy (< 3 ULP). Not reflected: a select
    # in front of the division made GCC emit two masked divisions. Below
    # x = -700 the loops redo the result in long double (_kernels.pyx.tp,
    # VJP_TAILS; also log_sigmoid' above 700), so e^-x is only clamped at
    # e^700 there: that value is replaced. An infinite gy is not redone: it
    # gives inf down to x = -745.13, where sigmoid itself rounds to 0, and
    # NaN (inf * 0) below, as the general kernel and float32 do; -inf:
    # gy * 0.
    cdef double nx = -x
    cdef double E = fa_exp(nx if not (nx > 700.0) else 700.0)
    cdef double g = gy * (1.0 / (1.0 + E))
    g = g if not (x < -745.1332191019412) else gy * 0.0
    return gy if x > threshold else g

cdef inline double fa_log_sigmoid(double x) noexcept nogil:
    return -fa_softplus_b1(-x, 1.0, INFINITY)

cdef inline double fa_log_sigmoid_vjp(double gy, double x) noexcept nogil:
    return fa_softplus_vjp_b1(gy, -x, 1.0, INFINITY)      # sigmoid(-x)


# ---- hard_sigmoid, hard_tanh, hard_swish ----------------------------------

cdef inline double fa_hard_sigmoid(double x) noexcept nogil:
    if x <= -3.0:
        return 0.0
    if x >= 3.0:
        return 1.0
    return fa_x_plus_3_div6(x)              # NaN passes through

cdef inline double fa_hard_sigmoid_vjp(double gy, double x) noexcept nogil:
    # PyTorch: 0 at the kinks x = -3 and x = 3. gy / 6, not gy * (1/6):
    # one rounding.
    if -3.0 < x < 3.0:
        return gy / 6.0
    return x if x != x else 0.0

cdef inline double fa_hard_tanh(double x, double min_val, double max_val) noexcept nogil:
    cdef double lo = min_val if x < min_val else x
    return max_val if x > max_val else lo

cdef inline double fa_hard_tanh_vjp(double gy, double x, double min_val, double max_val) noexcept nogil:
    # PyTorch: 0 at the kinks x = min_val and x = max_val.
    if min_val < x < max_val:
        return gy
    return x if x != x else 0.0

cdef inline double fa_hard_tanh_vjp_y(double gy, double y, double min_val, double max_val) noexcept nogil:
    return fa_hard_tanh_vjp(gy, y, min_val, max_val)   # min < y < max iff min < x < max

cdef inline double fa_hard_swish(double x) noexcept nogil:
    # x * hard_sigmoid(x): two roundings. hard_swish(-inf) = 0 (PyTorch: NaN).
    if x <= -3.0:
        return 0.0
    if x >= 3.0:
        return x
    return x * fa_x_plus_3_div6(x)

cdef inline double fa_hard_swish_vjp(double gy, double x) noexcept nogil:
    # (2x + 3) / 6 between the kinks, rounded once; PyTorch's choice at the
    # kinks: 0 at x = -3, 1 at x = 3. Selects, not branches (vectorises).
    cdef double g = gy * fa_sum_div6(2.0 * x, 3.0)
    g = gy if x >= 3.0 else g
    return 0.0 if x <= -3.0 else g



# ---- silu, swish ----------------------------------------------------------

cdef inline double fa_x_sigmoid(double x, double th, double tl) noexcept nogil:
    # x sigmoid(t), t = th + tl, from e = e^-|t| (carried as E (1 + k)):
    #   t >= 0: x / (1 + e);  t < 0: x e / (1 + e)
    # with 1 + e = d + dl exact (Fast2Sum, e <= 1) and x e = p + pl exact
    # (FMA), divided once (fa_div_dd): one rounding besides exp's, where the
    # plain formula has four. Below t = -700, e^t is (nearly) subnormal while
    # x e^t is not: there E = e^(th + 128 LN2_HI) (exact sum: both on the
    # 2^-43 grid), k carries tl + 128 LN2_LO to second order (~2.4e-8, its
    # square is not negligible), 1 + e = 1, and the result is scaled back by
    # 2^-128 (see fa_exp_tail). Past t = 40 the result is x (and
    # inf / inf stays away); below -833 it is 0 with the sign of x (exact for
    # silu; for swish unless |beta| < 1e-50).
    # Branch-free (both tails by selects) so that the loop vectorises: with
    # early returns the float64 silu ran scalar, 9x slower than PyTorch.
    cdef bint far = th < -700.0
    cdef bint neg = th < 0.0
    cdef double k
    cdef double E = fa_exp_tail(-fabs(th), tl if neg else -tl, far, &k)
    cdef double e = 0.0 if far else E
    cdef double dl
    cdef double d = fa_one_plus(e, e * k, &dl)
    cdef double p = x * E if neg else x
    cdef double pl = fma(x, E, -p) + p * k if neg else 0.0
    cdef double y = fa_div_dd(p, pl, d, dl) * (TWO_M128 if far else 1.0)
    y = x if th > 40.0 else y
    y = x if ((x == 0.0) & (th == th)) else y        # +-0 sigmoid(t) = +-0
    return copysign(0.0, x) if th < -833.0 else y


cdef inline double fa_silu_d(double th, double tl) noexcept nogil:
    # silu'(t) = sigmoid(t) (1 + t (1 - sigmoid(t))), t = th + tl, from
    # e = e^-|t| = E (1 + k) and 1 + e = d + dl:
    #   t >= 0: (1 + e + t e) / (1 + e)^2
    #   t <  0: e (1 + t + e) / (1 + e)^2
    # numerator and (1 + e)^2 carried exactly to ~2^-100 (two-sum, FMA) and
    # divided once. 1 + t + e cancels at the zero t0 = -1.2785: a Taylor
    # series there (fa_series_at_zero, tools/derivative_zero_series.py).
    # Past t = 45, silu' = 1 + (t - 1) e^-t rounds to 1 (and t e would be
    # inf * 0 at t = inf); below t = -700 it is e^t (1 + t), with e^t
    # shifted by 2^128 and scaled back as in fa_x_sigmoid; below -833, -0.
    # Branch-free (every case computed, then selected) so that it vectorises.
    cdef bint far = th < -700.0
    cdef bint neg = th < 0.0
    cdef double k
    cdef double E = fa_exp_tail(-fabs(th), tl if neg else -tl, far, &k)
    cdef double e = 0.0 if far else E
    cdef double el = e * k
    cdef double dl, ddl
    cdef double d = fa_one_plus(e, el, &dl)
    cdef double dd = fa_square_dd(d, dl, &ddl)
    # t >= 0: n = (1 + e) + t e
    cdef double m = th * e
    cdef double ml = fma(th, e, -m) + th * el + tl * e
    cdef double n = d + m
    cdef double nl = fa_two_sum_lo(d, m, n) + dl + ml
    # t < 0: E ((1 + t) + e), with e's correction E k
    cdef double m1 = 1.0 + th
    cdef double ml1 = fa_two_sum_lo(1.0, th, m1) + tl
    cdef double n1 = m1 + e
    cdef double nl1 = fa_two_sum_lo(m1, e, n1) + ml1
    cdef double p = E * n1
    cdef double pl = fma(E, n1, -p) + E * nl1 + p * k
    cdef double g = fa_div_dd(p if neg else n, pl if neg else nl, dd, ddl)
    g = g * (TWO_M128 if far else 1.0)
    cdef double series = fa_series_at_zero(th, SILU_D_X0_HI, SILU_D_X0_LO - tl, SILU_D_C, SILU_D_N)
    g = series if (neg & (fabs(th - SILU_D_X0_HI) <= SILU_D_RADIUS)) else g
    g = 1.0 if th > 45.0 else g
    return -0.0 if th < -833.0 else g

# silu itself (t = x, exact: no beta x to carry) spends the float64 budget
# (4 ULP) on speed: plain roundings instead of fa_x_sigmoid's and fa_silu_d's
# compensated ones (78 and 141 instructions per 8 doubles on AVX-512,
# against ~45 for PyTorch's Sleef formula).

cdef inline double fa_silu(double x) noexcept nogil:
    # x / (1 + e^-x): exp's error and two roundings, the first two shrunk by
    # e^-x / (1 + e^-x) < 1 (measured in test_accuracy.py). Not reflected
    # as fa_x_sigmoid is (x e^x / (1 + e^x) for x < 0, as accurate): a
    # select in front of the division made GCC emit two masked divisions.
    # Below -700, x e^x with e^x shifted by 128 LN2_HI (exact, as in
    # fa_softplus_b1); -0 below -833 (and at -inf, not -inf * 0). Past
    # x = 37, 1 + e^-x rounds to 1 and y = x: e^-x is clamped at e^-708
    # (fa_exp_clamped; far arguments below -708 leave results below
    # 1e-340, -0 either way).
    cdef bint far = x < -700.0
    cdef double E = fa_exp_clamped(x + 128.0 * LN2_HI if far else -x)
    cdef double y = x / (1.0 + E)
    y = fa_undo_far_shift(x * E) if far else y
    return y if not (x < -833.0) else -0.0

cdef inline double fa_silu_vjp(double gy, double x) noexcept nogil:
    # silu'(x) = (1 + e + x e) / (1 + e)^2 (x >= 0), e (1 + x + e) / (1 + e)^2
    # (x < 0), e = e^-|x| = E + el (fa_exp_pair, ~0.2 ULP), (1 + e)^2 as a
    # pair, and one fa_div_dd: the numerator's one or two roundings, the
    # quotient's and gy's. No series at the zero x0 = -1.2785 of silu':
    # there 1 + x is exact (Sterbenz) and so is (1 + x) + E (Sterbenz again,
    # on x in [-1.44, -1.15]), so the cancelling sum keeps an absolute error
    # ~2^-57: within the window of 0.05 around x0 where the tests bound it
    # absolutely (N ulp(1/64)), and ~0.5 ULP relative at its edge (e^r's
    # polynomial rounds to ~0.2 ULP). Past x = 45, 1. Below x = -700 the
    # loops redo the result in long double (_kernels.pyx.tp, VJP_TAILS), so
    # here e^-|x| is only clamped at e^-700 (that value is replaced, 13 of
    # 86 instructions per 8 doubles fewer than computing it shifted by
    # 2^128); -0 below -751.75, where e^x (1 + x) rounds to 0, so that an
    # infinite grad_output (not redone) gives NaN there as before.
    cdef double el, dl, ddl
    cdef double a = -fabs(x)
    cdef double E = fa_exp_pair(a if not (a < -700.0) else -700.0, &el)
    cdef double d = fa_one_plus(E, el, &dl)
    cdef double dd = fa_square_dd(d, dl, &ddl)
    cdef double pos = fma(x, E, d) + fma(x, el, dl)
    cdef double m = ((1.0 + x) + E) + el
    cdef double neg = fma(E, m, el * m)
    cdef double g = fa_div_dd(neg if x < 0.0 else pos, 0.0, dd, ddl)
    g = g if not (x < -751.75) else -0.0            # and -inf, not NaN
    return gy * (g if not (x > 45.0) else 1.0)

cdef inline double fa_swish(double x, double beta) noexcept nogil:
    # x sigmoid(beta x) with beta x carried as th + tl. beta = 0: x / 2.
    cdef double th = beta * x
    if beta == 0.0:
        return 0.5 * x
    return fa_x_sigmoid(x, th, fa_mul_lo(beta, x, th))

cdef inline double fa_swish_vjp(double gy, double x, double beta) noexcept nogil:
    # d/dx x sigmoid(beta x) = sigmoid(t) + t sigmoid'(t) = silu'(t), t = beta x
    cdef double th = beta * x
    if beta == 0.0:
        return gy * (0.5 if x == x else x)
    return gy * fa_silu_d(th, fa_mul_lo(beta, x, th))


# ---- mish -----------------------------------------------------------------
# tanh(softplus(x)) = n / (n + 2) with e = e^x, n = e (e + 2) (DESIGN.md):
# one exp, and no cancellation for x <= 0 where tanh(softplus(x)) ~ e.

cdef inline void fa_mish_n(double e, double* n, double* nl, double* m,
                           double* ml) noexcept nogil:
    # n + nl = e (e + 2) and m + ml = n + 2, exact to ~2^-100 (two-sum, FMA)
    cdef double s = e + 2.0
    n[0] = e * s
    nl[0] = fma(e, s, -n[0]) + e * fa_two_sum_lo(e, 2.0, s)
    m[0] = n[0] + 2.0
    ml[0] = fa_two_sum_lo(n[0], 2.0, m[0]) + nl[0]

cdef inline double fa_mish(double x) noexcept nogil:
    # x n / (n + 2) with n and n + 2 carried exactly, divided once: one
    # rounding besides exp's. Past x = 20, tanh(softplus(x)) = 1 - 2e^-2x
    # rounds to 1 and mish = x; below -700, mish = x e^x (scaled), and -0.0
    # below -833 (mish(-inf) = 0; PyTorch: NaN). Branch-free (selects).
    cdef double n, nl, m, ml, k
    cdef bint far = x < -700.0
    cdef double E = fa_exp_tail(x, 0.0, far, &k)
    fa_mish_n(0.0 if far else E, &n, &nl, &m, &ml)
    cdef double v = E if far else n
    cdef double vl = E * k if far else nl
    cdef double p = x * v
    cdef double y = fa_div_dd(p, fma(x, v, -p) + x * vl, 1.0 if far else m, 0.0 if far else ml)
    y = y * (TWO_M128 if far else 1.0)
    y = x if ((x > 20.0) | (x == 0.0)) else y            # and mish(-0) = -0
    return -0.0 if x < -833.0 else y

cdef inline double fa_mish_vjp(double gy, double x) noexcept nogil:
    # mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x). With
    # e = e^x, n = e (e + 2), m = n + 2: tanh(sp) = n/m and sech^2(sp) sigmoid(x)
    # = 4e(1+e)/m^2, so mish' = e B / m^2 with B = m(e + 2) + 4x(1 + e)
    # = 4(1 + x) + e (6 + 4x + e (4 + e)): in this form the terms of B have
    # one sign except near the zero x0 = -1.1924 (a Taylor series there),
    # where tanh(sp) + x (...) cancels 3:1 as far out as x = -2.
    # For x > 1, with u = e^-x and D = 1 + 2u + 2u^2 (nothing overflows):
    # mish' = 1 + u^2 (4x(1 + u) - 2D) / D^2, a correction below 0.05;
    # 1 to double precision past x = 30. Below -700: e^x (1 + x), scaled.
    # Every case is computed and selected (branch-free: the loop vectorises).
    cdef double n, nl, m, ml, mml, k
    cdef bint big = x > 1.0
    cdef double s = -x if big else x
    cdef bint far = s < -700.0
    cdef double E = fa_exp_tail(s, 0.0, far, &k)
    # x > 1
    cdef double u = E
    cdef double d = fma(2.0 * u, 1.0 + u, 1.0)
    cdef double g_big = 1.0 + (u * u) * ((4.0 * x * (1.0 + u) - 2.0 * d) / (d * d))
    # x <= 1 (far: 1 + e = 1, and e B / m^2 = e (1 + x))
    cdef double e = 0.0 if far else E
    fa_mish_n(e, &n, &nl, &m, &ml)
    cdef double mm = fa_square_dd(m, ml, &mml)
    cdef double a = 1.0 + x
    cdef double c = (6.0 + 4.0 * x) + e * (4.0 + e)
    cdef double h = e * c
    cdef double b = 4.0 * a + h
    cdef double bl = fa_two_sum_lo(4.0 * a, h, b) + fma(e, c, -h) + 4.0 * fa_two_sum_lo(1.0, x, a)
    b = a if far else b
    bl = fa_two_sum_lo(1.0, x, a) if far else bl
    mm = 1.0 if far else mm
    mml = 0.0 if far else mml
    cdef double p = E * b
    cdef double g = fa_div_dd(p, fma(E, b, -p) + E * bl + p * k, mm, mml)
    g = g * (TWO_M128 if far else 1.0)
    g = g_big if big else g
    cdef double series = fa_series_at_zero(x, MISH_D_X0_HI, MISH_D_X0_LO, MISH_D_C, MISH_D_N)
    g = series if fabs(x - MISH_D_X0_HI) <= MISH_D_RADIUS else g
    g = 1.0 if x > 30.0 else g
    g = -0.0 if x < -833.0 else g         # mish' ~ e^x (1 + x) < 0 there
    return gy * g


# ---- softsign ---------------------------------------------------------------

cdef inline double fa_softsign(double x) noexcept nogil:
    # x / (1 + |x|) with 1 + |x| = d + dl exact (two-sum):
    # x / (d + dl) = q (1 - dl/d), q = x / d: rounded about once.
    # softsign(+-inf) = +-1 (PyTorch: NaN).
    cdef double a = fabs(x), d, q
    if a == INFINITY:
        return copysign(1.0, x)
    d = 1.0 + a
    q = x / d
    return copysign(q - q * (fa_two_sum_lo(1.0, a, d) / d), x)     # keeps -0.0

cdef inline double fa_softsign_vjp(double gy, double x) noexcept nogil:
    # 1 / (1 + |x|)^2 with 1 + |x| = d + dl and d^2 = p + pl exact:
    # 1 / (d + dl)^2 = (1/p) (1 - pl/p - 2 dl/d) to first order. Past
    # |x| = 1e100 it is 1/x^2 (and d^2 would overflow past 1e154).
    cdef double a = fabs(x), d, p, r
    if a > 1e100:
        r = 1.0 / a
        return gy * (r * r)
    d = 1.0 + a
    p = d * d
    r = 1.0 / p
    return gy * (r - r * (fma(d, d, -p) / p + 2.0 * (fa_two_sum_lo(1.0, a, d) / d)))


# ---- hard_shrink, soft_shrink, tanh_shrink, threshold ------------------------
# PyTorch: 0 at the kinks |x| = lambd and x = threshold.

cdef inline double fa_hard_shrink(double x, double lambd) noexcept nogil:
    return 0.0 if -lambd <= x <= lambd else x

cdef inline double fa_hard_shrink_vjp(double gy, double x, double lambd) noexcept nogil:
    if -lambd <= x <= lambd:
        return 0.0
    return x if x != x else gy

cdef inline double fa_soft_shrink(double x, double lambd) noexcept nogil:
    # selects, not branches, so the loop vectorises (NaN passes through)
    cdef double mid = x if x != x else 0.0
    cdef double lo = x + lambd if x < -lambd else mid
    return x - lambd if x > lambd else lo

cdef inline double fa_soft_shrink_vjp(double gy, double x, double lambd) noexcept nogil:
    return fa_hard_shrink_vjp(gy, x, lambd)

cdef inline double fa_x_tanh_x_small(double x, double* x3, double* r) noexcept nogil:
    # For |x| < 1: x - tanh x = x^3 g(x^2), g a polynomial fitted by
    # tools/tanh_shrink_poly.py, returned as x3 * C0_HI + r (x^3 = h + l and
    # g = C0_HI + C0_LO + u q carried apart, so that the result rounds about
    # once: the plain x - tanh x cancels to nothing, x^3 = x*x*x alone costs
    # two roundings). Returns x3 = x^3 rounded.
    cdef double u = x * x
    cdef double ul = fma(x, x, -u)
    cdef double h = x * u
    cdef double l = fma(x, u, -h) + x * ul
    cdef double q = fa_horner_fma(TANH_SHRINK_C, TANH_SHRINK_N, u)
    x3[0] = h
    r[0] = h * (u * q + TANH_SHRINK_C0_LO) + l * TANH_SHRINK_C0_HI
    return fma(h, TANH_SHRINK_C0_HI, r[0])

cdef inline double fa_tanh_shrink(double x) noexcept nogil:
    # |x| < 1: the series above. |x| >= 1: with e = e^-2|x|,
    # x - tanh x = sign(x) ((|x| - 1) + 2e / (1 + e)), two terms >= 0.
    cdef double a = fabs(x), e, h, r
    if a < 1.0:
        return copysign(fa_x_tanh_x_small(x, &h, &r), x)           # keeps -0.0
    e = fa_exp(-2.0 * a)
    return copysign((a - 1.0) + 2.0 * e / (1.0 + e), x)

cdef inline float fa_tanh_shrink_f32(float x) noexcept nogil:
    # Natively in float (through double: 183 instructions per 16 floats, and
    # NumPy's x - np.tanh(x) was twice as fast), from a = |x|, sign last:
    # a < 1: a^3 g(a^2) as fa_x_tanh_x_small, a^3 = h + l (FMA), g's float
    # fit in a^2 - 1/2 (tools/tanh_shrink_poly.py --float, 3.4e-9; centred,
    # so that the Horner sum does not cancel) with c_0 in two floats,
    # rounded about once at the end. a >= 1: (a - 1) + 2e / (1 + e), e =
    # e^-2a = eh + el (fa_expf_neg_split; scaled by 2^-64 past a = 40, where
    # the second term is below a's rounding), 1 + e = d + dl (Fast2Sum),
    # the quotient corrected by its exact residual; a - 1 is exact.
    # Every float32 input: tools/exhaustive_f32.py.
    cdef float a = fabsf(x)
    # a < 1
    cdef float u = a * a
    cdef float ul = fmaf(a, a, -u)
    cdef float h = a * u
    cdef float l = fmaf(a, u, -h) + a * ul
    cdef float v = u - <float>0.5                 # exact for u >= 1/4
    cdef float q = TANH_SHRINK_F_C[7]
    q = fmaf(q, v, TANH_SHRINK_F_C[6])
    q = fmaf(q, v, TANH_SHRINK_F_C[5])
    q = fmaf(q, v, TANH_SHRINK_F_C[4])
    q = fmaf(q, v, TANH_SHRINK_F_C[3])
    q = fmaf(q, v, TANH_SHRINK_F_C[2])
    q = fmaf(q, v, TANH_SHRINK_F_C[1])
    q = fmaf(q, v, TANH_SHRINK_F_C[0])
    cdef float r = fmaf(h, fmaf(v, q, TANH_SHRINK_F_C0_LO), l * TANH_SHRINK_F_C0_HI)
    cdef float small = fmaf(h, TANH_SHRINK_F_C0_HI, r)
    # a >= 1
    cdef float el, scale, dl
    cdef float eh = fa_expf_neg_split(<float>-2.0 * a, &el, &scale)
    cdef float d = fa_one_plus_f(eh, el, &dl)
    cdef float t = fa_div_pair_f(<float>2.0 * eh, <float>2.0 * el, d, dl)
    cdef float large = (a - <float>1.0) + t * scale
    cdef float y = small if a < <float>1.0 else large
    return copysignf(y, x)

cdef inline double fa_tanh_shrink_vjp(double gy, double x) noexcept nogil:
    # 1 - tanh' = tanh^2. For |x| < 1, tanh x = x - s with s = x - tanh x
    # from the series, t = th + tl (two-sum) and t^2 = th^2 + 2 th tl with th^2
    # exact (FMA): about one rounding, where squaring libm's tanh (up to 2
    # ULP) would double its error. For |x| >= 1, 1 - sech^2 (sech^2 <= 0.42,
    # from e^-2|x| as tanh_backward).
    cdef double a = fabs(x), s, h, r, th, tl, p
    if a < 1.0:
        s = fa_x_tanh_x_small(x, &h, &r)
        th = x - s
        tl = fa_two_sum_lo(x, -s, th) - (fma(h, TANH_SHRINK_C0_HI, -s) + r)
        p = th * th
        return gy * (p + (fma(th, th, -p) + 2.0 * th * tl))
    return gy * (1.0 - fa_tanh_vjp(1.0, x))

cdef inline double fa_threshold(double x, double threshold, double value) noexcept nogil:
    # As PyTorch: value where x <= threshold (so NaN stays NaN).
    return value if x <= threshold else x

cdef inline double fa_threshold_vjp(double gy, double x, double threshold, double value) noexcept nogil:
    if x <= threshold:
        return 0.0
    return x if x != x else gy


# =========================================================================
# Native float32 kernels (issue 5: speed). For a float32 result, double
# arithmetic carries 29 spare bits, so the plain formulas are accurate once
# the exponential is accurate to float precision (fa_exp_f32acc, 6e-9):
# each kernel below computes in double and rounds once (measured < 1 ULP,
# tests/test_accuracy.py). They are branch-free -- every candidate is
# computed, then selected -- so their loops vectorise; limits at +-inf are
# selected explicitly where the formula would give inf * 0. Most use
# fa_exp_normal_f32acc (e^x clamped at e^-708, 0 where fa_exp_f32acc's
# result rounds to 0; arguments <= 709): where e^x is smaller, the result
# times any float32 factors still rounds to 0 in float32; they then select
# NaN themselves. (Not where a double parameter could be huge: elu/celu's
# alpha.) The float64 kernels above keep their double-double care.

cdef inline float fa_one_plus_f(float e, float el, float* dl) noexcept nogil:
    # fa_one_plus in float: 1 + (e + el) = d + dl exactly (Fast2Sum, 1 >= e)
    cdef float d = <float>1.0 + e
    dl[0] = (e - (d - <float>1.0)) + el
    return d

cdef inline float fa_div_pair_f(float n, float nl, float d, float dl) noexcept nogil:
    # (n + nl) / (d + dl) in float, rounded about once: q = n (1/d) from
    # one reciprocal, its residual n - q d exact (FMA), so
    # q + (n - q d + nl - q dl) / d is ~0.5 ULP (silu, tanh_shrink)
    cdef float rd = <float>1.0 / d
    cdef float q = n * rd
    return fmaf(fmaf(-q, d, n) + fmaf(-q, dl, nl), rd, q)

cdef inline double fa_sigmoid_ratio(double t, double e) noexcept nogil:
    # sigmoid(t) from e = e^-|t|: 1/(1+e) for t >= 0, e/(1+e) below
    return (1.0 if t >= 0.0 else e) / (1.0 + e)

cdef inline double fa_sigmoid_f32acc(double t) noexcept nogil:
    # sigmoid(t) to float32 accuracy in double, NaN passing through (the
    # exponential turns NaN into 0)
    cdef double s = fa_sigmoid_ratio(t, fa_exp_normal_f32acc(-fabs(t)))
    return s if t == t else t

cdef inline double fa_sigmoid_and_d(double t, double e, double* dsig) noexcept nogil:
    # sigmoid(t) and sigmoid'(t) = e/(1+e)^2 from e = e^-|t| with one
    # division, r = 1/(1+e) (1+e in [1, 2]): (1 or e) r and e r^2. For the
    # float32 kernels computing in double (extra 2^-53 roundings).
    cdef double r = 1.0 / (1.0 + e)
    dsig[0] = e * (r * r)
    return (1.0 if t >= 0.0 else e) * r

cdef inline double fa_x_sigmoid_f32acc(double x, double t) noexcept nogil:
    # x sigmoid(t), with the limit 0 (sign of x) where t = -inf; NaN where t
    # is (beta NaN, or inf * 0)
    cdef double y = x * fa_sigmoid_f32acc(t)
    return y if t != -INFINITY else copysign(0.0, x)

cdef inline double fa_dx_x_sigmoid_f32acc(double t, double dt) noexcept nogil:
    # d/dx x sigmoid(t(x)) for t = beta x: sigmoid(t) + t sigmoid(t)(1 - sigmoid(t)),
    # sigmoid(1 - sigmoid) = e/(1+e)^2; limits 1 and 0 at t = +-inf.
    # One division, not two: sigma = (1 or e)/d and sigma(1 - sigma) = e/d^2
    # with d = 1 + e give g = (d + t e)/d^2 (t >= 0) or e (d + t)/d^2 (t < 0);
    # d + t cancels only at the zero of g (t = -1.28), where its absolute
    # error 2^-53 is still 0.25 float ULP of the nearest float32's result.
    cdef double e = fa_exp_normal_f32acc(-fabs(t))
    return fa_dx_x_sigmoid_from_e(t, e, 1.0 / (1.0 + e))

cdef inline double fa_dx_x_sigmoid_from_e(double t, double e, double r) noexcept nogil:
    # fa_dx_x_sigmoid_f32acc given e = e^-|t| and r = 1/(1 + e), a reciprocal
    # the caller may share (g = num r^2: in double, 2^-53 more)
    cdef double d = 1.0 + e
    cdef double num = fma(t, e, d) if t >= 0.0 else e * (d + t)
    cdef double g = num * (r * r)
    g = g if fabs(t) < INFINITY else (1.0 if t > 0.0 else -0.0)   # e^t (1 + t) -> -0
    return g if t == t else t

cdef inline float fa_silu_f32(float x) noexcept nogil:
    # Native float (16 lanes, against 8 for double), x / (1 + e^-x) with the
    # roundings carried: e = e^-|x| = eh + el (fa_expf_neg_split, ~0.2 ULP),
    # numerator x (x >= 0) or x e = n + nl (x < 0, exact by FMA), 1 + eh =
    # d + dl (exact: Fast2Sum, 1 >= eh). With q ~ n/d from one reciprocal,
    # the residual n - q d is exact (FMA), so
    #   y = q + (n - q d + nl - q (dl + el)) / d
    # rounds once at the end: ~0.5 ULP + the exponential's error.
    # For x < -80 the numerator is scaled by 2^64 and the result scaled back
    # last, so that results whose e^x is subnormal keep their bits. Below
    # -120 (where the exponential is clamped) silu is below 1e-50: -0.
    cdef float el, scale
    cdef float eh = fa_expf_neg_split(-fabsf(x), &el, &scale)
    cdef bint neg = x < 0.0
    # n + nl = x * (eh + el) or x * 1, the factor selected rather than the
    # products: a select on n made GCC compute the quotient below twice
    cdef float f = eh if neg else <float>1.0
    cdef float n = x * f
    cdef float nl = fmaf(x, f, -n) + x * (el if neg else <float>0.0)
    cdef float dl
    cdef float d = fa_one_plus_f(eh * scale, el * scale, &dl)
    cdef float y = fa_div_pair_f(n, nl, d, dl)
    y = y * scale if neg else y
    # NaN, +inf, and -0 (the residual gave +0: q + c/d with c = +0, q = -0;
    # -(-c/d - q) is folded back by GCC, a copysign took one more)
    y = y if ((fabsf(x) < INFINITY) & (x != 0.0)) else x
    return y if not (x < -120.0) else <float>-0.0

cdef inline float fa_silu_vjp_f32(float gy, float x) noexcept nogil:
    return <float>(gy * fa_dx_x_sigmoid_f32acc(x, 1.0))

# swish at beta = 1 (the default) is silu: twins for _kernels.pyx.tp
# PARAM_FAST, silu's kernels (native float32; float64 with plain roundings)
# where the general ones carry beta x.
cdef inline float fa_swish_f32_b1(float x, double beta) noexcept nogil:
    return fa_silu_f32(x)

cdef inline float fa_swish_vjp_f32_b1(float gy, float x, double beta) noexcept nogil:
    return fa_silu_vjp_f32(gy, x)

cdef inline double fa_swish_b1(double x, double beta) noexcept nogil:
    return fa_silu(x)

cdef inline double fa_swish_vjp_b1(double gy, double x, double beta) noexcept nogil:
    return fa_silu_vjp(gy, x)

cdef inline float fa_swish_f32(float x, double beta) noexcept nogil:
    # beta = 0: x / 2 as float64 (t = 0 * inf is NaN, the limit is inf)
    cdef double y = fa_x_sigmoid_f32acc(x, beta * x)
    return <float>(0.5 * x if beta == 0.0 else y)

cdef inline float fa_swish_vjp_f32(float gy, float x, double beta) noexcept nogil:
    # beta = 0: gy / 2 for every x but NaN, as float64
    cdef double g = fa_dx_x_sigmoid_f32acc(beta * x, 1.0)
    g = (0.5 if x == x else <double>x) if beta == 0.0 else g
    return <float>(gy * g)

cdef inline double fa_softplus_f32acc(double x, double beta, double threshold) noexcept nogil:
    # log1p(e^t)/beta = max(t, 0)/beta + log1p(e^-|t|)/beta, t = beta x;
    # x itself where t > threshold (PyTorch's cut-off, inf by default). A
    # NaN t keeps x in the first term (the exponential turns NaN into 0), so
    # y is NaN for NaN x or beta, and a NaN threshold selects y, as float64
    # does ("t <= threshold" returned x for beta NaN)
    cdef double t = beta * x
    cdef double y = (x if not (t <= 0.0) else 0.0) + fa_log1p_unit_f32acc(fa_exp_normal_f32acc(-fabs(t))) * (1.0 / beta)
    return x if t > threshold else y

cdef inline float fa_softplus_f32(float x, double beta, double threshold) noexcept nogil:
    return <float>fa_softplus_f32acc(x, beta, threshold)

cdef inline float fa_softplus_vjp_f32(float gy, float x, double beta, double threshold) noexcept nogil:
    cdef double t = beta * <double>x
    cdef double s = fa_sigmoid_f32acc(t)
    return <float>(gy * (s if not (t > threshold) else 1.0))

cdef inline float fa_softplus_f32_b1(float x, double beta, double threshold) noexcept nogil:
    # softplus at beta = 1 (_kernels.pyx.tp PARAM_FAST) natively in float:
    # max(x, 0) + log1p(e), e = e^-|x| = eh + el (fa_expf_neg_split, ~0.2
    # ULP), log1p by fa_log1pf_unit; one rounding more for x > 0 (1.30 ULP
    # at most over every float, against 0.57 through double; 83 instructions
    # per 16 floats against 137, softplus 1975 -> 1179 us at 10^6). Where
    # |x| > 80 (e scaled by 2^64 there) log1p(e) = e. x where x > threshold
    # (a NaN threshold selects nothing, as in the general kernel). NaN passes
    # through, softplus(-inf) = 0.
    cdef float el, scale
    cdef float eh = fa_expf_neg_split(-fabsf(x), &el, &scale)
    cdef float L = fa_log1pf_unit(eh, el)
    L = (eh + el) * scale if scale != <float>1.0 else L
    cdef float y = (x if x > <float>0.0 else <float>0.0) + L
    # (compared in double, as the general kernel: fa_float_below here kept
    # GCC from vectorising the loop)
    y = x if <double>x > threshold else y
    return y if x == x else x

cdef inline float fa_log_sigmoid_f32(float x) noexcept nogil:
    # -softplus(-x), natively in float as fa_softplus_f32_b1
    return -fa_softplus_f32_b1(-x, 1.0, INFINITY)

cdef inline float fa_log_sigmoid_vjp_f32(float gy, float x) noexcept nogil:
    return <float>(gy * fa_sigmoid_f32acc(-<double>x))

cdef inline double fa_tanh_softplus_f32acc(double x, double* one_minus, double* sig) noexcept nogil:
    # tanh(softplus(x)) = r = n/(n + 2), 1 - r = 2/(n + 2), n = E (E + 2),
    # E = e^x, and sigmoid(x) = E/(1 + E) (for mish'), from one division:
    # q = 1/((n + 2)(1 + E)). No cancellation anywhere, and no selects before
    # the division (GCC turned those into masked divisions, two per
    # candidate). x is clamped at 20, past which r = 1 in double and the
    # callers select their limits (n + 2 then stays below 1e26). In double,
    # the extra roundings (2^-53) do not show in a float32 result; nor does
    # E = e^-708 for x below it (x E and x E^2 then round to 0 in float32);
    # for NaN x, E is 0 and the callers select x.
    cdef double xc = x if x < 20.0 else 20.0
    cdef double E = fa_exp_normal_f32acc(xc)
    cdef double n = E * (E + 2.0)
    cdef double q = 1.0 / ((n + 2.0) * (1.0 + E))
    one_minus[0] = 2.0 * (1.0 + E) * q
    sig[0] = E * (n + 2.0) * q
    return n * (1.0 + E) * q

cdef inline float fa_mish_f32(float x) noexcept nogil:
    cdef double om, s
    cdef double y = x * fa_tanh_softplus_f32acc(x, &om, &s)
    y = y if x <= 20.0 else x               # and NaN stays NaN
    return <float>(y if x != -INFINITY else -0.0)

cdef inline float fa_mish_vjp_f32(float gy, float x) noexcept nogil:
    # mish' = r + x sech^2(softplus(x)) sigmoid(x), sech^2 = (1 - r)(1 + r);
    # 1 past x = 20 (1 + 20 * 4e^-40 rounds to 1), 0 at -inf
    cdef double xd = x
    cdef double om, s
    cdef double r = fa_tanh_softplus_f32acc(xd, &om, &s)
    cdef double g = r + xd * (om * (1.0 + r)) * s
    g = g if xd <= 20.0 else 1.0
    # -0 where e^x (1 + x) ~ mish' rounds to 0 (-0 in float64's kernel)
    g = g if not (xd < -745.0) else -0.0
    return <float>(gy * (g if xd == xd else xd))

cdef inline float fa_elu_f32(float x, double alpha) noexcept nogil:
    cdef double xd = x
    return <float>(xd if xd > 0.0 else alpha * fa_expm1_neg_f32acc(xd))

cdef inline float fa_elu_vjp_f32(float gy, float x, double alpha) noexcept nogil:
    cdef double xd = x
    return <float>(gy * (1.0 if xd > 0.0 else alpha * fa_exp_f32acc(xd)) if xd == xd else xd)

cdef inline float fa_elu_vjp_f32_a1(float gy, float x, double alpha) noexcept nogil:
    # elu' (and celu') at alpha = 1, the default (_kernels.pyx.tp PARAM_FAST
    # picks it per call): gy e^x natively in float, 16 lanes and no
    # conversions, where the general kernel computes gy alpha e^x in double.
    # e^x = e^r 2^n: gy (e^r / 2) rounds twice (e^r = 1 + q r rounded, and
    # the product: 0.75 ULP measured by tools/accuracy_table.py, against
    # 0.55 in double; the promise is 2), then 2^(n + 1) in three exact
    # factors (gy up to 2^128
    # times e^x stays normal down to x = -176, beyond float's exponent
    # range; halving e^r keeps gy e^r / 2 from overflowing). x is clamped
    # at -200 (every result is 0 there but for gy = inf); below -745.13,
    # where e^x is 0 in double, gy * 0 as the general kernel (NaN for an
    # infinite gy). A factor that takes the product below the normal range
    # is followed only by factors <= 1: such results are subnormal anyway.
    cdef float r, nf
    # -|x| clamped at -200 by one integer min (a positive x gives e^-x,
    # dropped below; NaN gives -200, restored last)
    cdef float xc = -fabsf(fa_clamp_magnitude_f(x, 0x43480000))
    cdef int n = fa_exp_reduce_unclamped_f(xc, &r, &nf)
    cdef float h = fmaf(fa_expm1_reduced_f(r), r, 1.0) * <float>0.5
    cdef int k = n + 1
    cdef int a = k if k > -126 else -126
    cdef int rest = k - a
    cdef int b = rest if rest > -126 else -126
    cdef float y = (gy * h) * fa_pow2f(a) * fa_pow2f(b) * fa_pow2f(rest - b)
    y = gy if x > <float>0.0 else y
    y = y if not (x < <float>-745.1332191019412) else gy * <float>0.0
    return y if x == x else x

cdef inline float fa_selu_f32(float x) noexcept nogil:
    cdef double xd = x
    return <float>(SELU_SCALE_HI * xd if xd > 0.0 else SELU_SA_HI * fa_expm1_neg_f32acc(xd))

cdef inline float fa_selu_vjp_f32(float gy, float x) noexcept nogil:
    cdef double xd = x
    # (the exponential of min(x, 0): fa_exp_normal_f32acc takes x <= 709)
    cdef double d = SELU_SCALE_HI if xd > 0.0 else SELU_SA_HI * fa_exp_normal_f32acc(xd if xd < 0.0 else 0.0)
    return <float>(gy * d if xd == xd else xd)

cdef inline float fa_celu_f32(float x, double alpha) noexcept nogil:
    # any alpha != 0: for alpha < 0 and x < 0 the argument x / alpha is
    # positive (celu(-1, alpha=-1) = -expm1(1) = -1.718), beyond
    # fa_expm1_neg_f32acc, so the float64 expm1. alpha > 0, the usual case,
    # goes to fa_celu_f32_pos (_kernels.pyx.tp PARAM_FAST).
    cdef double xd = x
    return <float>(xd if xd > 0.0 else alpha * fa_expm1(xd / alpha))

cdef inline float fa_celu_f32_pos(float x, double alpha) noexcept nogil:
    # alpha > 0: x / alpha <= 0 where the exponential is used. x * (1/alpha),
    # not x / alpha: the argument's extra 2^-53 relative error is far below
    # float precision, and the division bounded the loop
    cdef double xd = x
    return <float>(xd if xd > 0.0 else alpha * fa_expm1_neg_f32acc(xd * (1.0 / alpha)))

cdef inline float fa_celu_vjp_f32(float gy, float x, double alpha) noexcept nogil:
    cdef double xd = x
    return <float>(gy * (1.0 if xd > 0.0 else fa_exp_f32acc(xd / alpha)) if xd == xd else xd)

cdef inline float fa_sigmoid_vjp_f32(float gy, float x) noexcept nogil:
    cdef double e = fa_exp_normal_f32acc(-fabs(<double>x))
    cdef double d = 1.0 + e
    cdef double g = e / (d * d)
    return <float>(gy * (g if x == x else x))

cdef inline float fa_tanh_vjp_f32(float gy, float x) noexcept nogil:
    # sech^2 = 4e/(1+e)^2, e = e^-2|x| (e^-2|x| stays normal in the float
    # range where the result is normal)
    cdef double e = fa_exp_normal_f32acc(-2.0 * fabs(<double>x))
    cdef double d = 1.0 + e
    cdef double g = (4.0 * e) / (d * d)
    return <float>(gy * (g if x == x else x))

cdef inline float fa_gelu_tanh_vjp_f32(float gy, float x) noexcept nogil:
    # sigma(t) + x t' sigma(t)(1 - sigma(t)), t = 2 sqrt(2/pi)(x + 0.044715 x^3)
    cdef double xd = x
    cdef double xc = xd if fabs(xd) <= 30.0 else 0.0
    cdef double t = GELU_K2_HI * (xc + GELU_C_HI * (xc * xc * xc))
    cdef double xdt = GELU_K2_HI * (xc + 3.0 * GELU_C_HI * (xc * xc * xc))
    cdef double ds
    cdef double g = fa_sigmoid_and_d(t, fa_exp_normal_f32acc(-fabs(t)), &ds)
    g = g + xdt * ds
    # below -20 the derivative, e^t (1 + x t') < 0, is below 1e-259: -0 (as
    # the float64 kernel's), where the clamped exponential gave +0
    g = g if ((xd >= -20.0) & (xd <= 30.0)) else (1.0 if xd > 0.0 else -0.0)
    return <float>(gy * (g if xd == xd else xd))


# ---- gated units (issue 4) ---------------------------------------------------
# x = [a, b] along an axis. fa_G(a, b) is the unit; fa_G_vjp(gy, a, b, &ga, &gb)
# writes the gradients of both halves.

cdef inline double fa_glu(double a, double b) noexcept nogil:
    # below b = -700 the loops redo it by fa_glu_far
    return a * fa_sigmoid(b)

cdef inline void fa_glu_vjp(double gy, double a, double b, double* ga,
                            double* gb) noexcept nogil:
    # sigmoid(b) and sigmoid'(b) = e/(1 + e)^2 from one e = e^-|b| (two
    # exponentials before), sigmoid = (1 or e)/(1 + e)
    # and sigmoid' each divided once with their exact remainders
    # (fa_div_dd), 1 + e and (1 + e)^2 carried as pairs.
    # (below b = -700 the loops redo it by fa_glu_far_vjp)
    cdef double e = fa_exp(-fabs(b))
    cdef double dl, ddl
    cdef double d = fa_one_plus(e, 0.0, &dl)
    cdef double dd = fa_square_dd(d, dl, &ddl)
    ga[0] = gy * fa_div_dd(1.0 if b >= 0.0 else e, 0.0, d, dl)
    gb[0] = (gy * a) * fa_div_dd(e, 0.0, dd, ddl)

cdef inline void fa_gate_vjp(double gy, double b, double f, double df, double* ga,
                             double* gb) noexcept nogil:
    # the gradients of f(a) * b, given f(a) and f'(a)
    ga[0] = (gy * b) * df
    gb[0] = gy * f

cdef inline double fa_swiglu(double a, double b) noexcept nogil:
    # silu(a) b = a / (1 + e^-a) b: past a = -709.8 e^-a is inf and silu -0
    # (below a = -700 the loops redo it by fa_swiglu_far); a = -inf: -0 b.
    cdef double y = (a / (1.0 + fa_exp(-a))) * b
    return y if a != -INFINITY else -0.0 * b

cdef inline void fa_swiglu_vjp(double gy, double a, double b, double* ga,
                               double* gb) noexcept nogil:
    # silu = a / (1 + e^-a) and silu' = sigmoid(a) (1 + a sigmoid(-a)), each
    # sigmoid as 1/(1 + e^-t) (no 1 - sigmoid cancellation), as selects (the
    # branches on the infinities they replace blocked vectorisation); at
    # +-inf the limits 1, 0 and -0. Below a = -700 the loops redo it by
    # fa_swiglu_far_vjp.
    cdef double en = fa_exp(-a)
    cdef double f = a / (1.0 + en)
    cdef double df = (1.0 + a / (1.0 + fa_exp(a))) / (1.0 + en)
    df = df if fabs(a) != INFINITY else (1.0 if a > 0.0 else 0.0)
    ga[0] = (gy * b) * df
    gb[0] = gy * (f if a != -INFINITY else -0.0)

# The far tails (see fa_gate_far), called by the loops where the gate's
# argument is below -700: sigmoid(b) = e^b and sigmoid'(b) = e^b there (to
# 2^-1000 relative), silu(a) = a e^a and silu'(a) = (1 + a) e^a. a and
# 1 + a (|a| < 1402 where it matters) enter scaled by 2^-11, so that the
# product with b or gy b cannot overflow; 2^11 comes back exactly.

cdef inline bint fa_gate_rounds_to_0(double t) noexcept nogil:
    # e^t rounds to 0 by itself below t = ln(2^-1075): there an infinite
    # other factor gives NaN (inf * 0), as in the float32 kernels (whose
    # gate is a double) and sigmoid'
    return t < -745.1332191019412

cdef inline double fa_glu_far(double a, double b) noexcept nogil:
    if fa_gate_rounds_to_0(b) and fabs(a) == INFINITY:
        return a * 0.0
    return fa_gate_far(a, b, 1.0)

cdef inline void fa_glu_far_vjp(double gy, double a, double b, double* ga,
                                double* gb) noexcept nogil:
    ga[0] = gy * 0.0 if fa_gate_rounds_to_0(b) and fabs(gy) == INFINITY else fa_gate_far(gy, b, 1.0)
    cdef double gya = gy * a
    gb[0] = gya * 0.0 if fa_gate_rounds_to_0(b) and fabs(gya) == INFINITY else fa_gate_far(gya, b, 1.0)

cdef inline double fa_swiglu_far(double a, double b) noexcept nogil:
    if not (a >= -1500.0) or (fa_gate_rounds_to_0(a) and fabs(b) == INFINITY):
        return fa_swiglu(a, b)      # -0 b: a 2^-11 b could overflow there
    return fa_gate_far((a * 4.8828125e-4) * b, a, 2048.0)

cdef inline void fa_swiglu_far_vjp(double gy, double a, double b, double* ga,
                                   double* gb) noexcept nogil:
    cdef double gyb = gy * b
    if not (a >= -1500.0):
        fa_swiglu_vjp(gy, a, b, ga, gb)     # 0 and -0 (see fa_swiglu_far)
        return
    if fa_gate_rounds_to_0(a) and fabs(gyb) == INFINITY:
        ga[0] = gyb * 0.0
    else:
        ga[0] = fa_gate_far(gyb * ((1.0 + a) * 4.8828125e-4), a, 2048.0)
    if fa_gate_rounds_to_0(a) and fabs(gy) == INFINITY:
        gb[0] = gy * -0.0
    else:
        gb[0] = fa_gate_far(gy * (a * 4.8828125e-4), a, 2048.0)


cdef inline double fa_geglu(double a, double b) noexcept nogil:
    return fa_gelu(a) * b

cdef inline void fa_geglu_vjp(double gy, double a, double b, double* ga,
                              double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gelu(a), fa_gelu_vjp(1.0, a), ga, gb)

cdef inline float fa_geglu_f32(float a, float b) noexcept nogil:
    # float32: gelu(a) to float accuracy in double (fa_gelu_f32acc), times b
    # in double, rounded once (cheaper than the double kernel's erfc)
    return <float>(fa_gelu_f32acc(a) * <double>b)

cdef inline void fa_geglu_vjp_f32(float gy, float a, float b, double* ga,
                                  double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gelu_f32acc(a), fa_gelu_d_f32acc(a), ga, gb)

cdef inline float fa_glu_f32(float a, float b) noexcept nogil:
    # float32 as the float32 kernels above: sigmoid(b) in double from a
    # float-accurate exp (reflected so e <= 1), times a, rounded once. At
    # b = -inf it is a * 0 (NaN for infinite a), as a * sigmoid(b) is. (A
    # native float version would need e^b scaled well past 2^64: a up to
    # 3e38 times e^b stays normal down to b = -176.)
    return <float>(a * fa_sigmoid_f32acc(b))

cdef inline void fa_glu_vjp_f32(float gy, float a, float b, double* ga,
                                double* gb) noexcept nogil:
    # sigmoid(b) and sigmoid'(b) = e/(1+e)^2 from one e = e^-|b|
    cdef double bd = b
    cdef double ds
    cdef double s = fa_sigmoid_and_d(bd, fa_exp_normal_f32acc(-fabs(bd)), &ds)
    ga[0] = gy * (s if bd == bd else bd)
    gb[0] = (gy * <double>a) * (ds if bd == bd else bd)

cdef inline float fa_swiglu_f32(float a, float b) noexcept nogil:
    # silu(a) to float accuracy in double, times b
    return <float>(fa_x_sigmoid_f32acc(a, a) * <double>b)

cdef inline void fa_swiglu_vjp_f32(float gy, float a, float b, double* ga,
                                   double* gb) noexcept nogil:
    # silu(a) and silu'(a) from one e = e^-|a| and one reciprocal
    cdef double ad = a
    cdef double e = fa_exp_normal_f32acc(-fabs(ad))
    cdef double r = 1.0 / (1.0 + e)
    cdef double f = ad * ((1.0 if ad >= 0.0 else e) * r)
    f = f if ad != -INFINITY else -0.0
    fa_gate_vjp(gy, b, f, fa_dx_x_sigmoid_from_e(ad, e, r), ga, gb)

cdef inline double fa_geglu_tanh(double a, double b) noexcept nogil:
    return fa_gelu_tanh(a) * b

cdef inline void fa_geglu_tanh_vjp(double gy, double a, double b, double* ga,
                                   double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gelu_tanh(a), fa_gelu_tanh_vjp(1.0, a), ga, gb)

# geglu's far tail, a < -36 (below, gelu(a) nears and enters the subnormal
# range while gelu(a) b can still be normal, down to a = -53): the
# asymptotic series Phi(a) = phi(a)/|a| S(1/a^2), S(y) = 1 - y + 3y^2 -
# 15y^3 + ... (A&S 26.2.12; the terms alternate and the first one omitted
# bounds the error: 2027025 y^8 < 3e-19 for |a| >= 36), phi(a) =
# e^(-a^2/2)/sqrt(2 pi) with a^2 = h + l exact (FMA) and e^(-l/2) = 1 - l/2.
# gelu(a) = a Phi(a) = -phi(a) S and gelu'(a) = Phi(a) + a phi(a) =
# phi(a) (a - S/a). b (gy b) enters scaled by 2^-100 (undone exactly in
# fa_gate_far; a scaling kept from its double version). gelu and gelu' round to 0 by themselves below -38.5801 and
# -38.6040 (float32's cut-offs): there an infinite factor gives NaN.
# (The vectorised kernels are exact to -36; only far lanes come here.)

cdef inline double fa_gelu_far_parts(double a, double* h, double* S) noexcept nogil:
    # h = a^2 rounded, S = S(1/a^2), and the returned c = e^(-l/2)/sqrt(2 pi)
    # (l = a^2 - h), each to about one rounding: phi(a) = c e^(-h/2)
    h[0] = a * a
    cdef double l = fma(a, a, -h[0])
    cdef double y = 1.0 / h[0]
    cdef double p = -135135.0
    p = fma(p, y, 10395.0)
    p = fma(p, y, -945.0)
    p = fma(p, y, 105.0)
    p = fma(p, y, -15.0)
    p = fma(p, y, 3.0)
    p = fma(p, y, -1.0)
    S[0] = fma(p, y, 1.0)
    return INV_SQRT_2PI + (INV_SQRT_2PI_LO - 0.5 * l * INV_SQRT_2PI)

cdef inline double fa_geglu_far(double a, double b) noexcept nogil:
    cdef double h, S
    if not (a >= -60.0) or (a < -38.5801415 and fabs(b) == INFINITY):
        return -0.0 * b             # gelu(a) b is 0 below -54 for any b
    cdef double c = fa_gelu_far_parts(a, &h, &S)
    return -fa_gate_far((b * 7.888609052210118e-31) * (c * S), -0.5 * h, 1.2676506002282294e30)

cdef inline void fa_geglu_far_vjp(double gy, double a, double b, double* ga,
                                  double* gb) noexcept nogil:
    cdef double h, S
    if not (a >= -60.0):
        fa_geglu_vjp(gy, a, b, ga, gb)      # 0 and -0 there (c d could overflow)
        return
    cdef double gyb = gy * b
    cdef double c = fa_gelu_far_parts(a, &h, &S)
    cdef double d = a - S / a          # S/a is a 1/|a| correction to a
    if a < -38.603969 and fabs(gyb) == INFINITY:
        ga[0] = gyb * 0.0
    else:
        ga[0] = fa_gate_far((gyb * 7.888609052210118e-31) * (c * d), -0.5 * h, 1.2676506002282294e30)
    if a < -38.5801415 and fabs(gy) == INFINITY:
        gb[0] = gy * -0.0
    else:
        gb[0] = -fa_gate_far((gy * 7.888609052210118e-31) * (c * S), -0.5 * h, 1.2676506002282294e30)

# geglu_tanh's far tail, a < -21 (t = 2 sqrt(2/pi) (a + 0.044715 a^3) <
# -694): gelu_tanh(a) = a sigmoid(t) = a e^(t + tl) and its derivative
# sigmoid(t) (1 + a t'(a)) = e^(t + tl) (1 + xdt) (to 2^-1000 relative),
# t + tl and xdt from fa_gelu_tanh_arg; the factors scaled by 2^-5 (|a| <=
# 30) and 2^-13 (|1 + xdt| < 5900) so that they cannot overflow. Below
# a = -30 the result is 0 (-0 b, as the vectorised kernel). Where the
# vectorised kernel's gate is 0 by itself, an infinite factor gives NaN as
# there (and in float32, which runs that kernel).

cdef inline double fa_geglu_tanh_far(double a, double b) noexcept nogil:
    cdef double t, tl, xdt
    if not (a >= -30.0) or (fabs(b) == INFINITY and fa_gelu_tanh(a) == 0.0):
        return fa_gelu_tanh(a) * b
    fa_gelu_tanh_arg(a, &t, &tl, &xdt)
    cdef double v = (a * 0.03125) * b
    return fa_gate_far(fma(v, tl, v), t, 32.0)

cdef inline void fa_geglu_tanh_far_vjp(double gy, double a, double b, double* ga,
                                       double* gb) noexcept nogil:
    cdef double t, tl, xdt, v
    cdef double gyb = gy * b
    if not (a >= -30.0):
        fa_geglu_tanh_vjp(gy, a, b, ga, gb)
        return
    fa_gelu_tanh_arg(a, &t, &tl, &xdt)
    if fabs(gyb) == INFINITY and fa_gelu_tanh_vjp(1.0, a) == 0.0:
        ga[0] = gyb * 0.0
    else:
        v = gyb * ((1.0 + xdt) * 1.220703125e-4)
        ga[0] = fa_gate_far(fma(v, tl, v), t, 8192.0)
    if fabs(gy) == INFINITY and fa_gelu_tanh(a) == 0.0:
        gb[0] = gy * fa_gelu_tanh(a)
    else:
        v = gy * (a * 0.03125)
        gb[0] = fa_gate_far(fma(v, tl, v), t, 32.0)

cdef inline double fa_reglu(double a, double b) noexcept nogil:
    return fa_relu(a) * b

cdef inline float fa_softsign_f32(float x) noexcept nogil:
    # as fa_softsign, in float: 1 + |x| = d + dl exactly (Fast2Sum), q ~ x/d
    # from one reciprocal, the residual x - q d exact (FMA), and
    # x / (d + dl) = q + (x - q d - q dl) / d rounded once: correctly
    # rounded except near a tie. Past |x| = 2^25 the result rounds to +-1
    # (also for inf; 1/d would lose bits to the subnormals far out); -0
    # keeps its sign.
    cdef float a = fabsf(x)
    cdef float d = <float>1.0 + a
    cdef float dl = (<float>1.0 - d) + a if a <= 1.0 else (a - d) + <float>1.0
    cdef float rd = <float>1.0 / d
    cdef float q = x * rd
    cdef float y = copysignf(fmaf(fmaf(-q, dl, fmaf(-q, d, x)), rd, q), x)
    return copysignf(<float>1.0, x) if a >= <float>33554432.0 else y

cdef inline void fa_reglu_vjp(double gy, double a, double b, double* ga,
                              double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_relu(a), fa_relu_vjp(1.0, a), ga, gb)


# ---- float32 selects and exact float products ----------------------------
# The clamps and cut-offs below stay in float: x is compared with the double
# parameter's float rounding (hard_tanh) or with fa_float_below(parameter)
# (the shrinks, threshold), which gives the double kernels' decisions, and
# the few sums (soft_shrink, hard_sigmoid) are carried as float pairs and
# rounded once. Converting to double and back bounded the clamps on AVX-512
# (vcvtpd2ps + vinsertf64x4: hard_tanh 188 us vs 104 us for PyTorch at 10^6
# float32; float selects: ~copy speed); products (leaky_relu, hard_swish')
# are cheaper in double than as float pairs with their edge selects.

cdef inline float fa_two_sum_lo_f(float a, float b, float s) noexcept nogil:
    # the rounding error of s = a + b in float (Knuth's two-sum), exact
    cdef float bv = s - a
    return (a - (s - bv)) + (b - bv)

cdef inline float fa_relu_f32(float x) noexcept nogil:
    # as fa_relu, compared in float: through double, each 16 floats took two
    # conversions and two compares (perf: relu 105 us at 10^6 against 86
    # for PyTorch, a plain copy 85)
    return x if not (x <= 0.0) else <float>0.0

cdef inline float fa_relu_vjp_f32(float gy, float x) noexcept nogil:
    cdef float g = gy if x > 0.0 else <float>0.0
    return g if x == x else x

cdef inline float fa_relu_vjp_y_f32(float gy, float y) noexcept nogil:
    return fa_relu_vjp_f32(gy, y)               # y > 0 exactly where x > 0

cdef inline float fa_relu6_vjp_f32(float gy, float x) noexcept nogil:
    cdef float g = gy if ((x > 0.0) & (x < 6.0)) else <float>0.0
    return g if x == x else x

cdef inline float fa_relu6_f32(float x) noexcept nogil:
    cdef float lo = x if not (x <= 0.0) else <float>0.0
    return <float>6.0 if x >= 6.0 else lo

cdef inline float fa_hard_tanh_f32(float x, double min_val, double max_val) noexcept nogil:
    # A float clamp to lo = float(min_val) gives the double kernel's result
    # rounded: x < lo implies x < min_val (lo is the float nearest min_val,
    # so no float lies strictly between them), x > lo implies x >= min_val,
    # and at x == lo both sides return lo. The same for max_val. Float
    # compares only (no conversions): the loop runs at relu's speed.
    cdef float lo = <float>min_val
    cdef float hi = <float>max_val
    cdef float y = lo if x < lo else x
    return hi if x > hi else y

cdef inline float fa_float_below(double v) noexcept nogil:
    # the largest float <= v (v not NaN): for float x, x <= v iff
    # x <= fa_float_below(v) and x > v iff x > fa_float_below(v), so a
    # comparison with a double parameter needs no conversion of x. Bit
    # arithmetic only (loop-invariant: GCC hoists it out of the loop).
    cdef float f = <float>v                   # nearest; +-inf beyond FLT_MAX
    cdef int b = fa_bitsf(f)
    cdef float prev = fa_from_bitsf(b - 1 if f > 0.0 else (b + 1 if f < 0.0 else -2147483647))   # -0 -> -2^-149
    return f if <double>f <= v else prev

cdef inline float fa_hard_tanh_vjp_f32(float gy, float x, double min_val, double max_val) noexcept nogil:
    # min_val < x < max_val in float: x > v iff x > fa_float_below(v), and
    # x < v iff -x > fa_float_below(-v)
    cdef bint inside = (x > fa_float_below(min_val)) & (-x > fa_float_below(-max_val))
    cdef float g = gy if inside else <float>0.0
    return g if x == x else x

cdef inline float fa_hard_tanh_vjp_y_f32(float gy, float y, double min_val, double max_val) noexcept nogil:
    return fa_hard_tanh_vjp_f32(gy, y, min_val, max_val)   # min < y < max iff min < x < max

cdef inline float fa_hard_shrink_f32(float x, double lambd) noexcept nogil:
    # -lambd <= x <= lambd, compared in float (fa_float_below)
    cdef float hi = fa_float_below(lambd)
    return <float>0.0 if ((-hi <= x) & (x <= hi)) else x

cdef inline float fa_hard_shrink_vjp_f32(float gy, float x, double lambd) noexcept nogil:
    cdef float hi = fa_float_below(lambd)
    cdef float g = <float>0.0 if ((-hi <= x) & (x <= hi)) else gy
    return g if x == x else x

cdef inline float fa_soft_shrink_f32(float x, double lambd) noexcept nogil:
    # x -+ lambd for |x| > lambd (lambd >= 0), rounded once: lambd = lh + ll
    # (two floats), x - lh = s + e exactly (two-sum), s + (e - ll) is the
    # correctly rounded difference except within ~2^-23 ULP of a tie. A
    # nonzero lambd outside [2^-100, 2^100] does not split into two normal
    # floats (lh could be inf or lose bits): the double formula; the test
    # is loop-invariant (GCC unswitches, both loops vectorise).
    cdef float hi = fa_float_below(lambd)
    cdef float lh = <float>lambd
    cdef float ll = <float>(lambd - <double>lh)
    cdef float m = lh if x > 0.0 else -lh
    cdef float ml = ll if x > 0.0 else -ll
    cdef float s = x - m
    cdef float y = s + (fa_two_sum_lo_f(x, -m, s) - ml)
    y = x if fabsf(x) == INFINITY else y          # inf - lh (the two-sum would give NaN)
    if (lambd > 1.2676506002282294e30) | ((lambd < 7.888609052210118e-31) & (lambd != 0.0)):
        y = <float>(<double>x - (lambd if x > 0.0 else -lambd))
    y = y if ((x > hi) | (x < -hi)) else <float>0.0
    return y if x == x else x

cdef inline float fa_soft_shrink_vjp_f32(float gy, float x, double lambd) noexcept nogil:
    return fa_hard_shrink_vjp_f32(gy, x, lambd)

cdef inline float fa_threshold_f32(float x, double threshold, double value) noexcept nogil:
    return <float>value if x <= fa_float_below(threshold) else x

cdef inline float fa_threshold_vjp_f32(float gy, float x, double threshold, double value) noexcept nogil:
    cdef float g = <float>0.0 if x <= fa_float_below(threshold) else gy
    return g if x == x else x

# hard_sigmoid and hard_swish in float32: sums carried exactly as float
# pairs and divided by 6 through 1/6 in two floats (fa_div6_f32).

cdef extern from *:
    """
    /* 1/6 = FA_SIXTH_F + FA_SIXTH_LO_F to 2^-50 relative */
    static const float FA_SIXTH_F = 0.166666672f;
    static const float FA_SIXTH_LO_F = -4.96705388e-09f;
    /* 1/6 = FA_SIXTH + FA_SIXTH_LO (mpmath), FA_SIXTH_LO > 0 */
    static const double FA_SIXTH = 0.16666666666666666;
    static const double FA_SIXTH_LO = 9.25185853854297e-18;
    """
    const float FA_SIXTH_F, FA_SIXTH_LO_F
    const double FA_SIXTH, FA_SIXTH_LO

cdef inline float fa_div6_f32(float ph, float pl) noexcept nogil:
    # (ph + pl) / 6 for |pl| <= ulp(ph), rounded once from a value within
    # ~2^-47 relative of the quotient: the correctly rounded result except
    # within 2^-23 ULP of a tie. No division: 1/6 in two floats.
    return fmaf(ph, FA_SIXTH_F, fmaf(ph, FA_SIXTH_LO_F, pl * FA_SIXTH_F))

cdef inline float fa_hard_sigmoid_f32(float x) noexcept nogil:
    # (x + 3) / 6 in float: s + sl = x + 3 exactly (Fast2Sum: |x| < 3 where
    # it is used), divided by fa_div6_f32: correctly rounded except within
    # 2^-23 ULP of a tie (the double version rounded twice: 2^-29 ULP).
    cdef float s = x + <float>3.0
    cdef float sl = x - (s - <float>3.0)
    cdef float y = fa_div6_f32(s, sl)
    y = <float>0.0 if x <= -3.0 else y
    return <float>1.0 if x >= 3.0 else y                # NaN passes through

cdef inline float fa_hard_sigmoid_vjp_f32(float gy, float x) noexcept nogil:
    # gy / 6 rounded once (a float division); 0 at the kinks, as PyTorch
    cdef float g = gy / <float>6.0 if ((x > -3.0) & (x < 3.0)) else <float>0.0
    return g if x == x else x

cdef inline float fa_hard_swish_f32(float x) noexcept nogil:
    # x (x + 3) / 6 in float, rounded twice: s + sl = 3 + x exactly
    # (Fast2Sum, |x| < 3 where it is used), x (s + sl) rounded once by one
    # FMA (x sl is tiny), then the division: as the float64 kernel's two
    # roundings, within the 2-ULP promise of a function that is not
    # piecewise linear. Rounding it once (the product as a pair, / 6 by
    # 1/6 in two floats: 0.5 ULP) took 22 instructions per 16 floats,
    # compute-bound at twice hard_sigmoid's time (179 vs 91 us at 10^6, one
    # thread; PyTorch 139); plain x (x + 3) / 6 (three roundings) measured
    # 1.82 ULP, too near the bound.
    cdef float s = <float>3.0 + x
    cdef float sl = x - (s - <float>3.0)
    # -(x s + x sl) / -6: the same value, and -0 at x = -0, where x s + x sl
    # is -0 + +0 = +0 (the negations fold into one FNMSUB; a copysign on
    # the result cost two instructions and 18% of the time)
    cdef float y = fmaf(-x, s, -(x * sl)) / <float>-6.0
    y = x if x >= 3.0 else y
    return <float>0.0 if x <= -3.0 else y              # 0, not -inf * 0

cdef inline float fa_hard_swish_vjp_f32(float gy, float x) noexcept nogil:
    # gy (2x + 3) / 6 through double: t = 2x + 3 and p = gy t are exact for
    # |x| >= 1/32 (t has at most 29 bits, gy 24), and p/6 =
    # fma(p, SIXTH, p SIXTH_LO) is within 2^-53 relative. A float midpoint m
    # is either p/6 itself (then q = m exactly, and the float rounding breaks
    # the tie as it should) or farther than 2^-53 |m| from it (|p - 6m| is at
    # least p's last bit), more than half a double ULP of m: the double q
    # rounds to the correct float. |x| < 1/32 rounds p (and t below
    # 2^-29): correctly rounded except within 2^-27 ULP of a midpoint. The
    # float pair version this replaced (two-sum, 1/6 in two floats, a
    # product of pairs with its edge selects) took 38 instructions per 16
    # floats against 27 (307 vs 325 us at 10^6, one thread), promised
    # 2^-22 ULP, and lost bits of subnormal results (0.75 ULP there). Specials come out of the
    # double arithmetic (inf 0 = NaN at x = -1.5, as the float64 kernel).
    # PyTorch's choice at the kinks: 0 at x = -3, gy at x = 3.
    cdef double p = <double>gy * fma(2.0, <double>x, 3.0)
    cdef float g = <float>fma(p, FA_SIXTH, p * FA_SIXTH_LO)
    g = gy if x >= 3.0 else g
    return <float>0.0 if x <= -3.0 else g

# The backward from y in float32: y (1 - y) = fma(-y, y, y) and 1 - y^2 =
# fma(-y, y, 1) each round once, then the product with gy: two roundings
# (< 1 ULP of the exact derivative at the given y), all in float.
cdef inline float fa_sigmoid_vjp_y_f32(float gy, float y) noexcept nogil:
    cdef float d = fmaf(-y, y, y)
    return gy * (d if y != INFINITY else -y)      # inf (1 - inf) = -inf, not NaN

cdef inline float fa_tanh_vjp_y_f32(float gy, float y) noexcept nogil:
    return gy * fmaf(-y, y, <float>1.0)

cdef inline float fa_mul_double_f32(float x, double slope) noexcept nogil:
    # x * slope in double, rounded to float: the float64 kernel's product
    # rounded (0.5 + 2^-29 ULP), with every edge for free (-0, inf, NaN,
    # products near float's subnormals, any slope). Measured against the
    # float pair it replaced (fma(x, sh, x sl) plus the selects those edges
    # need): 175 vs 249 us at 10^6 in a C loop (a plain copy 85), and
    # leaky_relu 0.53x -> 0.75x of PyTorch in one run.
    return <float>(<double>x * slope)

cdef inline float fa_leaky_relu_f32(float x, double slope) noexcept nogil:
    return x if x > <float>0.0 else fa_mul_double_f32(x, slope)

cdef inline float fa_leaky_relu_vjp_f32(float gy, float x, double slope) noexcept nogil:
    # as fa_leaky_relu_vjp: gy for x > 0, NaN passes through, gy * slope else
    cdef float g = gy if x > <float>0.0 else fa_mul_double_f32(gy, slope)
    return g if x == x else x

cdef inline float fa_leaky_relu_vjp_y_f32(float gy, float y, double slope) noexcept nogil:
    return fa_leaky_relu_vjp_f32(gy, y, slope)  # y > 0 exactly where x > 0 (slope >= 0)

# The slope as a float pair (sh, sl) certified for it (_slope32.h): the same
# bits as the kernels above wherever the loops call these (blocks without
# 0 < |x| < lo), in float arithmetic. fmaf is one instruction there (the
# FMA builds only).
cdef inline float fa_leaky_relu_f32_pair(float x, float sh, float sl) noexcept nogil:
    return x if x > <float>0.0 else fmaf(x, sh, x * sl)

cdef inline float fa_leaky_relu_vjp_f32_pair(float gy, float x, float sh, float sl) noexcept nogil:
    cdef float g = gy if x > <float>0.0 else fmaf(gy, sh, gy * sl)
    return g if x == x else x

cdef inline float fa_leaky_relu_vjp_y_f32_pair(float gy, float y, float sh, float sl) noexcept nogil:
    return fa_leaky_relu_vjp_f32_pair(gy, y, sh, sl)

# Float parameters: where a scalar parameter is itself a float (prelu's
# weights from a float32 model, 0.25, soft_shrink's 0.5), the float32
# contiguous loop calls these instead (_kernels.pyx.tp, FLOAT_PARAM): float
# arithmetic, 16 lanes and no conversions, and the same bits as the general
# kernels above. x * slope is then exact in double (24 + 24 bits), so the
# double product rounded to float is the float product.

cdef inline bint fa_is_one(double v) noexcept nogil:
    return v == 1.0

cdef inline bint fa_is_positive(double v) noexcept nogil:
    return v > 0.0

cdef inline bint fa_is_float(double v) noexcept nogil:
    # v is a float32 value (or NaN: then no, and the general kernel runs)
    return <double>(<float>v) == v

cdef inline float fa_leaky_relu_f32_fp(float x, double slope) noexcept nogil:
    return x if x > <float>0.0 else x * <float>slope

cdef inline float fa_leaky_relu_vjp_f32_fp(float gy, float x, double slope) noexcept nogil:
    cdef float g = gy if x > <float>0.0 else gy * <float>slope
    return g if x == x else x

cdef inline float fa_leaky_relu_vjp_y_f32_fp(float gy, float y, double slope) noexcept nogil:
    return fa_leaky_relu_vjp_f32_fp(gy, y, slope)

cdef inline bint fa_soft_shrink_fp_ok(double lambd) noexcept nogil:
    # a float lambd where fa_soft_shrink_f32 takes its float pair path
    return fa_is_float(lambd) & (lambd <= 1.2676506002282294e30) & (
        (lambd >= 7.888609052210118e-31) | (lambd == 0.0))

cdef inline float fa_soft_shrink_f32_fp(float x, double lambd) noexcept nogil:
    # fa_soft_shrink_f32 with ll = 0: s + (the exact rounding error of s) rounds
    # back to s = x -+ lambd itself (and inf -+ lambd is inf)
    cdef float lh = <float>lambd
    cdef float y = x - lh if x > 0.0 else x + lh
    y = y if ((x > lh) | (x < -lh)) else <float>0.0
    return y if x == x else x

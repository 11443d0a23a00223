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

from libc.math cimport exp, erfc, fabs, fma, ldexp, tanh, INFINITY

# Constants as (hi, lo) pairs, hi + lo correct to ~106 bits (mpmath), as C
# constants (an assignment in a .pxd would not run).
cdef extern from *:
    """
    static const double INV_SQRT2_HI = 0.7071067811865476;
    static const double INV_SQRT2_LO = -4.833646656726457e-17;
    static const double TWO_OVER_SQRTPI = 1.1283791670955126;
    static const double INV_SQRT_2PI = 0.3989422804014327;
    static const double GELU_C_HI = 0.044715;  /* PyTorch's kappa, 0.044715 exactly */
    static const double GELU_C_LO = 2.1960211427085595e-18;
    static const double GELU_K2_HI = 1.5957691216057308;  /* 2 sqrt(2/pi) */
    static const double GELU_K2_LO = -9.96930880911092e-17;
    /* fdlibm's split of ln 2: LN2_HI has 32 significant bits, so
       k * LN2_HI is exact for |k| < 2^20. */
    static const double LN2_HI = 6.93147180369123816490e-01;
    static const double LN2_LO = 1.90821492927058770002e-10;
    /* Taylor series of the derivatives around their interior zeros, from
       tools/derivative_zero_series.py (mpmath). */
    /* gelu_d: zero x0 = -0.7517915246935644574579049, degree 28, |x - x0| <= 0.75 */
    static const double GELU_D_X0_HI = -0.7517915246935645;
    static const double GELU_D_X0_LO = 1.4956759177009883e-17;
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
    #define GELU_D_N (sizeof(GELU_D_C) / sizeof(double))
    #define GELU_TANH_D_N (sizeof(GELU_TANH_D_C) / sizeof(double))
    """
    const double INV_SQRT2_HI, INV_SQRT2_LO, TWO_OVER_SQRTPI, INV_SQRT_2PI
    const double GELU_C_HI, GELU_C_LO, GELU_K2_HI, GELU_K2_LO
    const double LN2_HI, LN2_LO
    const double GELU_D_X0_HI, GELU_D_X0_LO, GELU_TANH_D_X0_HI, GELU_TANH_D_X0_LO
    const double GELU_D_C[], GELU_TANH_D_C[]
    const int GELU_D_N, GELU_TANH_D_N
    const double ZERO_SERIES_RADIUS "0.75"


cdef inline double fa_series_at_zero(double x, double x0_hi, double x0_lo,
                                     const double* c, int n) noexcept nogil:
    # sum_{k=1..n} c[k-1] d^k with d = x - x0: near an interior zero of a
    # derivative the textbook formula cancels (its error is ~ulp(0.5), not
    # ulp of the result). x - x0_hi is exact (Sterbenz) for x in [2 x0, x0/2]
    # and within half an ulp of 0.5 on the rest of the range, where d > 0.37.
    cdef double d = (x - x0_hi) - x0_lo
    cdef double p = c[n - 1]
    cdef int k
    for k in range(n - 2, -1, -1):
        p = p * d + c[k]
    return p * d


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
    # exp(-x) overflows to inf for x < -709 and 1/(1+inf) = 0, the limit.
    return 1.0 / (1.0 + exp(-x))

cdef inline double fa_sigmoid_vjp(double gy, double x) noexcept nogil:
    # sigma' = e / (1 + e)^2 with e = exp(-|x|): symmetric, no cancellation,
    # so the tails (sigma'(80) = 1.8e-35) keep full precision where
    # sigma * (1 - sigma) gives 0.
    cdef double e = exp(-fabs(x))
    cdef double d = 1.0 + e
    return gy * (e / (d * d))

cdef inline double fa_sigmoid_vjp_y(double gy, double y) noexcept nogil:
    return gy * (y * (1.0 - y))


# ---- tanh ---------------------------------------------------------------

cdef inline double fa_tanh(double x) noexcept nogil:
    return tanh(x)

cdef inline double fa_tanh_vjp(double gy, double x) noexcept nogil:
    # tanh' = sech^2 = 4e / (1 + e)^2 with e = exp(-2|x|): no cancellation,
    # unlike 1 - tanh^2. Past |x| = 350, e would be subnormal while the
    # result is still normal, so use e1 = exp(-|x|): sech = 2e1 / (1 + e1^2).
    cdef double a = fabs(x), e, d, s
    if a < 350.0:
        e = exp(-2.0 * a)
        d = 1.0 + e
        return gy * ((4.0 * e) / (d * d))
    e = exp(-a)
    s = 2.0 * e
    return gy * (s * s)

cdef inline double fa_tanh_vjp_y(double gy, double y) noexcept nogil:
    return gy * (1.0 - y * y)


# ---- gelu (exact) ---------------------------------------------------------

cdef inline double fa_erfc_neg_x_sqrt1_2(double x) noexcept nogil:
    # erfc(z) with z = -x/sqrt(2), corrected for the rounding of z: the
    # relative error of erfc(z) grows like 2 z^2 times that of z (z = 26
    # turns 1 ULP into 1300), so carry z as hi + lo (an FMA gives the exact
    # rounding error of the product) and add the first-order term
    # erfc(hi + lo) = erfc(hi) - lo * 2/sqrt(pi) * exp(-hi^2).
    cdef double zh = -x * INV_SQRT2_HI
    cdef double zl = fma(-x, INV_SQRT2_HI, -zh) + (-x) * INV_SQRT2_LO
    return erfc(zh) - zl * TWO_OVER_SQRTPI * exp(-zh * zh)

cdef inline double fa_gelu_tail_phi_2p128(double x) noexcept nogil:
    # phi(x) * 2^128 for x < -36, where phi(x) = exp(-x^2/2)/sqrt(2 pi) is
    # at or below the subnormal range but gelu and gelu' (about |x| phi)
    # are still normal. x^2 = h + l exactly (FMA); -h/2 + 128 LN2_HI is
    # exact (both on the 2^-43 grid), so the scaling costs no rounding:
    # exp(-(h + l)/2) 2^128 = exp(-h/2 + 128 LN2_HI) (1 - l/2 + 128 LN2_LO).
    cdef double h = x * x
    cdef double l = fma(x, x, -h)
    return (exp(-0.5 * h + 128.0 * LN2_HI) * (1.0 - 0.5 * l + 128.0 * LN2_LO)
            * INV_SQRT_2PI)

cdef inline double fa_mills_series(double x) noexcept nogil:
    # For x < -36: Phi(x) = phi(x) S / |x|, the asymptotic series of the
    # Mills ratio (Abramowitz & Stegun 7.1.23 with z = -x/sqrt2):
    # S = 1 - t + 3t^2 - 15t^3 + ... (-1)^n (2n-1)!! t^n, t = 1/x^2 <= 7.8e-4,
    # whose ninth term (< 3e-19) is below double precision.
    cdef double t = 1.0 / (x * x)
    return 1.0 + t * (-1.0 + t * (3.0 + t * (-15.0 + t * (105.0 + t * (
        -945.0 + t * (10395.0 + t * (-135135.0 + t * 2027025.0)))))))

cdef inline double fa_gelu(double x) noexcept nogil:
    # x * Phi(x) = x/2 * erfc(-x/sqrt(2)). erfc, not 1 + erf: 1 + erf(x/sqrt2)
    # cancels to 0 for x < -6 in float32 (PyTorch's gelu returns 0 there).
    # Below -36 erfc nears the subnormal range while gelu is still normal:
    # there gelu = x Phi(x) = -phi(x) S, computed scaled by 2^128.
    if x < -36.0:
        if x < -39.0:                  # gelu(-39) = -1.4e-331 rounds to -0
            return -0.0
        return ldexp(-fa_gelu_tail_phi_2p128(x) * fa_mills_series(x), -128)
    if x == INFINITY:
        return x
    return x * (0.5 * fa_erfc_neg_x_sqrt1_2(x))

cdef inline double fa_gelu_vjp(double gy, double x) noexcept nogil:
    # gelu' = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi) with
    # x^2 = h + l exact (FMA), exp(-(h + l)/2) = exp(-h/2) * (1 - l/2).
    # Below -36: gelu' = phi(x) (x - S/x), scaled by 2^128 as in fa_gelu.
    # Near its zero at -0.7518: a Taylor series (see fa_series_at_zero).
    cdef double h, l, phi
    if x > 40.0:
        return gy
    if x < -36.0:
        if x < -40.0:
            return gy * 0.0
        return gy * ldexp(fa_gelu_tail_phi_2p128(x) * (x - fa_mills_series(x) / x), -128)
    if fabs(x - GELU_D_X0_HI) <= ZERO_SERIES_RADIUS:
        return gy * fa_series_at_zero(x, GELU_D_X0_HI, GELU_D_X0_LO, GELU_D_C, GELU_D_N)
    h = x * x
    l = fma(x, x, -h)
    phi = exp(-0.5 * h) * (1.0 - 0.5 * l) * INV_SQRT_2PI
    return gy * (0.5 * fa_erfc_neg_x_sqrt1_2(x) + x * phi)


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
        return x / (1.0 + exp(-t))
    e = exp(t)
    e = fma(e, tl, e)                                    # exp(t + tl)
    return x * (e / (1.0 + e))

cdef inline double fa_gelu_tanh_vjp(double gy, double x) noexcept nogil:
    # d/dx x sigma(t) = sigma(t) + x t' sigma(t)(1 - sigma(t)),
    # t' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2), sigma(1 - sigma) = e/(1+e)^2
    # with e = exp(-|t|). Near its zero at -0.7525: a Taylor series.
    cdef double t, tl, xdt, e, d
    if not (fabs(x) <= 30.0):
        if x != x:
            return gy * x
        return gy if x > 0.0 else gy * 0.0
    if fabs(x - GELU_TANH_D_X0_HI) <= ZERO_SERIES_RADIUS:
        return gy * fa_series_at_zero(x, GELU_TANH_D_X0_HI, GELU_TANH_D_X0_LO,
                                      GELU_TANH_D_C, GELU_TANH_D_N)
    fa_gelu_tanh_arg(x, &t, &tl, &xdt)
    # With e = exp(-|t|) and (1 + e)^2 = fma(e, 2 + e, 1) (one rounding):
    #   t >= 0: sigma = 1/(1+e), g = (1 + e + xdt e) / (1 + e)^2
    #   t <  0: sigma = e/(1+e), g = e (1 + xdt + e) / (1 + e)^2
    # which rounds e, and 1 + e, once each.
    e = exp(-fabs(t))
    if t >= 0.0:
        e = fma(e, -tl, e)
        d = fma(e, 2.0 + e, 1.0)
        return gy * (fma(xdt, e, 1.0 + e) / d)
    e = fma(e, tl, e)                                    # exp(t + tl), one rounding
    d = fma(e, 2.0 + e, 1.0)
    return gy * (e * (((1.0 + xdt) + e) / d))


# ---- gated units (issue 4) ---------------------------------------------------
# x = [a, b] along an axis. fa_G(a, b) is the unit; fa_G_vjp(gy, a, b, &ga, &gb)
# writes the gradients of both halves.

cdef inline double fa_gate_silu(double a) noexcept nogil:
    # a * sigmoid(a) = a / (1 + e^-a); past a = -709 e^-a is inf and the
    # quotient -0, the limit; only a = -inf itself would give inf/inf.
    if a == -INFINITY:
        return -0.0
    return a / (1.0 + exp(-a))

cdef inline double fa_gate_silu_d(double a) noexcept nogil:
    # silu' = sigmoid(a) (1 + a sigmoid(-a)), each sigmoid as 1/(1 + e^-t)
    # (no 1 - sigmoid cancellation); the infinities by their limits.
    if fabs(a) == INFINITY:
        return 1.0 if a > 0 else 0.0
    return (1.0 + a / (1.0 + exp(a))) / (1.0 + exp(-a))

cdef inline double fa_glu(double a, double b) noexcept nogil:
    return a * fa_sigmoid(b)

cdef inline void fa_glu_vjp(double gy, double a, double b, double* ga,
                            double* gb) noexcept nogil:
    ga[0] = gy * fa_sigmoid(b)
    gb[0] = fa_sigmoid_vjp(gy * a, b)

cdef inline void fa_gate_vjp(double gy, double b, double f, double df, double* ga,
                             double* gb) noexcept nogil:
    # the gradients of f(a) * b, given f(a) and f'(a)
    ga[0] = (gy * b) * df
    gb[0] = gy * f

cdef inline double fa_swiglu(double a, double b) noexcept nogil:
    return fa_gate_silu(a) * b

cdef inline void fa_swiglu_vjp(double gy, double a, double b, double* ga,
                               double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gate_silu(a), fa_gate_silu_d(a), ga, gb)

cdef inline double fa_geglu(double a, double b) noexcept nogil:
    return fa_gelu(a) * b

cdef inline void fa_geglu_vjp(double gy, double a, double b, double* ga,
                              double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gelu(a), fa_gelu_vjp(1.0, a), ga, gb)

cdef inline double fa_geglu_tanh(double a, double b) noexcept nogil:
    return fa_gelu_tanh(a) * b

cdef inline void fa_geglu_tanh_vjp(double gy, double a, double b, double* ga,
                                   double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_gelu_tanh(a), fa_gelu_tanh_vjp(1.0, a), ga, gb)

cdef inline double fa_reglu(double a, double b) noexcept nogil:
    return fa_relu(a) * b

cdef inline void fa_reglu_vjp(double gy, double a, double b, double* ga,
                              double* gb) noexcept nogil:
    fa_gate_vjp(gy, b, fa_relu(a), fa_relu_vjp(1.0, a), ga, gb)

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

from libc.math cimport exp, erfc, fabs, fma, tanh, INFINITY

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
    """
    const double INV_SQRT2_HI, INV_SQRT2_LO, TWO_OVER_SQRTPI, INV_SQRT_2PI
    const double GELU_C_HI, GELU_C_LO, GELU_K2_HI, GELU_K2_LO


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

cdef inline double fa_gelu(double x) noexcept nogil:
    # x * Phi(x) = x/2 * erfc(-x/sqrt(2)). erfc, not 1 + erf: 1 + erf(x/sqrt2)
    # cancels to 0 for x < -6 in float32 (PyTorch's gelu returns 0 there).
    if x == INFINITY or x == -INFINITY:
        return x if x > 0.0 else -0.0
    return x * (0.5 * fa_erfc_neg_x_sqrt1_2(x))

cdef inline double fa_gelu_vjp(double gy, double x) noexcept nogil:
    # gelu' = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi) with
    # x^2 = h + l exact (FMA), exp(-(h + l)/2) = exp(-h/2) * (1 - l/2).
    # Beyond |x| = 40 the derivative is 1 or underflows to 0.
    cdef double h, l, phi
    if x > 40.0:
        return gy
    if x < -40.0:
        return gy * 0.0
    h = x * x
    l = fma(x, x, -h)
    phi = exp(-0.5 * h) * (1.0 - 0.5 * l) * INV_SQRT_2PI
    return gy * (0.5 * fa_erfc_neg_x_sqrt1_2(x) + x * phi)


# ---- gelu (tanh approximation) --------------------------------------------

cdef inline void fa_gelu_tanh_arg(double x, double* t, double* tl) noexcept nogil:
    # t + tl = 2 sqrt(2/pi) (x + 0.044715 x^3) in double-double: sigma(t)
    # has relative error |t| times that of t, and |t| reaches 700 before the
    # result underflows, so a plain double t would cost hundreds of ULP.
    cdef double h = x * x
    cdef double l = fma(x, x, -h)
    cdef double h3 = h * x
    cdef double l3 = fma(h, x, -h3) + l * x               # x^3 = h3 + l3
    cdef double p = GELU_C_HI * h3
    cdef double pl = fma(GELU_C_HI, h3, -p) + GELU_C_HI * l3 + GELU_C_LO * h3
    cdef double s = x + p                                 # two-sum x + p
    cdef double bv = s - x
    cdef double sl = (x - (s - bv)) + (p - bv) + pl
    t[0] = GELU_K2_HI * s
    tl[0] = fma(GELU_K2_HI, s, -t[0]) + GELU_K2_HI * sl + GELU_K2_LO * s

cdef inline double fa_gelu_tanh(double x) noexcept nogil:
    # 1/2 (1 + tanh(u)) = sigma(2u): one exp, no cancellation for x < 0.
    # Past |x| = 30 the result is x or underflows to -0.
    cdef double t, tl, e
    if not (fabs(x) <= 30.0):
        if x != x:
            return x
        return x if x > 0.0 else -0.0
    fa_gelu_tanh_arg(x, &t, &tl)
    if t >= 0.0:
        return x / (1.0 + exp(-t))
    e = exp(t) * (1.0 + tl)                              # exp(t + tl)
    return x * (e / (1.0 + e))

cdef inline double fa_gelu_tanh_vjp(double gy, double x) noexcept nogil:
    # d/dx x sigma(t) = sigma(t) + x t' sigma(t)(1 - sigma(t)),
    # t' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2), sigma(1 - sigma) = e/(1+e)^2
    # with e = exp(-|t|).
    cdef double t, tl, e, s, d, dt
    if not (fabs(x) <= 30.0):
        if x != x:
            return gy * x
        return gy if x > 0.0 else gy * 0.0
    fa_gelu_tanh_arg(x, &t, &tl)
    if t >= 0.0:
        e = exp(-t) * (1.0 - tl)
        s = 1.0 / (1.0 + e)
    else:
        e = exp(t) * (1.0 + tl)
        s = e / (1.0 + e)
    d = 1.0 + e
    dt = GELU_K2_HI * (1.0 + 3.0 * GELU_C_HI * (x * x))
    return gy * (s + x * dt * (e / (d * d)))

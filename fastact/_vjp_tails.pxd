# The float64 backward where f'(x) is below the normal doubles but
# grad_output * f'(x) is not (|grad_output| up to 1.8e308 lifts a
# derivative as small as 1.2e-616 back into the normal range): the
# vectorised kernels compute f'(x) in double, where it has already
# underflowed (sigmoid' below x = -708 is subnormal, then 0 below -745), so
# their product keeps few bits or none. _kernels.pyx.tp counts such results
# in its vectorised loops (|gy f'| < |gy| DBL_MIN, x finite) and redoes the
# few it finds with the scalar functions here, in long double (x87 extended
# precision on x86-64: 64-bit significand, exponents down to 2^-16382, so
# e^x is normal down to x = -11355). Each rounds once more, to double, at
# the end; the arguments of the exponentials carry at most ~2^-64 relative
# (|arg| <= 1418 where the product can be normal: ~2^-53.5 of the result).
# Where long double is double (some non-x86 platforms) these give what the
# vectorised kernels gave.
#
# The loops redo every finite x past a cut (_kernels.pyx.tp, VJP_TAILS),
# whatever grad_output is, so these implement the whole derivative, not
# only its tail, with the kernels' own branch conditions.

from libc.float cimport DBL_MIN
from libc.math cimport expl, erfcl, fabs, fabsl, fma, fmax, log, INFINITY


cdef extern from *:
    """
    static const long double FA_SQRT_2_OVER_PI_L = 0.797884560802865355879892119868763737L;
    static const long double FA_INV_SQRT_2PI_L = 0.398942280401432677939946059934381868L;
    static const long double FA_SQRT1_2_L = 0.707106781186547524400844362104849039L;
    static const long double FA_GELU_TANH_C_L = 0.044715L;
    static const long double FA_SELU_SCALE_L = 1.0507009873554804934193349852946L;
    static const long double FA_SELU_SA_L = 1.7580993408473768599402175208123L;
    """
    const long double FA_SQRT_2_OVER_PI_L, FA_INV_SQRT_2PI_L, FA_SQRT1_2_L
    const long double FA_GELU_TANH_C_L, FA_SELU_SCALE_L, FA_SELU_SA_L


cdef inline double fa_elu_tail_cut(double alpha) noexcept nogil:
    # elu' = alpha e^x (x <= 0) is a normal double, and so is the kernel's
    # e^x, for x >= cut. alpha = 0: f' = 0 exactly; alpha = inf or NaN: left
    # to the kernel (no redo)
    if not (0.0 < fabs(alpha) < INFINITY):
        return -INFINITY
    return fmax(-708.0, log(4.0 * DBL_MIN / fabs(alpha)))

cdef inline double fa_celu_tail_cut(double alpha) noexcept nogil:
    # celu' = e^(x / alpha) for x <= 0 underflows only for alpha > 0
    return -708.0 * alpha if 0.0 < alpha < INFINITY else -INFINITY


cdef inline long double fa_sigmoid_d_l(long double t) noexcept nogil:
    # sigmoid'(t) = e / (1 + e)^2, e = e^-|t| (symmetric)
    cdef long double e = expl(-fabsl(t))
    return e / ((1 + e) * (1 + e))

cdef inline long double fa_sigmoid_l(long double t) noexcept nogil:
    # 1 / (1 + e) (t >= 0) or e / (1 + e), e = e^-|t|
    cdef long double e = expl(-fabsl(t))
    return (1 if t >= 0 else e) / (1 + e)

cdef inline long double fa_silu_d_l(long double t) noexcept nogil:
    # silu'(t) = (1 + e + t e) / (1 + e)^2 (t >= 0), e (1 + e + t) / (1 + e)^2
    # (t < 0), e = e^-|t|; t = beta x may be +-inf: clamped where e is 0
    # already (not 0 * inf)
    cdef long double e
    t = t if t > -20000 else -20000
    t = t if t < 20000 else 20000
    e = expl(-fabsl(t))
    cdef long double num = (1 + e + t * e) if t >= 0 else e * (1 + e + t)
    return num / ((1 + e) * (1 + e))


cdef inline double fa_sigmoid_vjp_tail(double gy, double x) noexcept nogil:
    return <double>(gy * fa_sigmoid_d_l(x))

cdef inline double fa_log_sigmoid_vjp_tail(double gy, double x) noexcept nogil:
    return <double>(gy * fa_sigmoid_l(-<long double>x))          # sigmoid(-x)

cdef inline double fa_elu_vjp_tail(double gy, double x, double alpha) noexcept nogil:
    return gy if x > 0.0 else <double>(gy * (alpha * expl(x)))

cdef inline double fa_selu_vjp_tail(double gy, double x) noexcept nogil:
    # scale (x > 0), scale alpha e^x; the constants to 30 digits
    return <double>(gy * (FA_SELU_SCALE_L if x > 0.0 else FA_SELU_SA_L * expl(x)))

cdef inline double fa_celu_vjp_tail(double gy, double x, double alpha) noexcept nogil:
    return gy if x > 0.0 else <double>(gy * expl(<long double>x / alpha))

cdef inline double fa_silu_vjp_tail(double gy, double x) noexcept nogil:
    return <double>(gy * fa_silu_d_l(x))

cdef inline double fa_swish_vjp_tail(double gy, double x, double beta) noexcept nogil:
    # d/dx x sigmoid(beta x) = silu'(beta x); x / 2 at beta = 0
    if beta == 0.0:
        return gy * 0.5
    return <double>(gy * fa_silu_d_l(<long double>beta * x))

cdef inline double fa_softplus_vjp_tail(double gy, double x, double beta,
                                        double threshold) noexcept nogil:
    # sigmoid(beta x); gy where beta x (in double, as the kernel) passes the
    # threshold
    if beta * x > threshold:
        return gy
    return <double>(gy * fa_sigmoid_l(<long double>beta * x))

cdef inline double fa_mish_vjp_tail(double gy, double x) noexcept nogil:
    # mish' = e B / m^2, e = e^x, m = e (e + 2) + 2,
    # B = 4 (1 + x) + e (6 + 4x + e (4 + e)) (fa_mish_vjp's form); for x > 1,
    # with u = e^-x and D = 1 + 2u + 2u^2, 1 + u^2 (4x (1 + u) - 2D) / D^2
    cdef long double e, m, b, u, d
    if x > 1.0:
        u = expl(-<long double>x)
        d = 1 + 2 * u + 2 * u * u
        return <double>(gy * (1 + u * u * ((4 * x * (1 + u) - 2 * d) / (d * d))))
    e = expl(<long double>x)
    m = e * (e + 2) + 2
    b = 4 * (1 + <long double>x) + e * (6 + 4 * <long double>x + e * (4 + e))
    return <double>(gy * (e * b / (m * m)))

cdef inline double fa_gelu_vjp_tail(double gy, double x) noexcept nogil:
    # gelu' = Phi(x) + x phi(x). Below -20, with u = -x: Phi(-u) = phi(u) M(u),
    # M the Mills ratio by its continued fraction
    # M(u) = 1 / (u + 1/(u + 2/(u + 3/(u + ...)))) (Abramowitz & Stegun
    # 26.2.14; 40 terms are exact to long double for u >= 20), so
    # gelu' = phi(u) (M(u) - u); phi(u) from u^2/2 = h + l exactly (FMA),
    # e^-(h + l) = e^-h (1 - l). Above -20, erfc and exp of long double.
    # x = -inf never comes here (the callers test it).
    cdef long double u, cf, p
    cdef double h, l
    cdef int k
    if x < -20.0:
        x = x if x > -60.0 else -60.0   # gy gelu' rounds to -0 below -60 (h = inf: NaN)
        u = -<long double>x
        cf = u
        for k in range(40, 0, -1):
            cf = u + k / cf
        h = 0.5 * (x * x)
        l = 0.5 * fma(x, x, -(x * x))
        p = FA_INV_SQRT_2PI_L * expl(-<long double>h) * (1 - <long double>l)
        return <double>(gy * (p * (1 / cf - u)))
    return <double>(gy * (0.5 * erfcl(-x * FA_SQRT1_2_L)
                          + x * FA_INV_SQRT_2PI_L * expl(-<long double>x * x / 2)))

cdef inline double fa_gelu_tanh_vjp_tail(double gy, double x) noexcept nogil:
    # gelu_tanh = x/2 (1 + tanh t), t = k (x + c x^3); its derivative is
    # (1 + tanh t)/2 + x sech^2(t) t'/2, t' = k (1 + 3 c x^2). With
    # E = e^(-2|t|): 1 + tanh t = 2/(1 + E) (t >= 0) or 2E/(1 + E), and
    # sech^2 t = 4E/(1 + E)^2, which do not cancel as 1 + tanh t does.
    cdef long double xl = x
    cdef long double t = FA_SQRT_2_OVER_PI_L * (xl + FA_GELU_TANH_C_L * xl * xl * xl)
    cdef long double dt = FA_SQRT_2_OVER_PI_L * (1 + 3 * FA_GELU_TANH_C_L * xl * xl)
    cdef long double e = expl(-2 * fabsl(t))
    cdef long double half_one_plus = (1 if t >= 0 else e) / (1 + e)
    cdef long double g = half_one_plus + 2 * xl * dt * e / ((1 + e) * (1 + e))
    # where e^(-2|t|) underflows even in long double (x below about -54,
    # |t| > 5700), -0: the derivative is negative there (the sum gave +0)
    return <double>(gy * (g if g != 0 else -0.0))

# Vectorisable elementary functions in double precision.
#
# libm calls stop GCC from vectorising a loop; these are branch-free
# (selects, not jumps) and call nothing but fma (one instruction on v3/v4).
# To keep them so: compute both sides of a select in their own statements
# (GCC will not if-convert an inlined function call), and combine conditions
# with & and | (Cython turns `and`/`or` into jumps).
# Measured maximum errors (tests/test_vmath.py, mpmath): exp 0.82 ULP,
# expm1 1.7, log1p on [0, 1] 1.3, on [0, 2^52) 0.83, tanh 2.15, erfc 0.66 (_erfc64.h) -- glibc
# is within 1 ULP, so the kernels of _math.pxd are re-measured on top of
# these (test_accuracy.py).
# Method: Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, then a
# Taylor polynomial of e^r (the reduction and the use of an fma Horner scheme
# follow Muller, "Elementary Functions", ch. 11; constants are 1/k!).

from libc.math cimport copysign, fabs, fma

from fastact._common cimport fa_bits, fa_from_bits

cdef extern from *:
    """
    static const double FA_LOG2E = 1.4426950408889634;
    static const double FA_LN2_HI = 0.6931471805599453;      /* ln 2 rounded */
    static const double FA_LN2_LO = 2.3190468138462996e-17;  /* ln 2 - FA_LN2_HI */
    static const double FA_SHIFTER = 6755399441055744.0;     /* 1.5 * 2^52 */
    /* the bits of 746.0: e^x is 0 below -746 and inf above 710, where the
       two halves 2^h 2^(n - h) of fa_exp overflow by themselves (n <= 1077) */
    static const long long FA_BITS_746 = 0x4087500000000000LL;
    static const long long FA_BITS_708 = 0x4086200000000000LL;   /* e^+-708 are normal */
    static const long long FA_BITS_60 = 0x404e000000000000LL;    /* expm1(-60) rounds to -1 */
    static const long long FA_BITS_40 = 0x4044000000000000LL;    /* tanh(20) rounds to 1: -2|x| >= -40 */
    static const long long FA_ABS_BITS = 0x7fffffffffffffffLL;   /* all but the sign */
    """
    const double FA_LOG2E, FA_LN2_HI, FA_LN2_LO, FA_SHIFTER
    const long long FA_BITS_746, FA_BITS_708, FA_BITS_60, FA_BITS_40, FA_ABS_BITS

# erfc in double, branch-free (fastact/_erfc64.h, fitted by
# tools/fit_erfc64.py): max 0.71 ULP. fa_erfc64_dd(z, zl, k) = erfc(z + zl),
# times 2^k where z >= 0.5. On the baseline level its fma calls go through
# libm: slower than libm's erfc, but every level gets the same bits.
cdef extern from "_erfc64.h" nogil:
    double fa_erfc_vec(double z)
    double fa_erfc64_dd(double z, double zl, long long k)


cdef inline double fa_exp_taylor_low(double q, double r) noexcept nogil:
    # The last Horner steps of e^r = 1 + q r: coefficients 1/6! .. 1/1!.
    q = fma(q, r, 1.0 / 720.0)
    q = fma(q, r, 1.0 / 120.0)
    q = fma(q, r, 1.0 / 24.0)
    q = fma(q, r, 1.0 / 6.0)
    q = fma(q, r, 0.5)
    return fma(q, r, 1.0)


cdef inline double fa_exp_taylor_q(double r) noexcept nogil:
    # q with e^r - 1 = q r for |r| <= ln2/2: Taylor to degree 13 (remainder
    # < 4e-18), Horner in fma; callers finish with one fma, so the result
    # rounds once. (Written out: GCC must see straight-line code.)
    cdef double q = 1.0 / 6227020800.0                  # 1/13!
    q = fma(q, r, 1.0 / 479001600.0)
    q = fma(q, r, 1.0 / 39916800.0)
    q = fma(q, r, 1.0 / 3628800.0)
    q = fma(q, r, 1.0 / 362880.0)
    q = fma(q, r, 1.0 / 40320.0)
    q = fma(q, r, 1.0 / 5040.0)
    return fa_exp_taylor_low(q, r)


cdef inline long long fa_exp_reduce(double x, double lo, double* r,
                                    double* n_double) noexcept nogil:
    # Cody-Waite: x (clamped to [lo, 710]) = n ln2 + r, |r| <= ln2/2, ln2 in
    # two parts so r is exact to ~2^-54. Returns n (also as a double in
    # n_double). n = round(x / ln2) by
    # the shifter trick: adding 1.5 2^52 rounds to an integer held in the
    # low mantissa bits, read off as an int64 by subtracting bit patterns --
    # no double-to-int64 conversion, which AVX2 lacks.
    cdef double xc = x if x > lo else lo
    return fa_exp_reduce_unclamped(xc if xc < 710.0 else 710.0, r, n_double)


cdef inline double fa_clamp_magnitude(double x, long long c_bits) noexcept nogil:
    # x with |x| clamped to c (c_bits = fa_bits(c), c > 0), sign kept; NaN
    # becomes +-c. On the bits: non-negative doubles order as their int64
    # patterns, so the clamp is one integer min (vpminsq on AVX-512), where
    # a two-sided float clamp took seven compares, mask operations and
    # blends (GCC keeps the NaN cases of x > lo ? x : lo apart).
    cdef long long b = fa_bits(x)
    cdef long long m = b & FA_ABS_BITS
    return fa_from_bits((b ^ m) | (m if m < c_bits else c_bits))


cdef inline long long fa_exp_reduce_unclamped(double x, double* r,
                                              double* n_double) noexcept nogil:
    # fa_exp_reduce for x the caller has already clamped
    cdef double t = fma(x, FA_LOG2E, FA_SHIFTER)
    cdef double n = t - FA_SHIFTER
    r[0] = fma(-n, FA_LN2_LO, fma(-n, FA_LN2_HI, x))
    n_double[0] = n
    return fa_bits(t) - fa_bits(FA_SHIFTER)


cdef inline long long fa_half(double n) noexcept nogil:
    # round(n / 2) by the same trick (AVX2 has no 64-bit arithmetic shift
    # and no int64 <-> double conversion)
    return fa_bits(n * 0.5 + FA_SHIFTER) - fa_bits(FA_SHIFTER)


cdef inline double fa_pow2(long long n) noexcept nogil:
    # 2^n for -1022 <= n <= 1023, built from its bits
    return fa_from_bits((n + 1023) << 52)


cdef inline double fa_exp(double x) noexcept nogil:
    # e^x = 2^n e^r, 2^n applied in two halves, 2^h 2^(n - h) with
    # h = round(n/2), so subnormal results and the overflow to inf come out
    # of ordinary multiplications (|x| is clamped to 746: e^x is 0 or
    # inf beyond). NaN is passed through.
    cdef double r, nd
    cdef long long n = fa_exp_reduce_unclamped(fa_clamp_magnitude(x, FA_BITS_746), &r, &nd)
    cdef long long h = fa_half(nd)
    cdef double y = fma(fa_exp_taylor_q(r), r, 1.0) * fa_pow2(h) * fa_pow2(n - h)
    return y if x == x else x


cdef inline double fa_exp_clamped(double x) noexcept nogil:
    # fa_exp for callers to whom e^x beyond e^+-708 makes no difference
    # (silu: 1 + e^-x rounds to 1 long before): |x| clamped to 708, so that
    # 2^n is one normal factor (fa_exp's two halves, for its subnormal
    # results and overflow, cost 5 of silu's 48 instructions per 8
    # doubles). Where |x| <= 708 the bits are fa_exp's: a product with a
    # normal power of 2 is exact either way. NaN gives e^+-708: the caller's
    # own arithmetic must carry the NaN.
    cdef double r, nd
    cdef long long n = fa_exp_reduce_unclamped(fa_clamp_magnitude(x, FA_BITS_708), &r, &nd)
    return fma(fa_exp_taylor_q(r), r, 1.0) * fa_pow2(n)


cdef inline double fa_exp_pair(double x, double* lo) noexcept nogil:
    # e^x = hi + lo for -700 <= x <= 0 (the caller clamps; 2^n is then one
    # normal factor): what fa_exp rounds away at the end is kept in lo, so
    # the pair is as good as q's own roundings times |r| <= 0.35 (~0.2 ULP,
    # and 4e-18 of Taylor remainder). r1 = x - n LN2_HI is exact (a multiple of
    # 2^-53 below 0.5: ln 2 rounded has its last bit at 2^-53), r = r1 -
    # n LN2_LO rounds, and rl = (r1 - r) - n LN2_LO is that rounding; then
    # e^(r + rl) = h + (q r + 1 - h) + h rl with h = fl(1 + q r).
    cdef double t = fma(x, FA_LOG2E, FA_SHIFTER)
    cdef double n = t - FA_SHIFTER
    cdef double r1 = fma(-n, FA_LN2_HI, x)
    cdef double r = fma(-n, FA_LN2_LO, r1)
    cdef double rl = fma(-n, FA_LN2_LO, r1 - r)
    cdef double q = fa_exp_taylor_q(r)
    cdef double h = fma(q, r, 1.0)
    cdef double p = fa_pow2(fa_bits(t) - fa_bits(FA_SHIFTER))
    lo[0] = fma(h, rl, fma(q, r, 1.0 - h)) * p
    return h * p


cdef inline double fa_exp_reduced_f32acc(double r) noexcept nogil:
    # e^r for |r| <= ln2/2 to float32 accuracy: degree 7 Taylor, remainder
    # < 6e-9 (the float32 exponentials' shared polynomial)
    return fma(fa_exp_taylor_low(1.0 / 5040.0, r), r, 1.0)


cdef inline double fa_exp_f32acc(double x) noexcept nogil:
    # e^x to float32 accuracy only (relative error < 6e-9, a tenth of a
    # float ULP), for float32 kernels that compute in double: as fa_exp with
    # a degree-7 Taylor polynomial. |x| is clamped to 746.
    cdef double r, nd
    cdef long long n = fa_exp_reduce_unclamped(fa_clamp_magnitude(x, FA_BITS_746), &r, &nd)
    cdef long long h = fa_half(nd)
    cdef double y = fa_exp_reduced_f32acc(r) * fa_pow2(h) * fa_pow2(n - h)
    return y if x == x else x


cdef inline double fa_exp_normal_f32acc(double x) noexcept nogil:
    # fa_exp_f32acc for callers that need e^x only where it is a normal
    # double, for x <= 709 only (larger x overflows the bits of 2^n: the
    # callers pass -|t|, -x^2/2, min(x, 20) or min(x, 0)): x is clamped below
    # at -708 (one compare, not fa_exp_reduce's two-sided clamp) and 2^n is
    # one factor (the two halves, the NaN select and the clamps cost a
    # quarter of the float32 GELU loop). Below ln(2^-1075), where
    # fa_exp_f32acc's result rounds to 0, it is 0 too: a float32 backward
    # times an infinite grad_output must give NaN (inf * 0) where the float64
    # kernel does, not inf. NaN gives 0: the caller's own arithmetic must
    # carry the NaN.
    cdef double r, nd
    cdef long long n = fa_exp_reduce_unclamped(x if x > -708.0 else -708.0, &r, &nd)
    cdef double y = fa_exp_reduced_f32acc(r) * fa_pow2(n)
    return y if x > -745.1332191019412 else 0.0


cdef inline double fa_reduce_neg(double x, long long c_bits, double* r) noexcept nogil:
    # -|x| clamped at -c (c_bits = fa_bits(c), one integer min) = n ln2 + r;
    # returns 2^n, one normal factor for c <= 708. NaN gives -c: callers
    # restore it. For the exponentials of x <= 0 (a positive x is taken as -x).
    cdef double nd
    return fa_pow2(fa_exp_reduce_unclamped(-fabs(fa_clamp_magnitude(x, c_bits)), r, &nd))


cdef inline double fa_expm1_neg_f32acc(double x) noexcept nogil:
    # e^x - 1 for x <= 0 to float32 accuracy (relative error < 1e-8), for
    # the float32 kernels of ELU/SELU/CELU, which select x itself for x > 0:
    # as fa_expm1 with the degree-7 polynomial of fa_exp_f32acc and x
    # clamped to [-60, 0] (no overflow branch; a positive x gives
    # e^-x - 1, which the callers drop). NaN and -0.0 pass through.
    cdef double r
    cdef double s = fa_reduce_neg(x, FA_BITS_60, &r)
    cdef double y = fma(s * fa_exp_taylor_low(1.0 / 5040.0, r), r, s - 1.0)
    return y if ((x == x) & (x != 0.0)) else x


cdef inline double fa_expm1_neg(double x) noexcept nogil:
    # fa_expm1 for x <= 0 (ELU's branch), the same bits: without the
    # overflow side (a second exponential) and with the clamp to [-60, 0]
    # as one integer min (fa_clamp_magnitude). A positive x gives
    # e^-x - 1, which the callers drop. NaN and -0.0 pass through.
    cdef double r
    cdef double s = fa_reduce_neg(x, FA_BITS_60, &r)
    cdef double y = fma(s * fa_exp_taylor_q(r), r, s - 1.0)
    return y if ((x == x) & (x != 0.0)) else x


cdef inline double fa_expm1(double x) noexcept nogil:
    # e^x - 1 = 2^n (1 + p) - 1 = fma(2^n q, r, 2^n - 1) with p = q r: 2^n q
    # is exact and the fma rounds once; 2^n - 1 is exact for -53 <= n <= 53
    # (beyond, its rounding is below half an ULP of the result). x is clamped
    # to [-60, 710] (expm1(-60) rounds to -1); for n > 60 the -1 no longer
    # matters and e^x - 1 comes from fa_exp, which also overflows to inf.
    cdef double r, nd
    cdef long long n = fa_exp_reduce(x, -60.0, &r, &nd)
    cdef double s = fa_pow2(n if n < 64 else 64)
    cdef double y = fma(s * fa_exp_taylor_q(r), r, s - 1.0)
    cdef double big = fa_exp(x) - 1.0
    y = y if n <= 60 else big
    return y if ((x == x) & (x != 0.0)) else x   # NaN, and the sign of zero


cdef extern from *:
    """
    /* fdlibm's minimax coefficients for log(1+f) = f - hfsq + s (hfsq + R(s^2)),
       s = f / (2 + f), |s| <= 0.1716 (Sun Microsystems, e_log.c): error
       below 2^-58.45 for R. */
    static const double FA_LG1 = 6.666666666666735130e-01;
    static const double FA_LG2 = 3.999999999940941908e-01;
    static const double FA_LG3 = 2.857142874366239149e-01;
    static const double FA_LG4 = 2.222219843214978396e-01;
    static const double FA_LG5 = 1.818357216161805012e-01;
    static const double FA_LG6 = 1.531383769920937332e-01;
    static const double FA_LG7 = 1.479819860511658591e-01;
    /* fa_log1p_pos: the bits that move m = u 2^-k into [sqrt2/2, sqrt2)
       (fdlibm's 0x3fe6a09e), the mantissa mask, and 2^52 as bits */
    static const long long FA_L1P_SHIFT = (long long)(0x3ff00000 - 0x3fe6a09e) << 32;
    static const long long FA_L1P_BASE = (long long)0x3fe6a09e << 32;
    static const long long FA_L1P_MANT = 0x000fffffffffffffLL;
    static const long long FA_L1P_2P52 = 0x4330000000000000LL;
    """
    const double FA_LG1, FA_LG2, FA_LG3, FA_LG4, FA_LG5, FA_LG6, FA_LG7
    const long long FA_L1P_SHIFT, FA_L1P_BASE, FA_L1P_MANT, FA_L1P_2P52


cdef inline double fa_lg_R(double s) noexcept nogil:
    # fdlibm's R(z) = Lg1 z + ... + Lg7 z^7, z = s^2, split in odd and even
    # powers of w = z^2 as fdlibm does (shorter dependency chains)
    cdef double z = s * s
    cdef double w = z * z
    cdef double t1 = w * (FA_LG2 + w * (FA_LG4 + w * FA_LG6))
    cdef double t2 = z * (FA_LG1 + w * (FA_LG3 + w * (FA_LG5 + w * FA_LG7)))
    return t2 + t1


cdef inline double fa_log1p_unit_reduce(double y, double k) noexcept nogil:
    # f = (y - 1)/2 for k = 1, y for k = 0, as k/2 (y - 1) + (1 - k) y: one
    # term is 0 and the other exact, so f is too. Arithmetic, not a select:
    # with f = (k ? (y - 1)/2 : y) GCC divided f/(2 + f) twice, one masked
    # division per candidate (two vdivpd per 8 lanes).
    return fma(0.5 * k, y - 1.0, (1.0 - k) * y)


cdef inline double fa_log1p_unit(double y) noexcept nogil:
    # log(1 + y) for 0 <= y <= 1 (the activations need it for e^-|x|), NaN
    # passed through. 1 + y is reduced to 1 + f with f in [-0.293, 0.415]:
    # f = y (k = 0) or f = (y - 1)/2 (k = 1, log(1+y) = ln2 + log(1+f)), both
    # exact. Then fdlibm's scheme, whose division error lands only in the
    # small correction term: log(1+f) = f - (hfsq - s (hfsq + R)).
    cdef bint big = y > 0.41421356237309503       # 1 + y > sqrt 2
    cdef double k = 1.0 if big else 0.0
    cdef double f = fa_log1p_unit_reduce(y, k)
    cdef double s = f / (2.0 + f)
    cdef double R = fa_lg_R(s)
    cdef double hfsq = 0.5 * f * f
    return k * FA_LN2_HI - ((hfsq - (s * (hfsq + R) + k * FA_LN2_LO)) - f)


cdef inline double fa_log1p_pos(double y) noexcept nogil:
    # log(1 + y) for 0 <= y < 2^52 (softmax's row totals: log1p(S/C)),
    # branch-free so that loops over rows vectorise. fdlibm's log1p (s_log1p.c):
    # u = 1 + y rounded, its rounding error y - (u - 1) exact there, and
    # log(1 + y) = log(u) + (y - (u - 1))/u to within 2^-104; u = 2^k m with
    # m in [sqrt2/2, sqrt2) from its bits (the exponent as a double by the
    # 2^52 trick: no integer conversion, which v3 lacks for vectors); log(m)
    # = log(1 + f), f = m - 1 exact, as in fa_log1p_unit; k ln2 split as in
    # fdlibm (k ln2_hi exact for |k| < 2^11).
    cdef double u = 1.0 + y
    cdef double c = (y - (u - 1.0)) / u
    cdef long long b = fa_bits(u) + FA_L1P_SHIFT
    cdef double k = fa_from_bits((b >> 52) | FA_L1P_2P52) - 4503599627371519.0   # 2^52 + 1023
    cdef double f = fa_from_bits((b & FA_L1P_MANT) + FA_L1P_BASE) - 1.0
    cdef double s = f / (2.0 + f)
    cdef double R = fa_lg_R(s)
    cdef double hfsq = 0.5 * f * f
    return k * 6.93147180369123816490e-01 - (
        (hfsq - (s * (hfsq + R) + (k * 1.90821492927058770002e-10 + c))) - f)


cdef inline double fa_log1p_unit_f32acc(double y) noexcept nogil:
    # fa_log1p_unit to float32 accuracy, for float32 kernels computing in
    # double: R(z) with the four coefficients of FreeBSD's e_logf.c
    # (|Lg - R(z)| <= 2^-34.24 on |s| <= 0.1716; R is itself a correction
    # of size < 0.02 s, so the result's relative error stays < 1e-11).
    cdef bint big = y > 0.41421356237309503
    cdef double k = 1.0 if big else 0.0
    cdef double f = fa_log1p_unit_reduce(y, k)
    cdef double s = f / (2.0 + f)
    cdef double z = s * s
    cdef double w = z * z
    cdef double R = z * (0.66666662693 + w * 0.28498786688) + w * (0.40000972152 + w * 0.24279078841)
    cdef double hfsq = 0.5 * f * f
    return k * FA_LN2_HI - ((hfsq - (s * (hfsq + R) + k * FA_LN2_LO)) - f)


cdef inline double fa_tanh(double x) noexcept nogil:
    # For |x| <= 0.55: tanh|x| = -m / (2 + m), m = expm1(-2|x|) (no
    # cancellation near 0); above: (1 - e) / (1 + e), e = exp(-2|x|) < 1/3,
    # where the rounding of e hardly matters; exactly 1 past |x| = 19.1.
    # The sign is restored last (tanh(-0.0) = -0.0); NaN passes through.
    # m and e come from one reduction of -2a: the bits of fa_expm1 and
    # fa_exp (|x| is clamped to 20, where e is still normal, so 2^n is one
    # factor: fa_reduce_neg), and one division for both sides.
    cdef double a = x if x >= 0.0 else -x
    cdef double r
    cdef double s = fa_reduce_neg(2.0 * x, FA_BITS_40, &r)      # -2a, clamped at -40
    cdef double q = fa_exp_taylor_q(r)
    cdef double m = fma(s * q, r, s - 1.0)
    cdef double e = fma(q, r, 1.0) * s
    cdef bint near0 = a <= 0.55
    cdef double num = -m if near0 else 1.0 - e
    cdef double den = 2.0 + m if near0 else 1.0 + e
    cdef double t = num / den
    t = t if a == a else x
    return copysign(t, x)       # t >= 0 (m = +0 at x = 0 gives num = -0)

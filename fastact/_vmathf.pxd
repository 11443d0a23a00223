# Vectorisable elementary functions in single precision, for the float32
# kernels that compute natively (16 lanes of AVX-512 instead of 8 doubles,
# and float division). Same method and rules as _vmath.pxd: Cody-Waite
# reduction with ln2 in two parts, a Taylor polynomial, 2^n from bits;
# branch-free selects only. Measured in tests/test_vmath.py.

from libc.math cimport copysignf, fabsf, fmaf

from fastact._common cimport fa_bitsf, fa_from_bitsf

cdef extern from *:
    """
    static const float FA_LOG2E_F = 1.44269502f;
    static const float FA_LN2_HI_F = 0.693147182f;      /* ln 2 rounded to float */
    static const float FA_LN2_LO_F = -1.90465421e-09f;  /* ln 2 - FA_LN2_HI_F */
    static const float FA_SHIFTER_F = 12582912.0f;      /* 1.5 * 2^23 */
    """
    const float FA_LOG2E_F, FA_LN2_HI_F, FA_LN2_LO_F, FA_SHIFTER_F


cdef inline float fa_expm1_reduced_f(float r) noexcept nogil:
    # q with e^r - 1 = q r, |r| <= ln2/2: Taylor to degree 7 (remainder
    # < 6e-9, a tenth of a float ULP); callers finish with one fmaf.
    cdef float q = <float>(1.0 / 5040.0)
    q = fmaf(q, r, <float>(1.0 / 720.0))
    q = fmaf(q, r, <float>(1.0 / 120.0))
    q = fmaf(q, r, <float>(1.0 / 24.0))
    q = fmaf(q, r, <float>(1.0 / 6.0))
    q = fmaf(q, r, 0.5)
    q = fmaf(q, r, 1.0)
    return q


cdef inline int fa_exp_reduce_unclamped_f(float xc, float* r, float* n_float) noexcept nogil:
    # x = n ln2 + r for an x the caller has clamped (|x| < 2^22 ln2), n by
    # the shifter trick (see fa_exp_reduce in _vmath.pxd); returns n.
    cdef float t = fmaf(xc, FA_LOG2E_F, FA_SHIFTER_F)
    cdef float n = t - FA_SHIFTER_F
    r[0] = fmaf(-n, FA_LN2_LO_F, fmaf(-n, FA_LN2_HI_F, xc))
    n_float[0] = n
    return fa_bitsf(t) - fa_bitsf(FA_SHIFTER_F)


cdef inline float fa_clamp_magnitude_f(float x, int c_bits) noexcept nogil:
    # x with |x| clamped to c (c_bits = fa_bitsf(c) > 0), sign kept, NaN to
    # +-c: one integer min on the bits (fa_clamp_magnitude in _vmath.pxd)
    cdef int b = fa_bitsf(x)
    cdef int m = b & 0x7fffffff
    return fa_from_bitsf((b ^ m) | (m if m < c_bits else c_bits))


cdef inline float fa_pow2f(int n) noexcept nogil:
    # 2^n for -126 <= n <= 127
    return fa_from_bitsf((n + 127) << 23)


cdef inline float fa_expf(float x) noexcept nogil:
    # e^x = 2^n e^r with 2^n in two halves (subnormal results and the
    # overflow to inf come out of the multiplications); |x| is clamped to
    # 104 (e^x rounds to 0 below -104, and to inf above 89 through the
    # halves). NaN passes through.
    cdef float r, nf
    cdef int n = fa_exp_reduce_unclamped_f(fa_clamp_magnitude_f(x, 0x42d00000), &r, &nf)   # |x| <= 104
    cdef int h = fa_bitsf(nf * <float>0.5 + FA_SHIFTER_F) - fa_bitsf(FA_SHIFTER_F)
    cdef float y = fmaf(fa_expm1_reduced_f(r), r, 1.0) * fa_pow2f(h) * fa_pow2f(n - h)
    return y if x == x else x


cdef inline float fa_expf_neg_split(float x, float* lo, float* scale) noexcept nogil:
    # e^x for x <= 0 as hi + lo, |lo| <= ulp(hi)/2, with ~0.2 ULP error left
    # (that of the polynomial times |r| <= 0.35; the rounding of
    # 1 + q r is returned in lo instead of being lost: 1 - hi is exact by
    # Sterbenz, hi in [0.7, 1.42] before scaling). Below x = -80 the pair is
    # scaled by 2^64 (scale = 2^-64, else 1) so that e^x, subnormal from
    # x = -87.3, keeps its precision until the caller's result is scaled back.
    # x is clamped at -120 (where every use underflows to 0; a positive x is
    # taken as -x); NaN is not
    # passed through (callers select it).
    cdef float r, nf
    cdef int n = fa_exp_reduce_unclamped_f(-fabsf(fa_clamp_magnitude_f(x, 0x42f00000)), &r, &nf)   # -120 <= x <= 0
    cdef bint far = x < -80.0
    cdef int k = 64 if far else 0
    scale[0] = <float>5.42101086242752217e-20 if far else <float>1.0
    cdef float q = fa_expm1_reduced_f(r)
    cdef float h = fmaf(q, r, 1.0)
    cdef float p = fa_pow2f(n + k)
    lo[0] = fmaf(q, r, <float>1.0 - h) * p
    return h * p


cdef inline float fa_log1pf_unit(float y, float yl) noexcept nogil:
    # log(1 + y + yl) for 0 <= y <= 1, |yl| <= ulp(y), natively in float
    # (softplus and log_sigmoid at beta = 1): fdlibm's scheme as
    # fa_log1p_unit in _vmath.pxd, with FreeBSD e_logf.c's R(z) (|Lg - R| <=
    # 2^-34.24 for |s| <= 0.1716). 1 + y = 2^k (1 + f + g): f = y (k = 0) or
    # (y - 1)/2 (k = 1, y > sqrt 2 - 1), y - 1 by Fast2Sum with its rounding
    # kept in g, together with yl; g enters as g / (1 + f) ~ g (1 - f + f^2),
    # which is 2^-24 of f and needs only a few bits. The final subtractions
    # round twice: softplus and log_sigmoid from it are within 1.30 ULP on
    # every float32 (tools/exhaustive_f32.py).
    cdef bint big = y > <float>0.41421356
    cdef float k = <float>1.0 if big else <float>0.0
    cdef float d = y - <float>1.0                     # Fast2Sum(-1, y): |y| <= 1
    cdef float dl = y - (d + <float>1.0)
    cdef float f = fmaf(<float>0.5 * k, d, (<float>1.0 - k) * y)
    cdef float g = fmaf(<float>0.5 * k, dl + yl, (<float>1.0 - k) * yl)
    cdef float s = f / (<float>2.0 + f)
    cdef float z = s * s
    cdef float w = z * z
    cdef float R = fmaf(z, fmaf(w, <float>0.28498786688, <float>0.66666662693),
                        w * fmaf(w, <float>0.24279078841, <float>0.40000972152))
    cdef float hfsq = <float>0.5 * f * f
    cdef float c = fmaf(s, hfsq + R, fmaf(k, FA_LN2_LO_F, g * fmaf(f, f - <float>1.0, <float>1.0)))
    return fmaf(k, FA_LN2_HI_F, -((hfsq - c) - f))


cdef inline float fa_tanhf(float x) noexcept nogil:
    # |x| <= 0.55: the Taylor series x + x^3 P(x^2) to x^19 (remainder
    # < 5e-9 relative); above: tanh a = 1 - 2e/(1+e), e = exp(-2a) <= 1/3,
    # where the error of 2e/(1+e) (< 0.5) shrinks in the subtraction
    # (< 1.7 ULP in all). Exactly 1 past a = 9.01. Sign restored last, by
    # copysign: tanh(-0) = -0 (a compare on x < 0 gave +0).
    cdef float a = fabsf(x)
    cdef float z = a * a
    cdef float p = <float>-0.00023912911424355248
    p = fmaf(p, z, <float>0.00059002744094558598)
    p = fmaf(p, z, <float>-0.0014558343870513183)
    p = fmaf(p, z, <float>0.0035921280365724810)
    p = fmaf(p, z, <float>-0.0088632355299021966)
    p = fmaf(p, z, <float>0.021869488536155203)
    p = fmaf(p, z, <float>-0.053968253968253968)
    p = fmaf(p, z, <float>0.13333333333333333)
    p = fmaf(p, z, <float>-0.33333333333333333)
    cdef float small = fmaf(a * z, p, a)
    cdef float e = fa_expf(<float>-2.0 * a)
    cdef float large = <float>1.0 - (<float>2.0 * e) / (<float>1.0 + e)
    # a <= 0.55 as a float compare (against the double 0.55 GCC converted
    # a to double): no float lies in (0.55, 0.55f], 0.55f = 0.55000001
    cdef float t = small if a < <float>0.55 else large
    t = t if a == a else x
    return copysignf(t, x)

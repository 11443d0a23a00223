/* float32 kernels written for AVX-512, 16 floats at a time (issue 5).
 *
 * The float32 silu that GCC vectorises from _math.pxd (fa_silu_f32) is 62
 * instructions per 16 floats with a vdivps; PyTorch's is about 35. Written
 * with intrinsics, the x86-64-v4 build gets what the auto-vectoriser cannot
 * give it:
 *   - a table-driven exp (Tang, ACM TOMS 15(2), 1989): 2^(j/16) from a
 *     16-entry table by one vpermps, so the polynomial needs degree 3 only;
 *   - vscalefps for 2^n, which keeps subnormal results to one rounding;
 *   - vrcp14ps instead of a division: the quotient is corrected by its
 *     residual, so a 14-bit reciprocal leaves an error of 2^-28;
 *   - vfixupimmps for the special values, one instruction for NaN, +-0 and
 *     +-inf.
 * These kernels are the v4 build's; the baseline and v3 builds keep the
 * _math.pxd kernels, whose bits differ (each level is held to the same
 * accuracy bound by the tests; tests/test_dispatch.py lists the functions).
 * Every layout and thread count gets the same bits: the loops of
 * _kernels.pyx.tp pass contiguous data straight in and strided data
 * through a buffer.
 *
 * Constants: tools/fit_exp16.py. */
#ifndef FA_SIMD16_H
#define FA_SIMD16_H

/* a block function: y[i] = f(x0[i], x1[i], p), i < n */
typedef void (*fa16_fn)(const float* x0, const float* x1, float* y, long long n, float p);

#if defined(__GNUC__) && defined(__AVX512F__) && defined(__AVX512DQ__)   /* vfpclassps: DQ */
#include <immintrin.h>
#define FA16 1

/* 2^(j/16) as hi + lo */
static const float FA16_T_HI[16] __attribute__((aligned(64))) = {
    1.000000000e+00f, 1.044273734e+00f, 1.090507746e+00f, 1.138788581e+00f,
    1.189207077e+00f, 1.241857767e+00f, 1.296839595e+00f, 1.354255557e+00f,
    1.414213538e+00f, 1.476826191e+00f, 1.542210817e+00f, 1.610490322e+00f,
    1.681792855e+00f, 1.756252170e+00f, 1.834008098e+00f, 1.915206552e+00f};
static const float FA16_T_LO[16] __attribute__((aligned(64))) = {
    0.000000000e+00f, 4.833470157e-08f, -1.307753994e-08f, 5.386222313e-08f,
    3.797635273e-08f, 4.496838102e-08f, -4.018999533e-08f, -1.012334927e-08f,
    2.420323497e-08f, -4.500898854e-08f, 8.070904833e-09f, 9.836217174e-09f,
    -2.475532668e-08f, -9.235770371e-09f, -1.123927795e-08f, 9.845328108e-09f};

#define FA16_SET _mm512_set1_ps
/* the per-vector functions inline into the block loops (a call per 16
 * floats would cost as much as a third of the work) */
#define FA16_INLINE static inline __attribute__((always_inline))

/* e^v for v <= 0, |v| <= 354, as 2^floor(kq) (eh + el): eh in [0.98, 2.02],
 * |el| <= ulp(eh)/2. With k = round(16 v / ln2) (the 1.5 * 2^23 shifter),
 * j = k mod 16 = the low bits of t, which vpermps reads as its index;
 * r = v - k ln2/16 (ln2/16 in two parts, the first with 11 bits, so that
 * its product is exact); e^r - 1 = p = r (1 + c2 r + c3 r^2);
 * e^v = 2^(k/16) e^r = 2^floor(k/16) T[j] (1 + p), T[j] = hi + lo, and
 * T[j] (1 + p) = hi + (hi p + lo) summed by Fast2Sum. Relative error before
 * the rounding of eh + el: 1.6e-9 from the polynomial, plus the float
 * rounding of ln2/16's second part times k: 1.5e-10 at |v| = 20, 2.2e-9
 * at 120, 5.5e-9 at 300 (where every use is far below the float range).
 * fa16_exp_neg_raw leaves out the Fast2Sum: 2^floor(kq) (hi + tail), hi
 * the table's T[j] and |tail| < 0.03 hi. */
FA16_INLINE void fa16_exp_neg_raw(__m512 v, __m512* hi, __m512* tail, __m512* kq) {
    const __m512 shifter = FA16_SET(12582912.0f);
    __m512 t = _mm512_fmadd_ps(v, FA16_SET(23.08312f), shifter);
    __m512 k = _mm512_sub_ps(t, shifter);
    __m512 r = _mm512_fmadd_ps(k, FA16_SET(-0.0433349609375f), v);
    r = _mm512_fmadd_ps(k, FA16_SET(1.3262153e-05f), r);
    __m512i j = _mm512_castps_si512(t);
    *hi = _mm512_permutexvar_ps(j, _mm512_load_ps(FA16_T_HI));
    __m512 lo = _mm512_permutexvar_ps(j, _mm512_load_ps(FA16_T_LO));
    __m512 p = _mm512_fmadd_ps(FA16_SET(0.16666722f), r, FA16_SET(0.50001615f));
    p = _mm512_mul_ps(_mm512_fmadd_ps(p, r, FA16_SET(1.0f)), r);
    *tail = _mm512_fmadd_ps(*hi, p, lo);
    *kq = _mm512_mul_ps(k, FA16_SET(0.0625f));             /* vscalefps floors it */
}

FA16_INLINE void fa16_exp_neg(__m512 v, __m512* eh, __m512* el, __m512* kq) {
    __m512 hi, tail;
    fa16_exp_neg_raw(v, &hi, &tail, kq);
    __m512 s = _mm512_add_ps(hi, tail);
    *eh = s;
    *el = _mm512_add_ps(_mm512_sub_ps(hi, s), tail);
}

/* -|x| clamped below at -lim (NaN gives -lim: vmaxps returns its second
 * operand), the argument of fa16_exp_neg */
FA16_INLINE __m512 fa16_minus_abs(__m512 x, float lim) {
    return _mm512_max_ps(_mm512_or_ps(x, FA16_SET(-0.0f)), FA16_SET(-lim));
}

/* v's mantissa in [1, 2) with v's sign (v = it 2^getexp(v)) */
FA16_INLINE __m512 fa16_mant(__m512 v) {
    return _mm512_getmant_ps(v, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
}

/* a b = (w + wl) 2^ev exactly, w + wl the product of the mantissas (FMA
 * residual), ev the sum of the exponents: neither overflows nor underflows,
 * whatever a and b are (the gated units' products, gy a in glu') */
FA16_INLINE __m512 fa16_mant_product(__m512 a, __m512 b, __m512* w, __m512* wl) {
    __m512 ma = fa16_mant(a), mb = fa16_mant(b);
    *w = _mm512_mul_ps(ma, mb);
    *wl = _mm512_fmsub_ps(ma, mb, *w);
    return _mm512_add_ps(_mm512_getexp_ps(a), _mm512_getexp_ps(b));
}

/* Below -745.13 (float: t < -745.133179) the float64 kernels' e^t is 0:
 * a sigmoid, silu or their derivatives is 0 there, as in float64 */
#define FA16_EXP_ZERO_BELOW (-745.133179f)

/* (num + numl) / (D + Dl) as q + c rd: rd the 14-bit reciprocal of D,
 * q = num rd, c the residual num - q D - q Dl + numl (FMAs: exact but for
 * the last sums), so that q + c rd is within 2^-28 where numl and Dl are
 * far below num and D (fa16_ratio explains). */
FA16_INLINE __m512 fa16_quotient(__m512 num, __m512 numl, __m512 D, __m512 Dl, __m512* c,
                                   __m512* rd) {
    *rd = _mm512_rcp14_ps(D);
    __m512 q = _mm512_mul_ps(num, *rd);
    *c = _mm512_add_ps(_mm512_fnmadd_ps(q, Dl, _mm512_fnmadd_ps(q, D, num)), numl);
    return q;
}

/* e = e^na (fa16_exp_neg: 2^floor(kq) (eh + el)) and 1 + e = d + dl with
 * the rounding of e in d kept (ek = el 2^floor(kq)), and its square
 * (1 + e)^2 = D + Dl (FMA): the denominators of the derivatives, where
 * the roundings of e would not cancel */
typedef struct { __m512 eh, el, kq, e, ek, d, dl, D, Dl; } fa16_one_plus_exp;

FA16_INLINE fa16_one_plus_exp fa16_one_plus_exp_sq(__m512 na) {
    fa16_one_plus_exp r;
    fa16_exp_neg(na, &r.eh, &r.el, &r.kq);
    r.e = _mm512_scalef_ps(r.eh, r.kq);
    r.ek = _mm512_scalef_ps(r.el, r.kq);
    r.d = _mm512_add_ps(FA16_SET(1.0f), r.e);
    r.dl = _mm512_add_ps(_mm512_sub_ps(r.e, _mm512_sub_ps(r.d, FA16_SET(1.0f))), r.ek);
    r.D = _mm512_mul_ps(r.d, r.d);
    r.Dl = _mm512_fmadd_ps(_mm512_add_ps(r.d, r.d), r.dl, _mm512_fmsub_ps(r.d, r.d, r.D));
    return r;
}

/* w f / (1 + e), e = e^na for na <= 0, f = 1 where neg is clear and e
 * where it is set, the factor 2^floor(kq) of that e left to the caller
 * (e = 2^floor(kq) (eh + el), fa16_exp_neg). 1 + e = d + dl exactly for e
 * rounded to a float (Fast2Sum); the numerator w (eh + el) (+ wl eh, if
 * pair) is carried as num + numl (FMA). With q = num / d from the
 * reciprocal,
 *   y = q + (num - q d - q dl + numl) / d
 * has an error of 2^-28 from vrcp14ps (the residual is 2^-14 of num) and
 * rounds about once. The rounding of e in 1 + e costs at most e/(1+e) of
 * its half ULP (where neg is set the numerator's e is exact and the
 * errors do not cancel). */
FA16_INLINE __m512 fa16_ratio(__m512 w, __m512 wl, int pair, __m512 na, __mmask16 neg,
                                __m512* kq) {
    const __m512 one = FA16_SET(1.0f);
    __m512 eh, el;
    fa16_exp_neg(na, &eh, &el, kq);
    __m512 e = _mm512_scalef_ps(eh, *kq);
    __m512 d = _mm512_add_ps(one, e);
    __m512 dl = _mm512_sub_ps(e, _mm512_sub_ps(d, one));
    __m512 fh = _mm512_mask_blend_ps(neg, one, eh);
    __m512 fl = _mm512_maskz_mov_ps(neg, el);
    __m512 num = _mm512_mul_ps(w, fh);
    __m512 numl = _mm512_fmadd_ps(w, fl, _mm512_fmsub_ps(w, fh, num));
    if (pair)
        numl = _mm512_fmadd_ps(wl, fh, numl);
    __m512 c, rd;
    __m512 q = fa16_quotient(num, numl, d, dl, &c, &rd);
    return _mm512_fmadd_ps(c, rd, q);
}

/* silu(x) = x / (1 + e) for x >= 0, x e / (1 + e) for x < 0, e = e^-|x|
 * (clamped at -120, where silu is -0 in float), 2^floor(kq) applied last
 * for x < 0 (one rounding where y is subnormal): 0.83 ULP at most over
 * every float32 (C harness against x / (1 + exp(-x)) in double;
 * tools/exhaustive_f32.py). */
FA16_INLINE __m512 fa16_silu(__m512 x) {
    __m512 na = fa16_minus_abs(x, 120.0f);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 kq;
    /* the numerator max(x, -120) */
    __m512 y = fa16_ratio(_mm512_mask_blend_ps(neg, x, na), x, 0, na, neg, &kq);
    y = _mm512_mask_scalef_ps(y, neg, y, kq);
    /* vfixupimmps by the class of x, one nibble per class: QNaN, SNaN and
     * +-0 give x (1), +1.0 the result (0), -inf -0 (7), +inf x (1) */
    return _mm512_fixupimm_ps(y, x, _mm512_set1_epi32(0x00170111), 0);
}

/* v sigmoid(t) (glu: a sigmoid(b); softplus': gy sigmoid(x)), as silu
 * with v for the numerator's x: v = m 2^ev (vgetmantps, vgetexpps), so that
 * m f neither overflows nor loses bits to the subnormals, and 2^ev joins
 * the final scaling. t is clamped at -300 (below, v sigmoid(t) < 2^128
 * e^-300 rounds to 0; -300 also serves glu's gb, whose v = gy a reaches
 * 2^256, with the same exponential). The special values of v (NaN, +-0, +-inf) give v by
 * vfixupimmps; then t = NaN gives NaN and t = -inf gives v * 0 (NaN for an
 * infinite v), by one masked product with max(0, t) (vmaxps returns its
 * second operand where one is NaN); so does t < -745.13, where the float64
 * kernels' sigmoid is 0 (tests/test_float32_specials.py). */
FA16_INLINE __m512 fa16_mul_sigmoid(__m512 v, __m512 t) {
    __m512 na = fa16_minus_abs(t, 300.0f);
    __mmask16 neg = _mm512_cmp_ps_mask(t, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 m = fa16_mant(v);
    __m512 ev = _mm512_getexp_ps(v);
    __m512 kq;
    __m512 y = fa16_ratio(m, m, 0, na, neg, &kq);
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, neg, ev, kq));
    /* v's classes: QNaN, SNaN, +-0, +-inf give v (1), the others y (0) */
    y = _mm512_fixupimm_ps(y, v, _mm512_set1_epi32(0x00110111), 0);
    /* NaN, and t < -745.1332 (-inf included), where the float64 kernels'
     * e^t is 0 (so an infinite v gives NaN there, as in float64) */
    __mmask16 odd = _mm512_cmp_ps_mask(t, FA16_SET(FA16_EXP_ZERO_BELOW), _CMP_NGE_UQ);
    return _mm512_mask_mul_ps(y, odd, v, _mm512_max_ps(_mm512_setzero_ps(), t));
}

/* swiglu: silu(a) b = (a b) sigmoid(a), a b carried as a pair of
 * mantissas times 2^(ea + eb) (neither overflows nor underflows, whatever
 * a and b are). Where a or b is 0, inf or NaN, or a < -745.13 (where the
 * float64 silu(a) is 0 or subnormal: -0 in float), the result is s b with
 * s = silu(a) by kind: a's sign for finite a, -0 below -745.13 and for
 * -inf, +inf, +-0 and NaN as they are (vfixupimmps). */
FA16_INLINE __m512 fa16_swiglu(__m512 a, __m512 b, float p) {
    (void)p;
    __m512 na = fa16_minus_abs(a, 300.0f);
    __mmask16 neg = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 w, wl;
    __m512 ev = fa16_mant_product(a, b, &w, &wl);
    __m512 kq;
    __m512 y = fa16_ratio(w, wl, 1, na, neg, &kq);
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, neg, ev, kq));
    /* classes 0x9f: QNaN, +-0, +-inf, SNaN */
    __mmask16 far = _mm512_cmp_ps_mask(a, FA16_SET(FA16_EXP_ZERO_BELOW), _CMP_LT_OQ);
    __mmask16 odd = _mm512_fpclass_ps_mask(a, 0x9f) | _mm512_fpclass_ps_mask(b, 0x9f) | far;
    /* a's classes: QNaN, SNaN, +-0, +inf give a (1), -inf -0 (7), others a (0) */
    __m512 s = _mm512_fixupimm_ps(a, a, _mm512_set1_epi32(0x00170111), 0);
    s = _mm512_mask_mov_ps(s, far, FA16_SET(-0.0f));
    return _mm512_mask_mul_ps(y, odd, s, b);
}

/* glu's gradients: ga = gy sigmoid(b) (fa16_mul_sigmoid) and
 * gb = (gy a) sigmoid'(b), sigmoid'(b) = e / (1 + e)^2 with e = e^-|b|
 * (symmetric). gy a is carried as a product of mantissas times 2^(ey + ea)
 * (as in swiglu), e as 2^floor(kq) (eh + el), (1 + e)^2 = D + Dl
 * (fa16_one_plus_exp_sq), and the quotient corrected by its residual
 * (fa16_quotient). The exponential and d are the ones ga computed (the
 * compiler merges them). Where gy or a is 0, inf or NaN, or b is NaN or
 * |b| > 745.13 (sigmoid' = 0 in float64, inf included), gb is the product
 * of their kinds: (gy a or its mantissas) times NaN, 0 or 1. */
FA16_INLINE __m512 fa16_glu_gb(__m512 gy, __m512 a, __m512 b) {
    const __m512 one = FA16_SET(1.0f), zero = _mm512_setzero_ps();
    fa16_one_plus_exp den = fa16_one_plus_exp_sq(fa16_minus_abs(b, 300.0f));
    __m512 w, wl;
    __m512 ev = fa16_mant_product(gy, a, &w, &wl);
    __m512 num = _mm512_mul_ps(w, den.eh);
    __m512 numl = _mm512_fmadd_ps(wl, den.eh, _mm512_fmadd_ps(w, den.el, _mm512_fmsub_ps(w, den.eh, num)));
    __m512 c, rd;
    __m512 q = fa16_quotient(num, numl, den.D, den.Dl, &c, &rd);
    __m512 y = _mm512_scalef_ps(_mm512_fmadd_ps(c, rd, q), _mm512_add_ps(ev, den.kq));
    /* the special cases by kind */
    __mmask16 vodd = _mm512_fpclass_ps_mask(gy, 0x9f) | _mm512_fpclass_ps_mask(a, 0x9f);
    __mmask16 far = _mm512_cmp_ps_mask(_mm512_abs_ps(b), FA16_SET(-FA16_EXP_ZERO_BELOW), _CMP_NLE_UQ);
    __m512 vk = _mm512_mask_mul_ps(w, vodd, gy, a);
    __m512 z = _mm512_mask_mov_ps(one, far, zero);
    z = _mm512_mask_mov_ps(z, _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q), b);
    return _mm512_mask_mul_ps(y, vodd | far, vk, z);
}

/* a + b = s + l exactly (Knuth's 2Sum: any order of magnitudes) */
FA16_INLINE void fa16_two_sum(__m512 a, __m512 b, __m512* s, __m512* l) {
    __m512 t = _mm512_add_ps(a, b);
    __m512 bv = _mm512_sub_ps(t, a);
    *l = _mm512_add_ps(_mm512_sub_ps(a, _mm512_sub_ps(t, bv)), _mm512_sub_ps(b, bv));
    *s = t;
}

/* silu'(x) = N / (1 + e)^2 with e = e^-|x| and
 *   N = 1 + e + x e      (x >= 0),
 *   N = e (1 + e + x)    (x < 0: zero at x0 = -1.2785, where the sum
 *                          cancels),
 * every term carried as a pair, (1 + e)^2 = D + Dl (fa16_one_plus_exp_sq),
 * and the quotient kept as q + ql (fa16_quotient) for the caller's
 * product; 2^floor(kq) of x < 0's e (lanes neg) is left to it too. */
typedef struct { __m512 q, ql, kq; __mmask16 neg; } fa16_silu_d_parts;

FA16_INLINE fa16_silu_d_parts fa16_silu_d(__m512 x) {
    fa16_silu_d_parts s;
    s.neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    fa16_one_plus_exp den = fa16_one_plus_exp_sq(fa16_minus_abs(x, 300.0f));
    /* x >= 0: d + x e (x e <= 1/e < d: Fast2Sum) */
    __m512 xe = _mm512_mul_ps(x, den.e);
    __m512 xel = _mm512_fmadd_ps(x, den.ek, _mm512_fmsub_ps(x, den.e, xe));
    __m512 ph = _mm512_add_ps(den.d, xe);
    __m512 pl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(den.d, ph), xe),
                              _mm512_add_ps(den.dl, xel));
    /* x < 0: (eh + el) (d + x + dl), d + x by 2Sum. Where it cancels
     * (x near x0) the exponential's 2^-28 leaves a relative error there, as
     * in float64: the promise is absolute near x0 (tests/ulp.py), and the
     * error 0.78 ULP of 1/64 at most. */
    __m512 sh, sl;
    fa16_two_sum(den.d, x, &sh, &sl);
    sl = _mm512_add_ps(sl, den.dl);
    __m512 nh = _mm512_mul_ps(den.eh, sh);
    __m512 nl = _mm512_fmadd_ps(den.eh, sl, _mm512_fmadd_ps(den.el, sh, _mm512_fmsub_ps(den.eh, sh, nh)));
    __m512 num = _mm512_mask_blend_ps(s.neg, ph, nh);
    __m512 numl = _mm512_mask_blend_ps(s.neg, pl, nl);
    __m512 c, rd;
    s.q = fa16_quotient(num, numl, den.D, den.Dl, &c, &rd);
    s.ql = _mm512_mul_ps(c, rd);
    s.kq = den.kq;
    return s;
}

/* y = v silu'(x) computed from s = fa16_silu_d(x), except where v or x is
 * 0, inf or NaN (vodd: v's lanes) or x < -745.13 (far: silu' = 0 in
 * float64): there vk (v, or a stand-in of its kind) times silu' by kind,
 * which is q + ql (its sign, and not 0: its magnitude does not matter
 * there), NaN for NaN, 1 at +inf, -0 at -inf and far. The sum q + ql, not
 * q alone: next to x0, d + x can round to 0 with the value in its low part
 * (silu'(-1.2784646) = -2.8e-9, and inf times q alone gave NaN, not -inf).
 * x's classes for vfixupimmps: QNaN, SNaN give x (1), -inf -0 (7: silu' <
 * 0 below x0), +inf +1 (10). */
FA16_INLINE __m512 fa16_silu_d_special(__m512 y, fa16_silu_d_parts s, __m512 x,
                                       __mmask16 vodd, __m512 vk) {
    __mmask16 far = _mm512_cmp_ps_mask(x, FA16_SET(FA16_EXP_ZERO_BELOW), _CMP_LT_OQ);
    __mmask16 odd = vodd | _mm512_fpclass_ps_mask(x, 0x99) | far;
    __m512 g = _mm512_fixupimm_ps(_mm512_add_ps(s.q, s.ql), x, _mm512_set1_epi32(0x00a70011), 0);
    g = _mm512_mask_mov_ps(g, far, FA16_SET(-0.0f));
    return _mm512_mask_mul_ps(y, odd, vk, g);
}

/* silu' times gy = m 2^ev (m: its mantissa): y = m (q + ql) 2^(ev + kq),
 * kq for x < 0; the special lanes by kind (fa16_silu_d_special). */
FA16_INLINE __m512 fa16_silu_vjp(__m512 gy, __m512 x, float p) {
    (void)p;
    fa16_silu_d_parts s = fa16_silu_d(x);
    __m512 m = fa16_mant(gy);
    __m512 ev = _mm512_getexp_ps(gy);
    __m512 y = _mm512_fmadd_ps(m, s.q, _mm512_mul_ps(m, s.ql));
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, s.neg, ev, s.kq));
    return fa16_silu_d_special(y, s, x, _mm512_fpclass_ps_mask(gy, 0x9f), gy);
}

/* swiglu's gradients: ga = (gy b) silu'(a), gy b carried as a product of
 * mantissas times 2^(ey + eb) (fa16_mant_product: neither overflows nor
 * underflows), times q + ql of fa16_silu_d, rounded once; and gb = gy
 * silu(a) = fa16_swiglu(a, gy). The exponential of a is shared (the
 * compiler merges the two). The special lanes of ga as in fa16_silu_vjp,
 * with gy b by kind: the product itself where a kind of gy or b decides,
 * or silu' = 1 (a = +inf: it rounds once, to inf if it overflows), else
 * the mantissas' product (its sign: silu' is 0 or NaN there, and gy b
 * rounded to float could overflow to inf, inf times 0 to NaN). The other
 * levels compute both in double from one e = e^-|a| (fa_swiglu_vjp_f32). */
FA16_INLINE __m512 fa16_swiglu_ga(__m512 gy, __m512 a, __m512 b) {
    fa16_silu_d_parts s = fa16_silu_d(a);
    __m512 w, wl;
    __m512 ev = fa16_mant_product(gy, b, &w, &wl);
    __m512 y = _mm512_fmadd_ps(w, s.q, _mm512_fmadd_ps(w, s.ql, _mm512_mul_ps(wl, s.q)));
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, s.neg, ev, s.kq));
    __mmask16 vodd = _mm512_fpclass_ps_mask(gy, 0x9f) | _mm512_fpclass_ps_mask(b, 0x9f);
    __m512 vk = _mm512_mask_mul_ps(w, vodd | _mm512_fpclass_ps_mask(a, 0x08), gy, b);
    return fa16_silu_d_special(y, s, a, vodd, vk);
}

/* hard_swish'(x) gy = gy (2x + 3) / 6 between the kinks; PyTorch's choice
 * at them: 0 for x <= -3, gy for x >= 3. The other levels' kernel
 * (fa_hard_swish_vjp_f32) computes in double, and its conversions bound
 * it: 27 instructions per 16 floats, half of them shuffles and
 * conversions. In float: 2x + 3 = th + tl (2Sum), gy (th + tl) = ph + pl
 * (FMA), ph / 6 = qh + r / 6 with r = ph - 6 qh exact (FMA; qh is within
 * 2^-23 of ph / 6, so r has a few bits), and y = qh + z, z = (r + pl) / 6
 * rounded (1/6 as two floats): correctly rounded but within about 2^-22
 * ULP of a tie. At an exact tie (short mantissas) z is exact, a multiple
 * of half an ULP, so y breaks it to even; with 1/6 in one float, z would
 * carry its error and tip it (375 of 10^8 random products went to odd).
 * That needs gy zero or within [2^-80, 2^100] (then every product and its
 * residual is exact and the result normal; a zero gy gives gy th, the
 * zero with its sign). Lanes with another gy (subnormal, huge, inf, NaN)
 * take the double formula of the other levels (for the whole vector, the
 * others keep their float result: the same bits whatever their
 * neighbours). */
#define FA16_SIXTH_F 0.166666672f            /* 1/6 = this + FA16_SIXTH_LO_F, to 2^-50 */
#define FA16_SIXTH_LO_F -4.96705388e-09f
#define FA16_SIXTH_D 0.16666666666666666     /* 1/6 = this + FA16_SIXTH_D_LO */
#define FA16_SIXTH_D_LO 9.25185853854297e-18

FA16_INLINE __m256 fa16_hard_swish_vjp_d8(__m256 gy, __m256 x) {
    __m512d p = _mm512_mul_pd(_mm512_cvtps_pd(gy), _mm512_fmadd_pd(_mm512_set1_pd(2.0),
                              _mm512_cvtps_pd(x), _mm512_set1_pd(3.0)));
    return _mm512_cvtpd_ps(_mm512_fmadd_pd(p, _mm512_set1_pd(FA16_SIXTH_D),
                           _mm512_mul_pd(p, _mm512_set1_pd(FA16_SIXTH_D_LO))));
}

FA16_INLINE __m512 fa16_hard_swish_vjp(__m512 gy, __m512 x, float p) {
    (void)p;
    __m512 ag = _mm512_abs_ps(gy);
    __mmask16 zero = _mm512_cmp_ps_mask(gy, _mm512_setzero_ps(), _CMP_EQ_OQ);
    __mmask16 fast = (_mm512_cmp_ps_mask(ag, FA16_SET(0x1p-80f), _CMP_GE_OQ)
                      & _mm512_cmp_ps_mask(ag, FA16_SET(0x1p100f), _CMP_LE_OQ)) | zero;
    __m512 th, tl;
    fa16_two_sum(_mm512_add_ps(x, x), FA16_SET(3.0f), &th, &tl);
    __m512 ph = _mm512_mul_ps(gy, th);
    __m512 pl = _mm512_fmadd_ps(gy, tl, _mm512_fmsub_ps(gy, th, ph));
    __m512 qh = _mm512_mul_ps(ph, FA16_SET(FA16_SIXTH_F));
    __m512 r = _mm512_add_ps(_mm512_fnmadd_ps(qh, FA16_SET(6.0f), ph), pl);
    __m512 z = _mm512_fmadd_ps(r, FA16_SET(FA16_SIXTH_F), _mm512_mul_ps(r, FA16_SET(FA16_SIXTH_LO_F)));
    __m512 y = _mm512_add_ps(qh, z);
    y = _mm512_mask_mul_ps(y, zero, gy, th);
    if (__builtin_expect(fast != 0xffff, 0)) {
        __m256 lo = fa16_hard_swish_vjp_d8(_mm512_castps512_ps256(gy), _mm512_castps512_ps256(x));
        __m256 hi = fa16_hard_swish_vjp_d8(_mm512_extractf32x8_ps(gy, 1), _mm512_extractf32x8_ps(x, 1));
        y = _mm512_mask_blend_ps(fast, _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1), y);
    }
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, FA16_SET(3.0f), _CMP_GE_OQ), gy);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, FA16_SET(-3.0f), _CMP_LE_OQ),
                              _mm512_setzero_ps());
}

/* softplus' at beta = 1: g sigmoid(x), and g itself where x > p (the
 * threshold, rounded down to a float by the caller: the same compare) */
FA16_INLINE __m512 fa16_softplus_vjp_b1(__m512 g, __m512 x, float p) {
    __mmask16 past = _mm512_cmp_ps_mask(x, _mm512_set1_ps(p), _CMP_GT_OQ);
    return _mm512_mask_mov_ps(fa16_mul_sigmoid(g, x), past, g);
}

/* log_sigmoid': g sigmoid(-x) */
FA16_INLINE __m512 fa16_log_sigmoid_vjp(__m512 g, __m512 x, float p) {
    (void)p;
    return fa16_mul_sigmoid(g, _mm512_xor_ps(x, _mm512_set1_ps(-0.0f)));
}

/* glu: a sigmoid(b) */
FA16_INLINE __m512 fa16_glu(__m512 a, __m512 b, float p) {
    (void)p;
    return fa16_mul_sigmoid(a, b);
}

FA16_INLINE __m512 fa16_silu2(__m512 x, __m512 unused, float p) {
    (void)unused; (void)p;
    return fa16_silu(x);
}

#include "_gelu16.h"

/* The block functions the loops call (through one pointer type):
 * y[i] = f(x0[i], x1[i], p) for i < n (x1 unused by the unary ones), 16 at
 * a time, the tail as a masked vector: the same arithmetic on every lane,
 * so an element's bits do not depend on its position. Each vector is
 * loaded before its results are stored: in place, or an output one element
 * behind its input, computes in order. */
#define FA16_BLOCK(name, f, binary)                                              \
    static inline void name(const float* x0, const float* x1, float* y,          \
                            long long n, float p) {                              \
        long long i = 0;                                                         \
        for (; i + 16 <= n; i += 16)                                             \
            _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x0 + i),                   \
                binary ? _mm512_loadu_ps(x1 + i) : _mm512_setzero_ps(), p));     \
        if (i < n) {                                                             \
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                      \
            _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x0 + i),  \
                binary ? _mm512_maskz_loadu_ps(m, x1 + i) : _mm512_setzero_ps(), \
                p));                                                             \
        }                                                                        \
    }

/* The gated units' gradients: (ga, gb)[i] = (fa, fb)(gy[i], a[i], b[i]),
 * as FA16_BLOCK. */
typedef void (*fa16_vjp_fn)(const float* gy, const float* a, const float* b, float* ga,
                            float* gb, long long n);
#define FA16_VJP_BLOCK(name, fa, fb)                                             \
    static inline void name(const float* gy, const float* a, const float* b,     \
                            float* ga, float* gb, long long n) {                 \
        long long i = 0;                                                         \
        for (; i + 16 <= n; i += 16) {                                           \
            __m512 g = _mm512_loadu_ps(gy + i), u = _mm512_loadu_ps(a + i),      \
                   v = _mm512_loadu_ps(b + i);                                   \
            __m512 ra = fa(g, u, v), rb = fb(g, u, v);                           \
            _mm512_storeu_ps(ga + i, ra);                                        \
            _mm512_storeu_ps(gb + i, rb);                                        \
        }                                                                        \
        if (i < n) {                                                             \
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                      \
            __m512 g = _mm512_maskz_loadu_ps(m, gy + i),                         \
                   u = _mm512_maskz_loadu_ps(m, a + i),                          \
                   v = _mm512_maskz_loadu_ps(m, b + i);                          \
            __m512 ra = fa(g, u, v), rb = fb(g, u, v);                           \
            _mm512_mask_storeu_ps(ga + i, m, ra);                                \
            _mm512_mask_storeu_ps(gb + i, m, rb);                                \
        }                                                                        \
    }

FA16_INLINE __m512 fa16_glu_ga(__m512 gy, __m512 a, __m512 b) {
    (void)a;
    return fa16_mul_sigmoid(gy, b);
}

FA16_INLINE __m512 fa16_swiglu_gb(__m512 gy, __m512 a, __m512 b) {
    (void)b;
    return fa16_swiglu(a, gy, 0.0f);
}

FA16_VJP_BLOCK(fa16_glu_vjp_block, fa16_glu_ga, fa16_glu_gb)
FA16_VJP_BLOCK(fa16_swiglu_vjp_block, fa16_swiglu_ga, fa16_swiglu_gb)
FA16_BLOCK(fa16_silu_block, fa16_silu2, 0)
FA16_BLOCK(fa16_softplus_vjp_b1_block, fa16_softplus_vjp_b1, 1)
FA16_BLOCK(fa16_log_sigmoid_vjp_block, fa16_log_sigmoid_vjp, 1)
FA16_BLOCK(fa16_glu_block, fa16_glu, 1)
FA16_BLOCK(fa16_swiglu_block, fa16_swiglu, 1)
FA16_BLOCK(fa16_silu_vjp_block, fa16_silu_vjp, 1)
FA16_BLOCK(fa16_gelu_block, fa16_gelu, 0)
FA16_BLOCK(fa16_gelu_vjp_block, fa16_gelu_vjp, 1)
FA16_BLOCK(fa16_geglu_block, fa16_geglu, 1)
FA16_BLOCK(fa16_hard_swish_vjp_block, fa16_hard_swish_vjp, 1)

#else
#define FA16 0
/* never called: the loops test FA16 first */
#define FA16_STUB(name)                                                          \
    static inline void name(const float* x0, const float* x1, float* y,          \
                            long long n, float p) {                              \
        (void)x0; (void)x1; (void)y; (void)n; (void)p;                           \
    }
FA16_STUB(fa16_silu_block)
FA16_STUB(fa16_softplus_vjp_b1_block)
FA16_STUB(fa16_log_sigmoid_vjp_block)
FA16_STUB(fa16_glu_block)
FA16_STUB(fa16_swiglu_block)
FA16_STUB(fa16_silu_vjp_block)
FA16_STUB(fa16_gelu_block)
FA16_STUB(fa16_gelu_vjp_block)
FA16_STUB(fa16_geglu_block)
FA16_STUB(fa16_hard_swish_vjp_block)
typedef void (*fa16_vjp_fn)(const float* gy, const float* a, const float* b, float* ga,
                            float* gb, long long n);
#define FA16_VJP_STUB(name)                                                      \
    static inline void name(const float* gy, const float* a, const float* b,     \
                            float* ga, float* gb, long long n) {                 \
        (void)gy; (void)a; (void)b; (void)ga; (void)gb; (void)n;                 \
    }
FA16_VJP_STUB(fa16_glu_vjp_block)
FA16_VJP_STUB(fa16_swiglu_vjp_block)
#endif

#endif

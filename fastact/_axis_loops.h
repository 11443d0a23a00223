/* The inner loops of the axis-wise kernels (_axis.pxi) for the common case:
 * one block of a row, contiguous, no mask, no weights. Everything else runs
 * through the general loops of _axis.pxi, which compute the same numbers in
 * the same order (same exp, same eight partial sums), so a value gets the
 * same bits whichever loop handles it.
 *
 * The loops keep eight independent lanes (element i goes to lane i % 8) so
 * the compiler vectorises them. The build has no FMA contraction
 * (-ffp-contract=off): the FMAs are explicit (FA_AX_MADD), so every version
 * built for one instruction-set level computes the same bits.
 */
#ifndef FASTACT_AXIS_LOOPS_H
#define FASTACT_AXIS_LOOPS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

/* No target_clones: the whole module is built once per instruction-set
 * level (setup.py) and chosen at import (_dispatch.py); a clone for plain
 * "avx512f" measured 6x slower here than the module's own -march code
 * (scalar, branchy: its cost model refused the float->double loops).
 * noinline: inlined into Cython's _stats_fast, GCC vectorised these loops
 * worse (logsumexp of 1000 x 1000 float64: 4.0 -> 2.9 ns per element). */
#if defined(__GNUC__)
#define FA_AX_CLONES __attribute__((noinline))
#else
#define FA_AX_CLONES
#endif

/* exp(t) for t <= 0 (t = -inf gives 0; no NaN reaches it), branch-free.
 * t = k ln2 + r with |r| <= ln2/2: k by the 1.5 * 2^52 rounding trick (the
 * low bits of t log2(e) + 1.5 * 2^52 hold k), ln2 split as in fdlibm so
 * k ln2_hi is exact; exp(r) by its Taylor polynomial; 2^k built in the
 * exponent bits as 2^(k + 54) * 2^-54, so results down to the subnormals
 * get one rounding. Degree 13 leaves r^14/14! < 5e-18 (within 1 ulp of
 * libm). */
static const double FA_AX_LOG2E = 1.4426950408889634;
static const double FA_AX_SHIFT = 6755399441055744.0;          /* 1.5 * 2^52 */
static const double FA_AX_LN2_HI = 6.93147180369123816490e-01;
static const double FA_AX_LN2_LO = 1.90821492927058770002e-10;
static const double FA_AX_2M54 = 1.0 / 18014398509481984.0;     /* 2^-54 */

static inline double fa_ax_reduce(double t, double* r) {
    double kd, k;
    t = t > -746.0 ? t : -746.0;               /* exp(-746) = 0: covers -inf */
    kd = t * FA_AX_LOG2E + FA_AX_SHIFT;
    k = kd - FA_AX_SHIFT;
    *r = (t - k * FA_AX_LN2_HI) - k * FA_AX_LN2_LO;
    return kd;
}

static inline double fa_ax_scale(double p, double kd) {
    uint64_t bits;
    double s;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + (uint64_t)(1023 + 54)) << 52;  /* 2^(k + 54), k >= -1077 */
    memcpy(&s, &bits, sizeof s);
    return (p * s) * FA_AX_2M54;
}

/* 1/k!, k = 0..13 */
static const double FA_AX_INV_FACT[14] = {
    1.0, 1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0,
    1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0,
    1.0 / 479001600.0, 1.0 / 6227020800.0,
};

/* One step of Horner's rule: fused where the instruction set has FMA (v3,
 * v4: half the operations, and one rounding per step instead of two); the
 * baseline build keeps the product and the sum (libm's fma would be a call
 * per term there), so its results may differ from v3/v4 in the last bit. */
#if defined(__FMA__)
#define FA_AX_MADD(a, b, c) fma(a, b, c)
#else
#define FA_AX_MADD(a, b, c) ((a) * (b) + (c))
#endif

/* Horner's rule written out (a loop over the table, once FMA came in, was
 * neither unrolled nor vectorised) */
#define FA_AX_H(k) p = FA_AX_MADD(p, r, FA_AX_INV_FACT[k])

static inline double fa_ax_exp(double t) {
    double r, p, kd = fa_ax_reduce(t, &r);
    p = FA_AX_INV_FACT[13];
    FA_AX_H(12); FA_AX_H(11); FA_AX_H(10); FA_AX_H(9); FA_AX_H(8); FA_AX_H(7);
    FA_AX_H(6); FA_AX_H(5); FA_AX_H(4); FA_AX_H(3); FA_AX_H(2); FA_AX_H(1); FA_AX_H(0);
    return fa_ax_scale(p, kd);
}

/* For float32 results: degree 8 leaves r^9/9! < 2e-10, far below float32's
 * eps (6e-8); computed in double like everything else, so a float32 result
 * is the double result rounded once. */
static inline double fa_ax_exp32(double t) {
    double r, p, kd = fa_ax_reduce(t, &r);
    p = FA_AX_INV_FACT[8];
    FA_AX_H(7); FA_AX_H(6); FA_AX_H(5); FA_AX_H(4); FA_AX_H(3); FA_AX_H(2); FA_AX_H(1);
    FA_AX_H(0);
    return fa_ax_scale(p, kd);
}

/* float32 rows at temperature 1: exp(v - m), v <= m floats, m finite, in
 * float arithmetic (16 lanes of AVX-512 instead of 8 doubles). Its a b + c
 * are fused on the FMA builds (FA_AXF_MADD), as the double loops' are: the
 * v3 and v4 builds compute the same bits, the baseline (no fmaf call)
 * may differ from them in the last bit. The fused version is the faster
 * (AVX-512, a 2048-entry block in a C loop: 0.69 -> 0.575 ns per element;
 * GCC's float adds were the loop's bottleneck) and the more accurate (0.20
 * eps at most on 4e7 random pairs against expl, 0.22 unfused).
 * Returns h, lw and n with exp(v - m) = (h + lw) 2^n to within 0.25 float
 * eps (eps = 2^-23), joined in double by fa_axf_join (2^n in double: the
 * float range would end at e^-87, and gradients or weights up to 1e38 make
 * e^-200 visible), so the sum and the output (e r, rounded once to float)
 * see that error, not a float rounding of e.
 *
 * Error analysis (relative error of the result, in eps):
 * - d = v - m is not exact in float (|d| up to ~100 would cost ~|d|/2
 *   eps): d = hi + lo exactly by 2Sum (Knuth), |lo| <= ulp(hi)/2.
 * - n = rint(hi / ln2) by the shifter, n in [-511, 0]; Cody-Waite's ln2_hi
 *   has 15 bits, so n ln2_hi is exact and r1 = hi - n ln2_hi is exact (a
 *   multiple of 2^-25 below 0.35 in size, as hi ~ n ln2).
 * - s = lo - n ln2_lo: |s| < 7.4e-4, error < 1e-10 (0.001 eps).
 * - e^(r1 + s) = 1 + (r1 + s) + r^2 q2(r), r = fl(r1 + s), |r| <= 0.35:
 *   the linear part exactly as h + (r1 - (h - 1)) + s (h = fl(1 + r1),
 *   Fast2Sum), so r's rounding (2^-26) only enters r^2 q2: 2 r 2^-26,
 *   0.04 eps. q2 = (e^r - 1 - r)/r^2 to 0.09 eps of e^r (fit below); its
 *   float evaluation (relative ~2^-23) times r^2 <= 0.12: 0.03 eps; lw's
 *   roundings: < 0.03 eps.
 * - (h + lw) 2^n in double: 2^-53.
 * In all < 0.25 eps (0.20 and 0.22 measured, above);
 * tests/test_axis.py measures the outputs. v - m <= -354 (e^-354 =
 * 1.6e-154; v = -inf in the general loops, v - m overflowing) gives 0. */
static const float FA_AXF_LOG2E = 1.44269502f;
static const float FA_AXF_SHIFT = 12582912.0f;                  /* 1.5 * 2^23 */
static const float FA_AXF_LN2_HI = 0.693145751953125f;          /* 0x3f317200 */
static const float FA_AXF_LN2_LO = 1.42860677e-06f;             /* 0x35bfbe8e */
/* q2(r) = (e^r - 1 - r)/r^2 on |r| <= 0.3466, degree 4 (0.5 + Q2 r + ...
 * + Q5 r^4): (e^r - 1)/r interpolated at the Chebyshev nodes with mpmath
 * (tools/fit_expf_axis.py), coefficients rounded to float; 1 + r + r^2 q2
 * is within 1.1e-8 (0.09 eps) of e^r */
static const float FA_AXF_Q2 = 0.166665047f;                    /* 0x3e2aaa3e */
static const float FA_AXF_Q3 = 0.0416664667f;                   /* 0x3d2aaa75 */
static const float FA_AXF_Q4 = 0.00836915430f;                  /* 0x3c091ec7 */
static const float FA_AXF_Q5 = 0.00139336474f;                  /* 0x3ab6a190 */

/* a b + c: fused on the FMA builds (v3, v4), as FA_AX_MADD below; the
 * baseline's product and sum give the same bits as before FMA came in */
#if defined(__FMA__)
#define FA_AXF_MADD(a, b, c) fmaf(a, b, c)
#else
#define FA_AXF_MADD(a, b, c) ((a) * (b) + (c))
#endif

static inline float fa_axf_parts(float v, float m, float* lw_out, int32_t* n_out) {
    float hi = v - m, bv, lo, t, n, r1, s, r, r2, q2, h, lw;
    int32_t nb, ok;
    bv = hi - v;                                  /* 2Sum: hi + lo = v - m */
    lo = (v - (hi - bv)) + ((-m) - bv);
    ok = hi > -354.0f;                            /* false for -inf, inf - inf */
    lo = ok ? lo : 0.0f;
    hi = ok ? hi : -354.0f;
    t = FA_AXF_MADD(hi, FA_AXF_LOG2E, FA_AXF_SHIFT);
    n = t - FA_AXF_SHIFT;
    r1 = FA_AXF_MADD(n, -FA_AXF_LN2_HI, hi);     /* exact */
    s = FA_AXF_MADD(n, -FA_AXF_LN2_LO, lo);
    r = r1 + s;                                   /* rounded: for r^2 q2 only */
    r2 = r * r;                                   /* Estrin: half Horner's latency */
    q2 = FA_AXF_MADD(r2, FA_AXF_MADD(r2, FA_AXF_Q5, FA_AXF_MADD(FA_AXF_Q4, r, FA_AXF_Q3)),
                     FA_AXF_MADD(FA_AXF_Q2, r, 0.5f));
    h = 1.0f + r1;                                /* Fast2Sum: h + (r1 - (h - 1)) = 1 + r1 */
    lw = FA_AXF_MADD(r2, q2, (r1 - (h - 1.0f)) + s);
    memcpy(&nb, &t, sizeof nb);
    *n_out = nb - 0x4b400000;                     /* the bits of FA_AXF_SHIFT: n */
    *lw_out = ok ? lw : 0.0f;
    return ok ? h : 0.0f;
}

static inline double fa_axf_join(float h, float lw, int32_t n) {
    uint64_t bits = (uint64_t)(int64_t)(n + 1023) << 52;     /* 2^n, n >= -511 */
    double p;
    memcpy(&p, &bits, sizeof p);
    return ((double)h + (double)lw) * p;
}

/* exp((v - m) / T) for a float32 result: the float version above at T = 1
 * (where the argument needs no product), else the double one. Every loop
 * (contiguous, strided, masked, lanes) calls this or the same two halves. */
static inline double fa_ax_exp32_vm(double v, double m, double invT) {
    float lw, h;
    int32_t n;
    if (invT != 1.0) return fa_ax_exp32((v - m) * invT);
    h = fa_axf_parts((float)v, (float)m, &lw, &n);
    return fa_axf_join(h, lw, n);
}

/* the double one alone, for loops that only run at T != 1 */
static inline double fa_ax_exp32_3(double v, double m, double invT) {
    return fa_ax_exp32((v - m) * invT);
}

static inline double fa_ax_exp_vm(double v, double m, double invT) {
    return fa_ax_exp((v - m) * invT);
}

static inline double fa_ax_sum8(const double* a) {
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* acc[i % 8] += v[i] for i < n, in order of i (lane i % 8 of a row or
 * chunk that starts at a multiple of 8). Written as the plain double loop,
 * GCC 12 vectorised it across i with 8 x 8 transposes (vpermt2pd, 6000
 * instructions for fa_ax_expsum_d); the two 4-wide vectors of GCC's vector
 * extension do the same additions in the same order, so the bits do not
 * change (an expsum of 2048 doubles: 3.6 -> 1.35 ns per element on v4, 3.3
 * -> 2.2 on v3, 7.6 -> 5.4 on the baseline). */
#define FA_AX_CHUNK 256
static inline void fa_ax_lanes_add(double* acc, const double* v, ptrdiff_t n) {
    ptrdiff_t i, n8 = n - n % 8;
#if defined(__GNUC__)
    typedef double v4d __attribute__((vector_size(32)));
    v4d a0, a1, b0, b1;
    memcpy(&a0, acc, sizeof a0);
    memcpy(&a1, acc + 4, sizeof a1);
    for (i = 0; i < n8; i += 8) {
        memcpy(&b0, v + i, sizeof b0);
        memcpy(&b1, v + i + 4, sizeof b1);
        a0 += b0;
        a1 += b1;
    }
    memcpy(acc, &a0, sizeof a0);
    memcpy(acc + 4, &a1, sizeof a1);
#else
    ptrdiff_t l;
    for (i = 0; i < n8; i += 8)
        for (l = 0; l < 8; l++) acc[l] += v[i + l];
#endif
    for (i = n8; i < n; i++) acc[i - n8] += v[i];
}

/* fa_ax_max_d: m = max and mn = min of v = sg x over a float64 block; z NaN
 * iff some entry is inf or NaN (then the caller takes the careful general
 * loop and ignores m and mn), else 0. On the integer bits as fa_ax_max_f32
 * below (the double max compiled to scalar vmaxsd: 0.37 -> 0.14 ns per
 * element). The minimum tells the backward whether a block has entries in
 * the far tail (_axis_math.pxi, "far tails"). */
FA_AX_CLONES static void fa_ax_max_d(const double* x, ptrdiff_t n, double sg,
                                     double* m_out, double* mn_out, double* z_out) {
    int64_t km = INT64_MIN, kn = INT64_MAX, bad = 0, b;
    ptrdiff_t i;
    double m;
    for (i = 0; i < n; i++) {
        double v = sg * x[i];
        int64_t k;
        memcpy(&b, &v, sizeof b);
        k = b ^ ((b >> 63) & INT64_MAX);         /* order-preserving, self-inverse */
        km = km > k ? km : k;
        kn = kn < k ? kn : k;
        bad |= (b & 0x7ff0000000000000LL) == 0x7ff0000000000000LL;
    }
    b = km ^ ((km >> 63) & INT64_MAX);
    memcpy(&m, &b, sizeof m);
    *m_out = n > 0 ? m : -INFINITY;
    b = kn ^ ((kn >> 63) & INT64_MAX);
    memcpy(&m, &b, sizeof m);
    *mn_out = n > 0 ? m : INFINITY;
    *z_out = bad ? NAN : 0.0;
}

/* fa_ax_count_band: how many v = s x lie in (lo, hi): the float64
 * backward's count of entries past the cut (_axis_tails.pxi). Written
 * here because the Cython loop, reading lo and hi through pointers, stayed
 * scalar (0.2 ns per element; vectorised: two compares and a masked add). */
FA_AX_CLONES static ptrdiff_t fa_ax_count_band(const double* x, ptrdiff_t n, double s,
                                               double lo, double hi) {
    ptrdiff_t i, k = 0;
    for (i = 0; i < n; i++) {
        double v = s * x[i];
        k += (v > lo) & (v < hi);
    }
    return k;
}

/* FA_AX_LOOPS(T, SUF, EXP) defines, for input type T (computed in double):
 *
 * fa_ax_expsum_SUF: e_i = EXP(v_i, m, 1/T) = exp((v_i - m)/T) (stored when e != NULL),
 *   c = number of v_i == m, s = sum of the other e_i in lanes i % 8 (adding
 *   e_i - [v_i == m], which is e_i or exactly 0). One comparison feeds both:
 *   two would stop the vectoriser.
 * fa_ax_softmax_SUF: o_i = e_i r (e_i recomputed when e == NULL).
 * fa_ax_log_softmax_SUF: o_i = (v_i - M) / T - L.
 */
#define FA_AX_LOOPS(T, SUF, EXP)                                                   \
FA_AX_CLONES static void fa_ax_expsum_##SUF(const T* x, ptrdiff_t n, double sg,    \
        double m, double invT, double* e, double* c_out, double* s_out) {          \
    /* by chunks: the exps, indicators and differences in one loop (a map,     \
       which vectorises), then their lane sums */                               \
    double buf[FA_AX_CHUNK], q[FA_AX_CHUNK], d[FA_AX_CHUNK], cnt[8], acc[8];       \
    ptrdiff_t i0, i, l, len;                                                       \
    for (l = 0; l < 8; l++) { cnt[l] = 0.0; acc[l] = 0.0; }                        \
    for (i0 = 0; i0 < n; i0 += FA_AX_CHUNK) {                                      \
        double* ee = e != NULL ? e + i0 : buf;                                     \
        len = n - i0 < FA_AX_CHUNK ? n - i0 : FA_AX_CHUNK;                         \
        for (i = 0; i < len; i++) {                                                \
            double v = sg * (double)x[i0 + i];                                     \
            double ex = EXP(v, m, invT);                                           \
            double eq = v == m ? 1.0 : 0.0;                                        \
            ee[i] = ex;                                                            \
            q[i] = eq;                                                             \
            d[i] = ex - eq;                   /* ex = 1 exactly where eq = 1 */    \
        }                                                                          \
        fa_ax_lanes_add(cnt, q, len);                                              \
        fa_ax_lanes_add(acc, d, len);                                              \
    }                                                                              \
    *c_out = fa_ax_sum8(cnt);                  /* whole numbers: exact */          \
    *s_out = fa_ax_sum8(acc);                                                      \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_softmax_##SUF(const T* x, ptrdiff_t n, double sg,   \
        double m, double invT, double r, const double* e, T* o) {                  \
    ptrdiff_t i;                                                                   \
    if (e != NULL)                                                                 \
        for (i = 0; i < n; i++) o[i] = (T)(e[i] * r);                              \
    else                                                                           \
        for (i = 0; i < n; i++) o[i] = (T)(EXP(sg * (double)x[i], m, invT) * r); \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_log_softmax_##SUF(const T* x, ptrdiff_t n,          \
        double sg, double M, double invT, double L, T* o) {                        \
    ptrdiff_t i;                                                                   \
    for (i = 0; i < n; i++) o[i] = (T)((sg * (double)x[i] - M) * invT - L);        \
}

/* FA_AX_BWD_LOOPS(T, SUF): the backward of softmax and log_softmax over one
 * contiguous block, grad_output g with stride gs (0: broadcast, or 1); the
 * softmax p_i is y_i (y != NULL) or e_i r. As _dot and _write compute it.
 * fa_ax_dot_lanes_SUF: adds g_i p_i (softmax) or g_i (log_softmax, p
 *   unused) to the eight lanes acc[i % 8] (fa_ax_dot_SUF below).
 * fa_ax_softmax_bwd_SUF: o_i = sg (p_i (g_i - dot)) / T.
 * fa_ax_log_softmax_bwd_SUF: o_i = sg (g_i - p_i dot) / T. */
#define FA_AX_BWD_LOOPS(T, SUF)                                                    \
static inline void fa_ax_dot_lanes_##SUF(const T* g, ptrdiff_t gs, const T* y,     \
        const double* e, double r, ptrdiff_t n, int weighted, double* acc) {       \
    /* by chunks: the terms (a map, which vectorises), then their lane sums */  \
    double t[FA_AX_CHUNK], g0 = n > 0 ? (double)g[0] : 0.0;                        \
    ptrdiff_t i0, i, len;                                                          \
    for (i0 = 0; i0 < n; i0 += FA_AX_CHUNK) {                                      \
        const T* gg = g + i0 * gs;                                                 \
        len = n - i0 < FA_AX_CHUNK ? n - i0 : FA_AX_CHUNK;                         \
        if (!weighted && gs == 0)                                                  \
            for (i = 0; i < len; i++) t[i] = g0;                                   \
        else if (!weighted)                                                        \
            for (i = 0; i < len; i++) t[i] = (double)gg[i];                        \
        else if (y != NULL && gs == 0)                                             \
            for (i = 0; i < len; i++) t[i] = g0 * (double)y[i0 + i];               \
        else if (y != NULL)                                                        \
            for (i = 0; i < len; i++) t[i] = (double)gg[i] * (double)y[i0 + i];    \
        else if (gs == 0)                                                          \
            for (i = 0; i < len; i++) t[i] = g0 * (e[i0 + i] * r);                 \
        else                                                                       \
            for (i = 0; i < len; i++) t[i] = (double)gg[i] * (e[i0 + i] * r);      \
        fa_ax_lanes_add(acc, t, len);                                              \
    }                                                                              \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_softmax_bwd_##SUF(const T* g, ptrdiff_t gs,         \
        const T* y, const double* e, double r, ptrdiff_t n, double dot,            \
        double sg, double invT, T* o) {                                            \
    ptrdiff_t i;                                                                   \
    if (y != NULL && sg == 1.0 && invT == 1.0 && gs == 1) {                        \
        /* the common case without the two products by 1 (the same bits):      \
         * 19 instructions per 16 float32 instead of 23 */                        \
        if (!fa_ax_bwd_y1_##SUF(g, y, n, dot, o))                                  \
            for (i = 0; i < n; i++)                                                \
                o[i] = (T)((double)y[i] * ((double)g[i] - dot));                   \
    } else if (y != NULL)                                                            \
        for (i = 0; i < n; i++)                                                    \
            o[i] = (T)(sg * ((double)y[i] * ((double)g[i * gs] - dot)) * invT);    \
    else                                                                           \
        for (i = 0; i < n; i++)                                                    \
            o[i] = (T)(sg * ((e[i] * r) * ((double)g[i * gs] - dot)) * invT);      \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_log_softmax_bwd_##SUF(const T* g, ptrdiff_t gs,     \
        const double* e, double r, ptrdiff_t n, double dot, double sg,             \
        double invT, T* o) {                                                       \
    ptrdiff_t i;                                                                   \
    for (i = 0; i < n; i++)                                                        \
        o[i] = (T)(sg * ((double)g[i * gs] - (e[i] * r) * dot) * invT);            \
}

/* FA_AX_LANE_LOOPS(T, SUF, EXP): the same for w <= FA_AX_LANES neighbouring
 * rows along a non-last axis, lanes contiguous: element i of lane l at
 * x[i * sn + l]. Wide tiles read long contiguous runs (16 lanes were 3x
 * slower: a page and a cache miss per 64 bytes). Each lane gets exactly the numbers of the loops above (its
 * own eight partial sums, acc[(i % 8) * w + l]), vectorised across lanes.
 * Per-lane arrays m, z, cnt (w), acc (8 w), e (n w, lane innermost). */
#define FA_AX_LANES 128     /* rows read as one contiguous run: 0.5-1 KB */
#if FA_AX_LANES > 128
#error "_lanes_log1p (_axis_tiles.pxi) keeps 128 lanes on its stack"
#endif
#define FA_AX_LANE_LOOPS(T, SUF, EXP)                                              \
FA_AX_CLONES static void fa_ax_lanes_max_##SUF(const T* x, ptrdiff_t n,            \
        ptrdiff_t sn, ptrdiff_t w, double sg, double* m_out, double* z_out) {      \
    T mx[FA_AX_LANES], zz[FA_AX_LANES], sgt = (T)sg;                               \
    ptrdiff_t i, l;                                                                \
    for (l = 0; l < w; l++) { mx[l] = -INFINITY; zz[l] = 0; }                      \
    for (i = 0; i < n; i++)                                                        \
        for (l = 0; l < w; l++) {                                                  \
            T v = sgt * x[i * sn + l];                                             \
            mx[l] = mx[l] > v ? mx[l] : v;                                         \
            zz[l] += v - v;                                                        \
        }                                                                          \
    for (l = 0; l < w; l++) { m_out[l] = mx[l]; z_out[l] = zz[l]; }                \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_lanes_expsum_##SUF(const T* x, ptrdiff_t n,         \
        ptrdiff_t sn, ptrdiff_t w, double sg, const double* m, double invT,        \
        double* e, double* cnt, double* acc) {                                     \
    ptrdiff_t i, l;                                                                \
    for (l = 0; l < w; l++) cnt[l] = 0.0;                                          \
    for (l = 0; l < 8 * w; l++) acc[l] = 0.0;                                      \
    for (i = 0; i < n; i++) {                                                      \
        double* a = acc + (i & 7) * w;                                             \
        for (l = 0; l < w; l++) {                                                  \
            double v = sg * (double)x[i * sn + l];                                 \
            double ee = EXP(v, m[l], invT);                                    \
            double eq = v == m[l] ? 1.0 : 0.0;                                     \
            cnt[l] += eq;                                                          \
            a[l] += ee - eq;                                                       \
            if (e != NULL) e[i * w + l] = ee;                                      \
        }                                                                          \
    }                                                                              \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_lanes_softmax_##SUF(const T* x, ptrdiff_t n,        \
        ptrdiff_t sn, ptrdiff_t w, double sg, const double* m, double invT,        \
        const double* r, const double* e, T* o, ptrdiff_t so) {                    \
    ptrdiff_t i, l;                                                                \
    if (e != NULL)                                                                 \
        for (i = 0; i < n; i++)                                                    \
            for (l = 0; l < w; l++) o[i * so + l] = (T)(e[i * w + l] * r[l]);      \
    else                                                                           \
        for (i = 0; i < n; i++)                                                    \
            for (l = 0; l < w; l++)                                                \
                o[i * so + l] = (T)(EXP(sg * (double)x[i * sn + l], m[l], invT) * r[l]); \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_lanes_log_softmax_##SUF(const T* x, ptrdiff_t n,    \
        ptrdiff_t sn, ptrdiff_t w, double sg, const double* M, double invT,        \
        const double* L, T* o, ptrdiff_t so) {                                     \
    ptrdiff_t i, l;                                                                \
    for (i = 0; i < n; i++)                                                        \
        for (l = 0; l < w; l++)                                                    \
            o[i * so + l] = (T)((sg * (double)x[i * sn + l] - M[l]) * invT - L[l]); \
}

FA_AX_LOOPS(float, f_direct, fa_ax_exp32_vm)
FA_AX_LOOPS(double, d, fa_ax_exp_vm)
FA_AX_LOOPS(double, d32, fa_ax_exp32_3)   /* T != 1 only (see _stats_fast) */

/* float32 rows: GCC 12 does not vectorise the loops above when they read
 * float and compute in double (it picks 256-bit float vectors and leaves the
 * doubles scalar: logsumexp of 1000 x 1000 float32 took 7 ms, 2.3 ms
 * after this change). So a block is first widened to double (exactly),
 * then the double loops run with the float-accuracy exp (d32): the same
 * numbers in the same order. _stats_fast (_axis_math.pxi) widens into its
 * own buffer; the softmax write below into one on the stack. Blocks hold at
 * most FA_AX_BUF = AX_BLOCK entries; a longer run takes the direct loops. */
#define FA_AX_BUF 2048

static inline void fa_ax_widen(const float* x, ptrdiff_t n, double* w) {
    ptrdiff_t i;
    for (i = 0; i < n; i++) w[i] = (double)x[i];
}

/* float32 rows at T = 1: fa_axf_parts in float (one loop of 16-lane
 * float arithmetic over a chunk), then the join in double, the counts and
 * the eight partial sums as fa_ax_expsum_d computes them (lane i % 8, so
 * chunks are multiples of 8). Two loops: GCC vectorises each, not one loop
 * mixing the two widths. */
#define FA_AXF_CHUNK 256

static inline void fa_axf_chunk(const float* x, ptrdiff_t n, float sg, float m, float* h,
                                float* lw, int32_t* nn, float* eq) {
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        float v = sg * x[i];
        h[i] = fa_axf_parts(v, m, &lw[i], &nn[i]);
        eq[i] = v == m ? 1.0f : 0.0f;
    }
}

/* e_i, [v_i == m] and their difference in double: a loop GCC vectorises
 * (converting floats inside a summing loop left it scalar: vcvtss2sd) */
static inline void fa_axf_join_chunk(const float* h, const float* lw, const int32_t* nn,
                                     const float* eq, ptrdiff_t n, double* ee, double* q,
                                     double* d) {
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        double ex = fa_axf_join(h[i], lw[i], nn[i]), qi = (double)eq[i];
        ee[i] = ex;
        q[i] = qi;
        d[i] = ex - qi;                           /* ex = 1 exactly where q = 1 */
    }
}

/* The same numbers, 16 at a time, for AVX-512 builds: the chunked loops
 * above store and reload six arrays (0.78 ns per element on v4 in a C
 * loop, 0.575 for these). fa_axf_parts16 is fa_axf_parts written with
 * GCC's vector extensions, its selects as masks and its FA_AXF_MADD as
 * explicit FMAs; fa_axf_join8 is fa_axf_join. Every operation and its
 * order are those of the scalar functions (no contraction:
 * -ffp-contract=off), so the bits are too, and elements i and i + 8 go to
 * lane i % 8 as in fa_ax_lanes_add. The v3 and baseline builds keep the
 * chunked loops (16-float vectors split into halves there ran 4x
 * slower). */
#if defined(__GNUC__) && defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define FA_AXF_VEC 1
typedef float fa_v16f __attribute__((vector_size(64)));
typedef int32_t fa_v16i __attribute__((vector_size(64)));

#define FA_V16_AND(a, mask) ((fa_v16f)((fa_v16i)(a) & (mask)))     /* mask ? a : 0 */
#define FA_V16_MADD(a, b, c) ((fa_v16f)_mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))

/* fa_axf_parts for v = sg x[0..15] against the maxima m (one per lane): h,
 * lw, n (a whole number, as a float), the mask ok of the lanes with
 * v - m > -354 (the others' exps are 0) and the mask eq of v == m. The
 * selects are AVX-512 masks: the clamp a blend, lo's zero a zero-masked
 * add, h's and lw's zeros left to the join's masked add (fa_axf_exp16). */
static inline void fa_axf_parts16(fa_v16f v, float sg, fa_v16f m, fa_v16f* h_out,
                                  fa_v16f* lw_out, fa_v16f* n_out, __mmask16* ok_out,
                                  __mmask16* eq_out) {
    const fa_v16f zero = {0}, lim = zero - 354.0f, log2e = zero + FA_AXF_LOG2E,
        shift = zero + FA_AXF_SHIFT, mln2hi = zero - FA_AXF_LN2_HI, mln2lo = zero - FA_AXF_LN2_LO,
        half = zero + 0.5f, q2c = zero + FA_AXF_Q2, q3c = zero + FA_AXF_Q3,
        q4c = zero + FA_AXF_Q4, q5c = zero + FA_AXF_Q5;
    fa_v16f hi, bv, lo, t, n, r1, s, r, r2, q2, h;
    __mmask16 ok;
    v = sg * v;
    hi = v - m;
    bv = hi - v;
    ok = _mm512_cmp_ps_mask((__m512)hi, (__m512)lim, _CMP_GT_OQ);
    lo = (fa_v16f)_mm512_maskz_add_ps(ok, (__m512)(v - (hi - bv)), (__m512)((-m) - bv));
    hi = (fa_v16f)_mm512_mask_blend_ps(ok, (__m512)lim, (__m512)hi);
    t = FA_V16_MADD(hi, log2e, shift);
    n = t - FA_AXF_SHIFT;
    r1 = FA_V16_MADD(n, mln2hi, hi);
    s = FA_V16_MADD(n, mln2lo, lo);
    r = r1 + s;
    r2 = r * r;
    q2 = FA_V16_MADD(r2, FA_V16_MADD(r2, q5c, FA_V16_MADD(q4c, r, q3c)),
                     FA_V16_MADD(q2c, r, half));
    h = 1.0f + r1;
    *lw_out = FA_V16_MADD(r2, q2, (r1 - (h - 1.0f)) + s);
    *h_out = h;
    *n_out = n;
    *ok_out = ok;
    *eq_out = _mm512_cmp_ps_mask((__m512)v, (__m512)m, _CMP_EQ_OQ);
}

/* fa_axf_join of eight elements, 0 outside ok: (h + lw) 2^n, exact in
 * double (h + lw has at most 48 bits; 2^n >= 2^-511), so vscalefpd gives
 * the product's bits (one instruction for the exponent shift and product) */
static inline __m512d fa_axf_join8(__mmask8 ok, __m256 h, __m256 lw, __m256 n) {
    return _mm512_scalef_pd(_mm512_maskz_add_pd(ok, _mm512_cvtps_pd(h), _mm512_cvtps_pd(lw)),
                            _mm512_cvtps_pd(n));
}

/* the exps of sg xv against m in e[0] (elements 0-7) and e[1]; returns the
 * mask of v == m */
static inline __mmask16 fa_axf_exp16v(__m512 xv, float sg, fa_v16f m, __m512d* e) {
    fa_v16f h, lw, n;
    __mmask16 ok, eq;
    __m512 hv, lwv, nv;
    fa_axf_parts16((fa_v16f)xv, sg, m, &h, &lw, &n, &ok, &eq);
    hv = (__m512)h;
    lwv = (__m512)lw;
    nv = (__m512)n;
    e[0] = fa_axf_join8((__mmask8)ok, _mm512_castps512_ps256(hv), _mm512_castps512_ps256(lwv),
                        _mm512_castps512_ps256(nv));
    e[1] = fa_axf_join8((__mmask8)(ok >> 8), _mm512_extractf32x8_ps(hv, 1),
                        _mm512_extractf32x8_ps(lwv, 1), _mm512_extractf32x8_ps(nv, 1));
    return eq;
}

static inline __mmask16 fa_axf_exp16(const float* x, float sg, fa_v16f m, __m512d* e) {
    return fa_axf_exp16v(_mm512_loadu_ps(x), sg, m, e);
}

/* the mask of the first r < 16 lanes: a row's last entries, loaded and
 * stored masked, one pass instead of a scalar or chunked tail (15-35 ns
 * per row of 20, 40 or 100 float32 against one of 16, 32 or 112) */
static inline __mmask16 fa_axf_tail_mask(ptrdiff_t r) {
    return (__mmask16)((1u << r) - 1u);
}

/* o[0..15] = v in the lanes of kv: a plain store for all 16 (kv is a
 * constant where inlined), masked only for a tail. Zen 4 runs a masked
 * store to memory far slower than a plain one: with the mask on every
 * iteration, softmax' from y spent half its write loop on the store. */
static inline void fa_axf_put16(float* o, __m512 v, __mmask16 kv) {
    if (kv == (__mmask16)0xffff)
        _mm512_storeu_ps(o, v);
    else
        _mm512_mask_storeu_ps(o, kv, v);
}

/* o[0..15] as fa_axf_put16 stores them */
static inline __m512 fa_axf_get16(const float* o, __mmask16 kv) {
    return kv == (__mmask16)0xffff ? _mm512_loadu_ps(o) : _mm512_maskz_loadu_ps(kv, o);
}

/* one step of fa_ax_expsum_f1: the exps of x[0..15] against m in the lanes
 * of kv (a constant where inlined: all 16 plain, a tail masked), counted
 * where v == m and added to the lanes va otherwise, stored to e + i unless
 * e is NULL */
static inline void fa_ax_expsum16_f(const float* x, float sg, fa_v16f mv, __mmask16 kv,
                                    __m512i* vc, __m512d* va, double* e, ptrdiff_t i) {
    __m512d ex[2];
    __mmask16 is_m = fa_axf_exp16v(fa_axf_get16(x, kv), sg, mv, ex) & kv,
              ne = (__mmask16)~is_m & kv;
    /* the count of v == m in whole numbers: any lane will do */
    *vc = _mm512_mask_sub_epi32(*vc, is_m, *vc, _mm512_set1_epi32(-1));
    /* ex - [v == m] is +0 where v == m: va + 0 = va, as the masked add */
    *va = _mm512_mask_add_pd(*va, (__mmask8)ne, *va, ex[0]);
    *va = _mm512_mask_add_pd(*va, (__mmask8)(ne >> 8), *va, ex[1]);
    if (e == NULL)
        return;
    if (kv == (__mmask16)0xffff) {
        _mm512_storeu_pd(e + i, ex[0]);
        _mm512_storeu_pd(e + i + 8, ex[1]);
    } else {
        _mm512_mask_storeu_pd(e + i, (__mmask8)kv, ex[0]);
        _mm512_mask_storeu_pd(e + i + 8, (__mmask8)(kv >> 8), ex[1]);
    }
}
#endif

/* the chunked loops from element 0 of x on, adding to the lanes cnt and acc
 * (x starts at a multiple of 8 of its block): a whole block, or on
 * AVX-512 the last 0-15 elements. Always inlined: as a call, or left to
 * GCC's judgement (its stack arrays), the baseline build ran 18% slower. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void fa_axf_expsum_chunks(const float* x, ptrdiff_t n, float sg, float m,
                                        double* e, double* cnt, double* acc) {
    float h[FA_AXF_CHUNK], lw[FA_AXF_CHUNK], eq[FA_AXF_CHUNK];
    int32_t nn[FA_AXF_CHUNK];
    double buf[FA_AXF_CHUNK], q[FA_AXF_CHUNK], d[FA_AXF_CHUNK];
    ptrdiff_t i0, len;
    for (i0 = 0; i0 < n; i0 += FA_AXF_CHUNK) {
        len = n - i0 < FA_AXF_CHUNK ? n - i0 : FA_AXF_CHUNK;
        fa_axf_chunk(x + i0, len, sg, m, h, lw, nn, eq);
        fa_axf_join_chunk(h, lw, nn, eq, len, e != NULL ? e + i0 : buf, q, d);
        fa_ax_lanes_add(cnt, q, len);             /* chunks are multiples of 8 */
        fa_ax_lanes_add(acc, d, len);
    }
}

FA_AX_CLONES static void fa_ax_expsum_f1(const float* x, ptrdiff_t n, double sg, double m,
                                         double* e, double* c_out, double* s_out) {
    double cnt[8], acc[8];
    ptrdiff_t i = 0, l;
#if FA_AXF_VEC
    const fa_v16f mv = {0};
    __m512i vc = _mm512_setzero_si512();
    __m512d va = _mm512_setzero_pd();
    int32_t cl[16];
    for (; i + 16 <= n; i += 16)
        fa_ax_expsum16_f(x + i, (float)sg, mv + (float)m, 0xffff, &vc, &va, e, i);
    if (i < n) {                                  /* the last 1-15, masked */
        fa_ax_expsum16_f(x + i, (float)sg, mv + (float)m, fa_axf_tail_mask(n - i), &vc, &va,
                         e, i);
        i = n;
    }
    memcpy(cl, &vc, sizeof cl);
    _mm512_storeu_pd(acc, va);
    for (l = 0; l < 8; l++) cnt[l] = (double)cl[l] + (double)cl[l + 8];
#else
    for (l = 0; l < 8; l++) { cnt[l] = 0.0; acc[l] = 0.0; }
#endif
    fa_axf_expsum_chunks(x + i, n - i, (float)sg, (float)m, e != NULL ? e + i : NULL, cnt, acc);
    *c_out = fa_ax_sum8(cnt);
    *s_out = fa_ax_sum8(acc);
}

/* The maximum of a float32 block and whether it holds an inf or NaN (z =
 * NaN, then the caller takes the careful loop and ignores m), as integer
 * reductions, which GCC vectorises (a float max is not reassociated, and the
 * sixteen-lane float max came out scalar, vmaxss, once the
 * build's peeling parameters unrolled its lane loop). Order-preserving map
 * of the bits: k = b ^ ((b >> 31) & 0x7fffffff) (negative floats reversed);
 * it is its own inverse. -0 and +0 give the same m + 0.0 as before. */
FA_AX_CLONES static void fa_ax_max_f32(const float* x, ptrdiff_t n, double sg, double* m_out,
                          double* z_out) {
    float sgt = (float)sg, m;
    int32_t km = INT32_MIN, bad = 0, b;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        float v = sgt * x[i];
        int32_t k;
        memcpy(&b, &v, sizeof b);
        k = b ^ ((b >> 31) & 0x7fffffff);
        km = km > k ? km : k;
        bad |= (b & 0x7f800000) == 0x7f800000;
    }
    b = km ^ ((km >> 31) & 0x7fffffff);
    memcpy(&m, &b, sizeof m);
    *m_out = n > 0 ? (double)m : -INFINITY;
    *z_out = bad ? NAN : 0.0;
}

#if FA_AXF_VEC
/* o[0..15] = (float)(e r) in the lanes of kv (e: elements 0-7, 8-15) */
static inline void fa_axf_store16(float* o, const __m512d* e, double r, __mmask16 kv) {
    __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(e[0], _mm512_set1_pd(r))),
           hi = _mm512_cvtpd_ps(_mm512_mul_pd(e[1], _mm512_set1_pd(r)));
    fa_axf_put16(o, _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1), kv);
}
#endif

static void fa_ax_softmax_f(const float* x, ptrdiff_t n, double sg, double m,
                            double invT, double r, const double* e, float* o) {
    double w[FA_AX_BUF];
    ptrdiff_t i;
    if (e == NULL && invT == 1.0) {
        float h[FA_AXF_CHUNK], lw[FA_AXF_CHUNK], eq[FA_AXF_CHUNK];
        int32_t nn[FA_AXF_CHUNK];
        ptrdiff_t i0 = 0, len;
#if FA_AXF_VEC
        const fa_v16f mv = {0};
        __m512d ex[2];
        for (; i0 + 16 <= n; i0 += 16) {
            fa_axf_exp16(x + i0, (float)sg, mv + (float)m, ex);
            fa_axf_store16(o + i0, ex, r, 0xffff);
        }
        if (i0 < n) {
            __mmask16 kv = fa_axf_tail_mask(n - i0);
            fa_axf_exp16v(_mm512_maskz_loadu_ps(kv, x + i0), (float)sg, mv + (float)m, ex);
            fa_axf_store16(o + i0, ex, r, kv);
            return;
        }
#endif
        for (; i0 < n; i0 += FA_AXF_CHUNK) {
            len = n - i0 < FA_AXF_CHUNK ? n - i0 : FA_AXF_CHUNK;
            fa_axf_chunk(x + i0, len, (float)sg, (float)m, h, lw, nn, eq);
            for (i = 0; i < len; i++)
                o[i0 + i] = (float)(fa_axf_join(h[i], lw[i], nn[i]) * r);
        }
        return;
    }
#if FA_AXF_VEC
    if (e != NULL) {                              /* (float)(e_i r), 16 at a time */
        __m512d ex[2];
        for (i = 0; i + 16 <= n; i += 16) {
            ex[0] = _mm512_loadu_pd(e + i);
            ex[1] = _mm512_loadu_pd(e + i + 8);
            fa_axf_store16(o + i, ex, r, 0xffff);
        }
        if (i < n) {
            __mmask16 kv = fa_axf_tail_mask(n - i);
            ex[0] = _mm512_maskz_loadu_pd((__mmask8)kv, e + i);
            ex[1] = _mm512_maskz_loadu_pd((__mmask8)(kv >> 8), e + i + 8);
            fa_axf_store16(o + i, ex, r, kv);
        }
        return;
    }
#endif
    if (e != NULL || n > FA_AX_BUF) {
        fa_ax_softmax_f_direct(x, n, sg, m, invT, r, e, o);
        return;
    }
    fa_ax_widen(x, n, w);
    for (i = 0; i < n; i++) w[i] = fa_ax_exp32((sg * w[i] - m) * invT) * r;
    for (i = 0; i < n; i++) o[i] = (float)w[i];
}

static void fa_ax_log_softmax_f(const float* x, ptrdiff_t n, double sg, double M,
                                double invT, double L, float* o) {
    fa_ax_log_softmax_f_direct(x, n, sg, M, invT, L, o);
}
/* fa_ax_bwd_y1_SUF: the common case's loop (y (g - dot) rounded once) in
 * AVX-512 with a masked tail, float32 (1 if done; GCC's own loop ran its
 * tail element by element: rows of 20 took 36 ns, of 16 20 ns) */
#if FA_AXF_VEC
static inline void fa_ax_bwd_y16_f(const float* g, const float* y, __m512d d, float* o,
                                   __mmask16 kv) {
    __m512 gv = fa_axf_get16(g, kv), yv = fa_axf_get16(y, kv);
    __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(
                    _mm512_cvtps_pd(_mm512_castps512_ps256(yv)),
                    _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(gv)), d))),
           hi = _mm512_cvtpd_ps(_mm512_mul_pd(
                    _mm512_cvtps_pd(_mm512_extractf32x8_ps(yv, 1)),
                    _mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(gv, 1)), d)));
    fa_axf_put16(o, _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1), kv);
}
#endif

static inline int fa_ax_bwd_y1_f(const float* g, const float* y, ptrdiff_t n, double dot,
                                 float* o) {
#if FA_AXF_VEC
    const __m512d d = _mm512_set1_pd(dot);
    ptrdiff_t i;
    for (i = 0; i + 16 <= n; i += 16)
        fa_ax_bwd_y16_f(g + i, y + i, d, o + i, 0xffff);
    if (i < n)
        fa_ax_bwd_y16_f(g + i, y + i, d, o + i, fa_axf_tail_mask(n - i));
    return 1;
#else
    (void)g; (void)y; (void)n; (void)dot; (void)o;
    return 0;
#endif
}

static inline int fa_ax_bwd_y1_d(const double* g, const double* y, ptrdiff_t n, double dot,
                                 double* o) {
    (void)g; (void)y; (void)n; (void)dot; (void)o;
    return 0;
}

FA_AX_BWD_LOOPS(float, f)
FA_AX_BWD_LOOPS(double, d)

/* fa_ax_dot_SUF: the sum of g_i p_i (softmax) or of g_i (log_softmax, p
 * unused) in eight lanes i % 8, then of the lanes. float32, contiguous, on AVX-512: the terms
 * of 16 entries at a time straight into the lanes (the chunked loop's
 * store and reload of its terms took 0.19 ns per entry in L1), the same
 * products added in the same order; the rest by the chunked loop. */
#if FA_AXF_VEC
/* the lanes va plus the terms of g[0..15] (times y's when weighted) in the
 * lanes of kv: elements 0-7, then 8-15 (a product of floats is exact in
 * double). kv is a constant where inlined: plain loads and adds for all 16,
 * masked ones for a tail (+0 in va's other lanes). */
static inline __m512d fa_ax_dot16_f(__m512d va, const float* g, const float* y, int weighted,
                                    __mmask16 kv) {
    __m512d g0, g1;
    if (kv == (__mmask16)0xffff) {
        g0 = _mm512_cvtps_pd(_mm256_loadu_ps(g));
        g1 = _mm512_cvtps_pd(_mm256_loadu_ps(g + 8));
        if (weighted) {
            g0 = _mm512_mul_pd(g0, _mm512_cvtps_pd(_mm256_loadu_ps(y)));
            g1 = _mm512_mul_pd(g1, _mm512_cvtps_pd(_mm256_loadu_ps(y + 8)));
        }
        return _mm512_add_pd(_mm512_add_pd(va, g0), g1);
    }
    g0 = _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)kv, g));
    g1 = _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)(kv >> 8), g + 8));
    if (weighted) {
        g0 = _mm512_mul_pd(g0, _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)kv, y)));
        g1 = _mm512_mul_pd(g1, _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)(kv >> 8),
                                                                     y + 8)));
    }
    va = _mm512_mask_add_pd(va, (__mmask8)kv, va, g0);
    return _mm512_mask_add_pd(va, (__mmask8)(kv >> 8), va, g1);
}
#endif

FA_AX_CLONES static double fa_ax_dot_f(const float* g, ptrdiff_t gs, const float* y,
                                       const double* e, double r, ptrdiff_t n, int weighted) {
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    ptrdiff_t i = 0;
#if FA_AXF_VEC
    if (gs == 1 && (y != NULL || !weighted)) {
        __m512d va = _mm512_setzero_pd();
        for (; i + 16 <= n; i += 16)
            va = fa_ax_dot16_f(va, g + i, weighted ? y + i : NULL, weighted, 0xffff);
        if (i < n) {                              /* the last 1-15, masked */
            va = fa_ax_dot16_f(va, g + i, weighted ? y + i : NULL, weighted,
                               fa_axf_tail_mask(n - i));
            i = n;
        }
        _mm512_storeu_pd(acc, va);
    }
#endif
    fa_ax_dot_lanes_f(g + i * gs, gs, y != NULL ? y + i : NULL, e != NULL ? e + i : NULL, r,
                      n - i, weighted, acc);
    return fa_ax_sum8(acc);
}

/* fa_ax_dot_f of four rows (g contiguous, from y or unweighted) in one loop,
 * each row in its own lanes, in fa_ax_dot_f's order: the same bits. One
 * row's lanes are a chain of two dependent adds per 16 entries, which bound
 * softmax' (perf: the dot a third of its time at 976 x 1024); four rows'
 * chains overlap. Returns 0 where AVX-512 is missing (the caller goes row by
 * row). */
#define FA_AX_DOT_ROWS 4    /* rows per fa_ax_dot4_f call */
static inline int fa_ax_dot4_f(const float* const* g, const float* const* y, ptrdiff_t n,
                               int weighted, double* dot) {
#if FA_AXF_VEC
    __m512d va[FA_AX_DOT_ROWS];
    double acc[8];
    ptrdiff_t i = 0;
    int k;
    for (k = 0; k < FA_AX_DOT_ROWS; k++) va[k] = _mm512_setzero_pd();
    for (; i + 16 <= n; i += 16)
        for (k = 0; k < FA_AX_DOT_ROWS; k++)
            va[k] = fa_ax_dot16_f(va[k], g[k] + i, weighted ? y[k] + i : NULL, weighted,
                                  0xffff);
    if (i < n)
        for (k = 0; k < FA_AX_DOT_ROWS; k++)
            va[k] = fa_ax_dot16_f(va[k], g[k] + i, weighted ? y[k] + i : NULL, weighted,
                                  fa_axf_tail_mask(n - i));
    for (k = 0; k < FA_AX_DOT_ROWS; k++) {
        _mm512_storeu_pd(acc, va[k]);
        dot[k] = fa_ax_sum8(acc);
    }
    return 1;
#else
    (void)g; (void)y; (void)n; (void)weighted; (void)dot;
    return 0;
#endif
}

/* float64: on AVX-512 the terms of 8 entries at a time straight into the
 * lanes, as fa_ax_dot_f (the chunked loop stored its terms and reloaded
 * them: perf gave it 28% of softmax' of 976 x 1024 float64, as much as
 * the write), the same products added in the same order */
FA_AX_CLONES static double fa_ax_dot_d(const double* g, ptrdiff_t gs, const double* y,
                                       const double* e, double r, ptrdiff_t n, int weighted) {
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    ptrdiff_t i = 0;
#if FA_AXF_VEC
    if (gs == 1 && (y != NULL || !weighted)) {
        __m512d va = _mm512_setzero_pd(), t;
        for (; i + 8 <= n; i += 8) {
            t = _mm512_loadu_pd(g + i);
            if (weighted)
                t = _mm512_mul_pd(t, _mm512_loadu_pd(y + i));
            va = _mm512_add_pd(va, t);
        }
        if (i < n) {                              /* the last 1-7, masked */
            __mmask8 kv = (__mmask8)((1u << (n - i)) - 1u);
            t = _mm512_maskz_loadu_pd(kv, g + i);
            if (weighted)
                t = _mm512_mul_pd(t, _mm512_maskz_loadu_pd(kv, y + i));
            va = _mm512_mask_add_pd(va, kv, va, t);
            i = n;
        }
        _mm512_storeu_pd(acc, va);
    }
#endif
    fa_ax_dot_lanes_d(g + i * gs, gs, y != NULL ? y + i : NULL, e != NULL ? e + i : NULL, r,
                      n - i, weighted, acc);
    return fa_ax_sum8(acc);
}
/* float32 lanes: the double loops at T != 1 (fa_ax_exp32 directly: the
 * dispatch of fa_ax_exp32_vm inside these loops cost 1.8x), and at T = 1
 * the float exp of the rows, lanes vectorised as fa_ax_expsum_f1 does:
 * one float loop across the w lanes of entry i, then the join and sums. */
FA_AX_LANE_LOOPS(float, f_d, fa_ax_exp32_3)
#define fa_ax_lanes_max_f fa_ax_lanes_max_f_d
#define fa_ax_lanes_log_softmax_f fa_ax_lanes_log_softmax_f_d

static inline void fa_axf_lane_parts(const float* x, ptrdiff_t w, float sg, const float* mf,
                                     float* h, float* lw, int32_t* nn, float* eq) {
    ptrdiff_t l;
    for (l = 0; l < w; l++) {
        float v = sg * x[l];
        h[l] = fa_axf_parts(v, mf[l], &lw[l], &nn[l]);
        eq[l] = v == mf[l] ? 1.0f : 0.0f;
    }
}

static void fa_ax_lanes_expsum_f(const float* x, ptrdiff_t n, ptrdiff_t sn, ptrdiff_t w,
        double sg, const double* m, double invT, double* e, double* cnt, double* acc) {
    float mf[FA_AX_LANES], h[FA_AX_LANES], lw[FA_AX_LANES], eq[FA_AX_LANES];
    int32_t nn[FA_AX_LANES];
    double ee[FA_AX_LANES], q[FA_AX_LANES], d[FA_AX_LANES];
    ptrdiff_t i, l;
    if (invT != 1.0) {
        fa_ax_lanes_expsum_f_d(x, n, sn, w, sg, m, invT, e, cnt, acc);
        return;
    }
    for (l = 0; l < w; l++) { mf[l] = (float)m[l]; cnt[l] = 0.0; }
    for (l = 0; l < 8 * w; l++) acc[l] = 0.0;
    for (i = 0; i < n; i++) {
        double* a = acc + (i & 7) * w;
        ptrdiff_t l0 = 0, rest;
#if FA_AXF_VEC
        /* 16 lanes at a time as fa_ax_expsum_f1 does (the chunked loop
         * below stores and reloads six arrays): cnt + [v == m] and
         * a + (ex - [v == m]) as masked adds, the same sums */
        for (; l0 + 16 <= w; l0 += 16) {
            const __m512d one = _mm512_set1_pd(1.0);
            __m512d ex[2];
            fa_v16f mv;
            __mmask16 is_m;
            memcpy(&mv, mf + l0, sizeof mv);
            is_m = fa_axf_exp16(x + i * sn + l0, (float)sg, mv, ex);
            _mm512_storeu_pd(cnt + l0, _mm512_mask_add_pd(_mm512_loadu_pd(cnt + l0),
                             (__mmask8)is_m, _mm512_loadu_pd(cnt + l0), one));
            _mm512_storeu_pd(cnt + l0 + 8, _mm512_mask_add_pd(_mm512_loadu_pd(cnt + l0 + 8),
                             (__mmask8)(is_m >> 8), _mm512_loadu_pd(cnt + l0 + 8), one));
            _mm512_storeu_pd(a + l0, _mm512_mask_add_pd(_mm512_loadu_pd(a + l0),
                             (__mmask8)~is_m, _mm512_loadu_pd(a + l0), ex[0]));
            _mm512_storeu_pd(a + l0 + 8, _mm512_mask_add_pd(_mm512_loadu_pd(a + l0 + 8),
                             (__mmask8)(~is_m >> 8), _mm512_loadu_pd(a + l0 + 8), ex[1]));
            if (e != NULL) {
                _mm512_storeu_pd(e + i * w + l0, ex[0]);
                _mm512_storeu_pd(e + i * w + l0 + 8, ex[1]);
            }
        }
#endif
        rest = w - l0;
        if (rest == 0)
            continue;
        fa_axf_lane_parts(x + i * sn + l0, rest, (float)sg, mf + l0, h, lw, nn, eq);
        fa_axf_join_chunk(h, lw, nn, eq, rest, ee, q, d);
        for (l = 0; l < rest; l++) {
            cnt[l0 + l] += q[l];
            a[l0 + l] += d[l];
        }
        if (e != NULL)
            memcpy(e + i * w + l0, ee, (size_t)rest * sizeof(double));
    }
}

static void fa_ax_lanes_softmax_f(const float* x, ptrdiff_t n, ptrdiff_t sn, ptrdiff_t w,
        double sg, const double* m, double invT, const double* r, const double* e,
        float* o, ptrdiff_t so) {
    float mf[FA_AX_LANES], h[FA_AX_LANES], lw[FA_AX_LANES], eq[FA_AX_LANES];
    int32_t nn[FA_AX_LANES];
    ptrdiff_t i, l;
    if (invT != 1.0 || e != NULL) {
        fa_ax_lanes_softmax_f_d(x, n, sn, w, sg, m, invT, r, e, o, so);
        return;
    }
    for (l = 0; l < w; l++) mf[l] = (float)m[l];
    for (i = 0; i < n; i++) {
        fa_axf_lane_parts(x + i * sn, w, (float)sg, mf, h, lw, nn, eq);
        for (l = 0; l < w; l++) o[i * so + l] = (float)(fa_axf_join(h[l], lw[l], nn[l]) * r[l]);
    }
}
FA_AX_LANE_LOOPS(double, d, fa_ax_exp_vm)

#endif

/* The inner loops of the axis-wise kernels (_axis.pxi) for the common case:
 * one block of a row, contiguous, no mask, no weights. Everything else runs
 * through the general loops of _axis.pxi, which compute the same numbers in
 * the same order (same exp, same eight partial sums), so a value gets the
 * same bits whichever loop handles it.
 *
 * The loops keep eight independent lanes (element i goes to lane i % 8) so
 * the compiler vectorises them. The build has no FMA contraction (-ffp-contract=off),
 * so every version computes the same bits.
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
 * (scalar, branchy: its cost model refused the float->double loops). */
#define FA_AX_CLONES

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

static inline double fa_ax_exp_taylor(double t, int degree) {
    double r, p, kd = fa_ax_reduce(t, &r);
    int k;
    p = FA_AX_INV_FACT[degree];
    for (k = degree - 1; k >= 0; k--)       /* unrolled: degree is a constant */
        p = p * r + FA_AX_INV_FACT[k];
    return fa_ax_scale(p, kd);
}

static inline double fa_ax_exp(double t) { return fa_ax_exp_taylor(t, 13); }

/* For float32 results: degree 8 leaves r^9/9! < 2e-10, far below float32's
 * eps (6e-8); computed in double like everything else, so a float32 result
 * is the double result rounded once. */
static inline double fa_ax_exp32(double t) { return fa_ax_exp_taylor(t, 8); }

static inline double fa_ax_sum8(const double* a) {
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* FA_AX_LOOPS(T, SUF, EXP) defines, for input type T (the maximum is taken
 * in T, exactly; everything else is computed in double):
 *
 * fa_ax_max_SUF: m = max of v = sg x; z = sum of (v - v), NaN iff some
 *   entry is inf or NaN (then the caller takes the careful general loop).
 *   With a NaN, m is meaningless: the caller does not use it.
 * fa_ax_expsum_SUF: e_i = EXP((v_i - m) * (1/T)) (stored when e != NULL),
 *   c = number of v_i == m, s = sum of the other e_i in lanes i % 8 (adding
 *   e_i - [v_i == m], which is e_i or exactly 0). One comparison feeds both:
 *   two would stop the vectoriser.
 * fa_ax_softmax_SUF: o_i = e_i r (e_i recomputed when e == NULL).
 * fa_ax_log_softmax_SUF: o_i = (v_i - M) / T - L.
 */
#define FA_AX_LOOPS(T, SUF, EXP)                                                   \
FA_AX_CLONES static void fa_ax_max_##SUF(const T* x, ptrdiff_t n, double sg,       \
                                         double* m_out, double* z_out) {           \
    /* the maximum does not depend on the order: sixteen lanes, in the form    \
       (a > b ? a : b) that compilers turn into vector max instructions */      \
    T mx[16], zz[16], m, sgt = (T)sg;                                              \
    ptrdiff_t i, l, n16 = n - n % 16;                                              \
    for (l = 0; l < 16; l++) { mx[l] = -INFINITY; zz[l] = 0; }                     \
    for (i = 0; i < n16; i += 16)                                                  \
        for (l = 0; l < 16; l++) {                                                 \
            T v = sgt * x[i + l];                                                  \
            mx[l] = mx[l] > v ? mx[l] : v;                                         \
            zz[l] += v - v;                                                        \
        }                                                                          \
    for (i = n16; i < n; i++) {                                                    \
        T v = sgt * x[i];                                                          \
        mx[i - n16] = mx[i - n16] > v ? mx[i - n16] : v;                           \
        zz[i - n16] += v - v;                                                      \
    }                                                                              \
    m = mx[0];                                                                     \
    for (l = 1; l < 16; l++) m = mx[l] > m ? mx[l] : m;                            \
    for (l = 1; l < 16; l++) zz[0] += zz[l];                                       \
    *m_out = m;                                                                    \
    *z_out = zz[0];                                                                \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_expsum_##SUF(const T* x, ptrdiff_t n, double sg,    \
        double m, double invT, double* e, double* c_out, double* s_out) {          \
    double cnt[8], acc[8];                                                         \
    ptrdiff_t i, l, n8 = n - n % 8;                                                \
    for (l = 0; l < 8; l++) { cnt[l] = 0.0; acc[l] = 0.0; }                        \
    if (e != NULL) {                                                               \
        for (i = 0; i < n8; i += 8)                                                \
            for (l = 0; l < 8; l++) {                                              \
                double v = sg * (double)x[i + l];                                  \
                double ee = EXP((v - m) * invT);                                   \
                double eq = v == m ? 1.0 : 0.0;                                    \
                e[i + l] = ee;                                                     \
                cnt[l] += eq;                                                      \
                acc[l] += ee - eq;            /* ee = 1 exactly where eq = 1 */    \
            }                                                                      \
    } else {                                                                       \
        for (i = 0; i < n8; i += 8)                                                \
            for (l = 0; l < 8; l++) {                                              \
                double v = sg * (double)x[i + l];                                  \
                double ee = EXP((v - m) * invT);                                   \
                double eq = v == m ? 1.0 : 0.0;                                    \
                cnt[l] += eq;                                                      \
                acc[l] += ee - eq;                                                 \
            }                                                                      \
    }                                                                              \
    for (i = n8; i < n; i++) {                                                     \
        double v = sg * (double)x[i];                                              \
        double ee = EXP((v - m) * invT);                                           \
        double eq = v == m ? 1.0 : 0.0;                                            \
        if (e != NULL) e[i] = ee;                                                  \
        cnt[i - n8] += eq;                                                         \
        acc[i - n8] += ee - eq;                                                    \
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
        for (i = 0; i < n; i++) o[i] = (T)(EXP((sg * (double)x[i] - m) * invT) * r); \
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
 * fa_ax_dot_SUF: sum of g_i p_i (softmax) or of g_i (log_softmax, p unused)
 *   in eight lanes i % 8.
 * fa_ax_softmax_bwd_SUF: o_i = sg (p_i (g_i - dot)) / T.
 * fa_ax_log_softmax_bwd_SUF: o_i = sg (g_i - p_i dot) / T. */
#define FA_AX_BWD_LOOPS(T, SUF)                                                    \
FA_AX_CLONES static double fa_ax_dot_##SUF(const T* g, ptrdiff_t gs, const T* y,   \
        const double* e, double r, ptrdiff_t n, int weighted) {                    \
    double acc[8];                                                                 \
    ptrdiff_t i, l, n8 = n - n % 8;                                                \
    for (l = 0; l < 8; l++) acc[l] = 0.0;                                          \
    if (!weighted) {                                                               \
        for (i = 0; i < n8; i += 8)                                                \
            for (l = 0; l < 8; l++) acc[l] += (double)g[(i + l) * gs];             \
        for (i = n8; i < n; i++) acc[i - n8] += (double)g[i * gs];                 \
    } else if (y != NULL) {                                                        \
        for (i = 0; i < n8; i += 8)                                                \
            for (l = 0; l < 8; l++)                                                \
                acc[l] += (double)g[(i + l) * gs] * (double)y[i + l];              \
        for (i = n8; i < n; i++) acc[i - n8] += (double)g[i * gs] * (double)y[i];  \
    } else {                                                                       \
        for (i = 0; i < n8; i += 8)                                                \
            for (l = 0; l < 8; l++)                                                \
                acc[l] += (double)g[(i + l) * gs] * (e[i + l] * r);                \
        for (i = n8; i < n; i++) acc[i - n8] += (double)g[i * gs] * (e[i] * r);    \
    }                                                                              \
    return fa_ax_sum8(acc);                                                        \
}                                                                                  \
                                                                                   \
FA_AX_CLONES static void fa_ax_softmax_bwd_##SUF(const T* g, ptrdiff_t gs,         \
        const T* y, const double* e, double r, ptrdiff_t n, double dot,            \
        double sg, double invT, T* o) {                                            \
    ptrdiff_t i;                                                                   \
    if (y != NULL)                                                                 \
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
            double ee = EXP((v - m[l]) * invT);                                    \
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
                o[i * so + l] = (T)(EXP((sg * (double)x[i * sn + l] - m[l]) * invT) * r[l]); \
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

FA_AX_LOOPS(float, f_direct, fa_ax_exp32)
FA_AX_LOOPS(double, d, fa_ax_exp)
FA_AX_LOOPS(double, d32, fa_ax_exp32)

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

static void fa_ax_softmax_f(const float* x, ptrdiff_t n, double sg, double m,
                            double invT, double r, const double* e, float* o) {
    double w[FA_AX_BUF];
    ptrdiff_t i;
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
FA_AX_BWD_LOOPS(float, f)
FA_AX_BWD_LOOPS(double, d)
FA_AX_LANE_LOOPS(float, f, fa_ax_exp32)
FA_AX_LANE_LOOPS(double, d, fa_ax_exp)

#endif

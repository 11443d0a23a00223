/* float32 x * slope for a slope that is not a float (leaky_relu's 0.01),
 * in float arithmetic and with the bits of the float64 product rounded,
 * <float>(<double>x * slope) (_math.pxd, fa_mul_double_f32), which costs
 * two float/double conversions each way per 16 floats.
 *
 * The slope as two floats, s = sh + sl + (a rest below 2^-48 s): sh is s
 * rounded toward zero, sl = s - sh rounded, so sh and sl have s's sign
 * (x = -inf then gives -inf sh + -inf sl, not inf - inf). The float version
 * is fmaf(x, sh, x sl): one rounding of x sh + fl(x sl). It can differ
 * from the double product rounded where that product lies near a float
 * rounding boundary; a slope is "certified" when it does not for any of
 * the 2^23 float x in [1, 2). Scaling x by a power of two scales both
 * computations exactly while x sl and the result stay normal floats (and
 * the double product never leaves double's range), and both are odd in x,
 * so a certified slope gives the same bits for every float x except where
 * 0 < |x| < lo (x sl below the normal floats): a block holding such an x
 * runs the double product (again). Zeros, infinities and NaN agree.
 *
 * Certifying takes ~2 ms (8.4e6 products, one thread), so it is done once
 * per slope, and only after the double path has handled 2^23 elements
 * with that slope (counted per slope in a small table: the cost stays
 * within a few times the time already spent on the slope, and a sweep
 * over many slopes, each used a little, never pays it).
 * Slopes measured: 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 1/3, 0.7, 11/48
 * (rrelu's default) certify; 2.7 fails on 48545 x of [1, 2), 0.99 on
 * 2269, 0.0123456789 on one.
 * The verdicts are kept in small tables of slope bits (a word written
 * whole, so threads never see half an entry). Only builds with FMA use
 * this (fmaf is a libm call on the baseline); the results are the same
 * bits as the double product's at every level, by the certification.
 */
#ifndef FASTACT_SLOPE32_H
#define FASTACT_SLOPE32_H

#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__FMA__) && defined(__GNUC__)
#define FA_SLOPE_PAIR 1
#else
#define FA_SLOPE_PAIR 0
#endif

#define FA_SLOPE_SLOTS 8
#define FA_SLOPE_DEBT (1LL << 23)      /* elements before a slope is certified */

static void fa_slope_split(double s, float* sh, float* sl) {
    float h = (float)s;
    if (fabs((double)h) > fabs(s))
        h = nextafterf(h, 0.0f);
    *sh = h;
    *sl = (float)(s - (double)h);            /* s - h is exact in double */
}

/* the bits of the smallest |x| whose x sl is a normal float: 2^-125 / |sl|
 * rounded up (|x| below it: the double path) */
static uint32_t fa_slope_lo_bits(double s) {
    float sh, sl, lo;
    uint32_t b;
    fa_slope_split(s, &sh, &sl);
    lo = (float)(0x1p-125 / fabs((double)sl));
    if ((double)lo < 0x1p-125 / fabs((double)sl))
        lo = nextafterf(lo, INFINITY);
    memcpy(&b, &lo, sizeof b);
    return b;
}

#if FA_SLOPE_PAIR
static uint64_t fa_slope_ok[FA_SLOPE_SLOTS], fa_slope_bad[FA_SLOPE_SLOTS];
static unsigned fa_slope_next_ok, fa_slope_next_bad;
/* elements computed by the double product per slope not yet judged; an
 * entry is written racily (its slope and count may come from two threads),
 * which can only move a certification earlier or later: the verdict
 * itself is exact */
static uint64_t fa_slope_seen_bits[FA_SLOPE_SLOTS];
static long long fa_slope_seen_n[FA_SLOPE_SLOTS];
static unsigned fa_slope_next_seen;

/* the slot of a table holding the slope's bits, or -1 */
static int fa_slope_find(const uint64_t* table, uint64_t bits) {
    int k;
    for (k = 0; k < FA_SLOPE_SLOTS; k++)
        if (__atomic_load_n(&table[k], __ATOMIC_RELAXED) == bits)
            return k;
    return -1;
}

/* the slot a new entry takes: round robin */
static unsigned fa_slope_slot(unsigned* next) {
    return __atomic_fetch_add(next, 1u, __ATOMIC_RELAXED) % FA_SLOPE_SLOTS;
}

static void fa_slope_add(uint64_t* table, unsigned* next, uint64_t bits) {
    __atomic_store_n(&table[fa_slope_slot(next)], bits, __ATOMIC_RELAXED);
}

/* adds n to the slope's count; whether it has reached FA_SLOPE_DEBT */
static int fa_slope_due(uint64_t bits, long long n) {
    int k = fa_slope_find(fa_slope_seen_bits, bits);
    if (k >= 0)
        return __atomic_add_fetch(&fa_slope_seen_n[k], n, __ATOMIC_RELAXED) >= FA_SLOPE_DEBT;
    k = (int)fa_slope_slot(&fa_slope_next_seen);
    __atomic_store_n(&fa_slope_seen_n[k], n, __ATOMIC_RELAXED);
    __atomic_store_n(&fa_slope_seen_bits[k], bits, __ATOMIC_RELAXED);
    return n >= FA_SLOPE_DEBT;
}

/* the exhaustive check: every float x in [1, 2) (x < 0 by symmetry) */
static int fa_slope_certify(double s) {
    float sh, sl;
    int32_t m, bad = 0;
    fa_slope_split(s, &sh, &sl);
    for (m = 0; m < (1 << 23); m++) {
        int32_t b = 0x3f800000 | m;
        float x;
        memcpy(&x, &b, sizeof x);
        bad |= fmaf(x, sh, x * sl) != (float)((double)x * s);
    }
    return !bad;
}
#endif

/* what the tables say of a slope: 1 certified, 0 not, -1 not known (or a
 * build without the pair); for the tests */
static int fa_slope_verdict(double s) {
#if FA_SLOPE_PAIR
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    if (fa_slope_find(fa_slope_ok, bits) >= 0)
        return 1;
    if (fa_slope_find(fa_slope_bad, bits) >= 0)
        return 0;
#else
    (void)s;
#endif
    return -1;
}

/* whether the contiguous float32 loops of a call of n elements may take the
 * float pair for this slope (after fa_is_float said no) */
static int fa_slope_pair_ok(double s, long long n) {
#if FA_SLOPE_PAIR
    uint64_t bits;
    int ok;
    /* slopes whose sl could be subnormal or whose products leave the
       certified range keep the double product */
    if (!(fabs(s) >= 0x1p-64 && fabs(s) <= 0x1p64))
        return 0;
    ok = fa_slope_verdict(s);
    if (ok >= 0)
        return ok;
    memcpy(&bits, &s, sizeof bits);
    if (!fa_slope_due(bits, n))
        return 0;
    ok = fa_slope_certify(s);
    fa_slope_add(ok ? fa_slope_ok : fa_slope_bad, ok ? &fa_slope_next_ok : &fa_slope_next_bad,
                 bits);
    return ok;
#else
    (void)s;
    (void)n;
    return 0;
#endif
}

/* 1 where 0 < |v| < lo (lo_bits = its bits): one unsigned compare on the
 * bits (zeros wrap around to the top) */
static inline uint32_t fa_slope_small(float v, uint32_t lo_bits) {
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return ((b & 0x7fffffffu) - 1u) < lo_bits - 1u;
}

/* whether no element of v is small (an OR across the block: vectorises) */
static int fa_slope_block_safe(const float* v, long long n, uint32_t lo_bits) {
    long long i;
    uint32_t hit = 0;
    for (i = 0; i < n; i++)
        hit |= fa_slope_small(v[i], lo_bits);
    return !hit;
}

#endif

/* b[j * ldb + i] = a[i * lda + j] for i < rows, j < cols: the transposes of
 * the short-row tiles (_axis_tiles.pxi), which turn many short rows into
 * lanes and back. Element by element, one strided store per element, they
 * took 40% of the softmax of 15625 x 64 float32 (perf, one thread); on the
 * AVX builds whole 8 x 8 float (4 x 4 double) blocks are transposed in
 * registers, the edges element by element. Moves only: the same bits. */
#ifndef FASTACT_TRANSPOSE_H
#define FASTACT_TRANSPOSE_H

#include <stddef.h>

#if defined(__AVX__)
#include <immintrin.h>

/* the 8 x 8 floats at a (row stride lda) into b (row stride ldb), transposed:
 * pairs of rows interleaved, then pairs of pairs, then the 128-bit halves */
static inline void fa_tr8x8_f(const float* a, ptrdiff_t lda, float* b, ptrdiff_t ldb) {
    __m256 r0 = _mm256_loadu_ps(a), r1 = _mm256_loadu_ps(a + lda),
           r2 = _mm256_loadu_ps(a + 2 * lda), r3 = _mm256_loadu_ps(a + 3 * lda),
           r4 = _mm256_loadu_ps(a + 4 * lda), r5 = _mm256_loadu_ps(a + 5 * lda),
           r6 = _mm256_loadu_ps(a + 6 * lda), r7 = _mm256_loadu_ps(a + 7 * lda);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
           t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
           t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(b, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(b + ldb, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(b + 2 * ldb, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(b + 3 * ldb, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(b + 4 * ldb, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(b + 5 * ldb, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(b + 6 * ldb, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(b + 7 * ldb, _mm256_permute2f128_ps(s3, s7, 0x31));
}

/* the 4 x 4 doubles at a into b, transposed the same way */
static inline void fa_tr4x4_d(const double* a, ptrdiff_t lda, double* b, ptrdiff_t ldb) {
    __m256d r0 = _mm256_loadu_pd(a), r1 = _mm256_loadu_pd(a + lda),
            r2 = _mm256_loadu_pd(a + 2 * lda), r3 = _mm256_loadu_pd(a + 3 * lda);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1),
            t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(b, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(b + ldb, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(b + 2 * ldb, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(b + 3 * ldb, _mm256_permute2f128_pd(t1, t3, 0x31));
}
#endif

/* the whole blocks of B x B (the AVX builds), then the edges one by one:
 * rows below ib from column jb on, the rows from ib on whole */
#if defined(__AVX__)
#define FA_TR_BLOCKS(B, BLOCK)                                                         \
    ib = rows - rows % B;                                                             \
    jb = cols - cols % B;                                                             \
    for (i = 0; i < ib; i += B)                                                       \
        for (j = 0; j < jb; j += B)                                                   \
            BLOCK(a + i * lda + j, lda, b + j * ldb + i, ldb);
#else
#define FA_TR_BLOCKS(B, BLOCK)
#endif

#define FA_TRANSPOSE_DEF(T, SUF, B, BLOCK)                                               \
static void fa_transpose_##SUF(const T* a, ptrdiff_t lda, T* b, ptrdiff_t ldb,        \
                               ptrdiff_t rows, ptrdiff_t cols) {                      \
    ptrdiff_t i, j, ib = 0, jb = 0;                                                   \
    FA_TR_BLOCKS(B, BLOCK)                                                            \
    for (i = 0; i < rows; i++)                                                        \
        for (j = i < ib ? jb : 0; j < cols; j++)                                      \
            b[j * ldb + i] = a[i * lda + j];                                          \
}
FA_TRANSPOSE_DEF(float, f, 8, fa_tr8x8_f)
FA_TRANSPOSE_DEF(double, d, 4, fa_tr4x4_d)

#endif

/* Build facts and an OpenMP shim, so the same sources build with or without
 * OpenMP (the serial build sees one thread). */
#ifndef FASTACT_SHIM_H
#define FASTACT_SHIM_H

#ifdef _OPENMP
#include <omp.h>
#define FA_OPENMP_VERSION _OPENMP
#else
#define FA_OPENMP_VERSION 0
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_num_procs(void) { return 1; }
#endif

#if defined(__clang__)
#define FA_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define FA_COMPILER "gcc " __VERSION__
#elif defined(_MSC_VER)
#define FA_STR2(x) #x
#define FA_STR(x) FA_STR2(x)
#define FA_COMPILER "msvc " FA_STR(_MSC_VER)
#else
#define FA_COMPILER "unknown"
#endif

/* The instruction set the kernels were compiled for. */
#if defined(__AVX512F__)
#define FA_SIMD "AVX-512"
#elif defined(__AVX2__)
#define FA_SIMD "AVX2+FMA"
#elif defined(__x86_64__) || defined(_M_X64)
#define FA_SIMD "SSE2 (x86-64 baseline)"
#elif defined(__aarch64__)
#define FA_SIMD "NEON (aarch64 baseline)"
#else
#define FA_SIMD "generic"
#endif

/* The x86-64 level this CPU (and its OS) supports: 4 = x86-64-v4 (AVX-512
 * F/BW/DQ/VL), 3 = x86-64-v3 (AVX2, FMA, BMI), 1 = baseline. Other CPUs: 1. */
static inline int fa_cpu_level(void) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    int v3, v4;
    __builtin_cpu_init();
    v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
         && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
         && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    return v4 ? 4 : (v3 ? 3 : 1);
#else
    return 1;
#endif
}

/* Reinterpret between double and its bits: GCC turns these into register
 * moves and vectorises them (vector math needs 2^n built from bits). */
#include <stdint.h>
#include <string.h>
static inline int64_t fa_bits(double x) { int64_t i; memcpy(&i, &x, 8); return i; }
static inline double fa_from_bits(int64_t i) { double x; memcpy(&x, &i, 8); return x; }
static inline int32_t fa_bitsf(float x) { int32_t i; memcpy(&i, &x, 4); return i; }
static inline float fa_from_bitsf(int32_t i) { float x; memcpy(&x, &i, 4); return x; }

#endif

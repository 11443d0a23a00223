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
#define FA_SIMD "AVX-512 (compile time)"
#elif defined(__AVX2__)
#define FA_SIMD "AVX2 (compile time)"
#elif defined(__x86_64__) || defined(_M_X64)
#define FA_SIMD "SSE2 (x86-64 baseline)"
#elif defined(__aarch64__)
#define FA_SIMD "NEON (aarch64 baseline)"
#else
#define FA_SIMD "generic"
#endif

#endif

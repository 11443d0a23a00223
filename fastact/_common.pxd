# Declarations shared by the compiled modules: the OpenMP shim, build facts,
# and the floating-point status calls the loops use to stay silent.

cdef extern from "_shim.h" nogil:
    int omp_get_max_threads()
    int omp_get_num_procs()
    const char* FA_COMPILER
    const char* FA_SIMD
    int FA_OPENMP_VERSION
    int fa_cpu_level()
    long long fa_bits(double x)
    double fa_from_bits(long long i)
    int fa_bitsf(float x)
    float fa_from_bitsf(int i)

cdef extern from "<fenv.h>" nogil:
    ctypedef struct fexcept_t:
        pass
    int FE_ALL_EXCEPT
    int fegetexceptflag(fexcept_t* flagp, int excepts)
    int fesetexceptflag(const fexcept_t* flagp, int excepts)

# The float64 backward's far tails: the axis functions' counterpart of the
# element-wise loops' VJP_TAILS (_kernels.pyx.tp). The backward multiplies
# a softmax weight p_i = e^(a_i) / total, a_i = (sg x_i - M)/T, by sums of
# grad_output:
#   softmax, softmin:  sg p_i (g_i - dot) / T    (dot = sum_j g_j p_j)
#   log_softmax:       sg (g_i - p_i dot) / T    (from y: p_i = e^(y_i))
#   logsumexp:         gy (p_i w_i)
# Where p_i (or e^(a_i), or p_i w_i on the way) is below the normal
# doubles it has lost bits or is 0, while grad_output up to 1.8e308 can
# bring the product back into the normal range: log_softmax_backward(
# [1e300, 0], [0, -800]) gave 0 for the second entry, exactly -3.7e-48.
# Above the cut, a_i >= -680 + max(0, log|total|), every factor is normal
# (e^-680 ~ 2^-981; with weights also |w_i| >= 2^-40), so the loops'
# products keep their bound. Past it, _write collects the entries -- before
# the block is written, since out= may be x or grad_output -- recomputes
# them in long double (exponents down to -16382) from the row's M, total
# and dot, and stores them after the block's own loops. The softmax's dot
# sums such terms in long double too (_dot_with_tails).
#
# Cost: phase A keeps each block's least entry (one integer min per 8
# doubles, in the loop that takes the max); a block whose least entry is
# above the cut does nothing more. Otherwise a count of the entries in the
# band (floor, cut) runs first; below the floor a = -3000 (masks such as
# -1e4, -1e9) the result is 0 (or g) in any precision and is left as it is.
# Where long double is double (not x86-64) the redo cannot widen the range.
# float32 needs none of this: computed in double, p stays normal wherever a
# float32 product can.

from libc.math cimport expl, ilogb

cdef enum:
    TAIL_FLOOR = -3000         # a below this: e^a times three doubles rounds to 0
    TAIL_CUT = -680            # a above this + max(0, log|total|): every factor normal

cdef extern from *:
    """
    static const double FA_AX_TINY_WEIGHT = 9.094947017729282e-13;  /* 2^-40 */
    """
    const double FA_AX_TINY_WEIGHT

cdef extern from "_axis_loops.h":
    const double FA_AX_LOG2E


cdef inline double _tail_cut(const Ctx* c, const RowSt* rs) noexcept nogil:
    # the cut on a; from y, total is 1
    cdef double lt
    if c.from_y:
        return TAIL_CUT
    lt = log(fabs(rs.tot))
    return TAIL_CUT + (lt if lt > 0.0 else 0.0)


cdef inline bint _tails_possible(const Ctx* c, const RowSt* rs, const Blk* b,
                                 bint weighted) noexcept nogil:
    # whether block b of a float64 backward may hold entries past the cut
    if rs.state != ROW_OK or c.op < OP_SOFTMAX_BWD:
        return False
    if c.from_y:
        # log_softmax from y (p = e^y): no statistics, every block counts,
        # unless dot is too small for any p < 2^-981 to matter; softmax
        # from y multiplies the y it is given: nothing to redo
        return c.op == OP_LOG_SOFTMAX_BWD and fabs(rs.dot) * c.invT >= 8.673617379884035e-19
    if c.op == OP_LSE_BWD and not c.ret_sign and rs.tot < 0:
        return False                            # the row is NaN
    if weighted:
        return True                             # tiny weights: per entry
    # without weights total <= the entries (e <= 1 each), log total < 44:
    # the test without the log first, as it holds for almost every block
    if (b.mn - rs.M) * c.invT >= TAIL_CUT + 44.0:
        return False
    return b.mn < rs.M + _tail_cut(c, rs) / c.invT


cdef inline long double _tail_arg(const Ctx* c, const RowSt* rs, double v) noexcept nogil:
    # a = log p before the total: (v - M)/T from x (the difference exact in
    # long double), y itself from y
    return v if c.from_y else (<long double>v - rs.M) * c.invT


cdef inline long double _tail_weight(const Ctx* c, const RowSt* rs, long double a) noexcept nogil:
    # p = e^a / total (from y, total is 1)
    return expl(a) if c.from_y else expl(a) / rs.tot


cdef inline double _tail_value(const Ctx* c, const RowSt* rs, double v, double gi,
                               double wi, bint* redo) noexcept nogil:
    # the backward of one entry past the cut in long double (v = sg x, or y
    # from y; gi: its grad_output, the row's gy for logsumexp; wi: weight).
    # redo is False where the result is below half the least subnormal:
    # the block's loops already gave it (0, or g for log_softmax).
    cdef long double a, p, f
    cdef double fd
    if c.op == OP_SOFTMAX_BWD:
        fd = (gi - rs.dot) * c.invT
    elif c.op == OP_LOG_SOFTMAX_BWD:
        fd = rs.dot * c.invT
    else:
        fd = gi * wi
    a = _tail_arg(c, rs, v)
    # log2 of |p f| from a and the exponents (ilogb(0) is INT_MIN): cheap,
    # and spares expl where the product is 0 anyway (masks near -1000)
    if (<double>a * FA_AX_LOG2E + (ilogb(fd) + 1.0)
            - (0.0 if c.from_y else <double>ilogb(rs.tot)) < -1080.0):
        redo[0] = False
        return 0.0
    redo[0] = True
    p = _tail_weight(c, rs, a)
    if c.op == OP_SOFTMAX_BWD:
        f = <long double>gi - rs.dot
        return <double>(c.sg * (p * f) * c.invT)
    if c.op == OP_LOG_SOFTMAX_BWD:
        return <double>(c.sg * (<long double>gi - p * rs.dot) * c.invT)
    return <double>(<long double>gi * (p * wi))


cdef inline bint _in_band(double v, double lo, double hi, const double* w, npy_intp sw,
                          npy_intp i) noexcept nogil:
    # v past the cut (and above the floor); with weights, also a tiny weight
    if not (v > lo):
        return False
    return v < hi or (w != NULL and fabs(w[i * sw]) < FA_AX_TINY_WEIGHT)


cdef npy_intp _band_count(const Ctx* c, const RowSt* rs, const Blk* b, const double* x,
                          npy_intp sx, const double* w, npy_intp sw,
                          const unsigned char* mk, npy_intp smk, npy_intp n,
                          double* lo, double* hi) noexcept nogil:
    # how many entries of block b (n elements) lie past the cut and above
    # the floor, as v = sg x (or y) in (lo, hi); 0 where the block's least
    # entry says there are none
    cdef npy_intp i, k = 0
    cdef double v, s = 1.0 if c.from_y else c.sg
    if not _tails_possible(c, rs, b, w != NULL):
        return 0
    if c.from_y:
        lo[0], hi[0] = TAIL_FLOOR, TAIL_CUT
    else:
        lo[0] = rs.M + TAIL_FLOOR / c.invT
        hi[0] = rs.M + _tail_cut(c, rs) / c.invT
    if sx == 1 and mk == NULL and w == NULL:
        return fa_ax_count_band(x, n, s, lo[0], hi[0])
    else:
        for i in range(n):
            if _selected(mk, smk, w, sw, i) and _in_band(s * x[i * sx], lo[0], hi[0], w, sw, i):
                k += 1
    return k


cdef npy_intp _tails_collect(const Ctx* c, const RowSt* rs, const Blk* b, const double* x,
                             npy_intp sx, const double* w, npy_intp sw,
                             const unsigned char* mk, npy_intp smk, const double* g,
                             npy_intp sg_, npy_intp n, npy_intp** idx,
                             double** val) noexcept nogil:
    # the entries of one block past the cut, and their values; returns how
    # many (idx and val malloc'ed, for _tails_store to free; NULL if none)
    cdef npy_intp i, k
    cdef double lo, hi, s = 1.0 if c.from_y else c.sg, r
    cdef bint redo
    if c.op == OP_SOFTMAX_BWD and not c.from_y and b.nband == 0:
        return 0                                # phase C counted none
    k = _band_count(c, rs, b, x, sx, w, sw, mk, smk, n, &lo, &hi)
    if k == 0:
        return 0
    idx[0] = <npy_intp*>malloc(k * sizeof(npy_intp))
    val[0] = <double*>malloc(k * sizeof(double))
    k = 0
    if idx[0] != NULL and val[0] != NULL:
        # (no memory for the redo: the block's loops alone, rather than no
        # result)
        for i in range(n):
            if not (_selected(mk, smk, w, sw, i) and _in_band(s * x[i * sx], lo, hi, w, sw, i)):
                continue
            r = _tail_value(c, rs, s * x[i * sx], g[0] if c.op == OP_LSE_BWD else g[i * sg_],
                            1.0 if w == NULL else w[i * sw], &redo)
            if redo:
                idx[0][k] = i
                val[0][k] = r
                k += 1
    if k == 0:
        free(idx[0])
        free(val[0])
    return k


cdef inline void _tails_store(npy_intp k, npy_intp* idx, double* val, double* o,
                              npy_intp so) noexcept nogil:
    cdef npy_intp j
    for j in range(k):
        o[idx[j] * so] = val[j]
    free(idx)
    free(val)


cdef double _dot_with_tails(const Ctx* c, const RowSt* rs, const double* g, npy_intp sg_,
                            const double* x, npy_intp sx, const unsigned char* mk,
                            npy_intp smk, npy_intp n, const double* e, const Blk* b,
                            double lo, double hi) noexcept nogil:
    # the softmax backward's dot over one block (from x) with entries past
    # the cut (v in (lo, hi)): the general loop of _dot (the same lanes and
    # order), with those terms g_i p_i in long double. Whether a block takes
    # this loop depends on its entries only, so every layout gets its bits.
    cdef double acc[8]
    cdef double t, v
    cdef npy_intp i
    for i in range(8):
        acc[i] = 0.0
    for i in range(n):
        if mk != NULL and mk[i * smk] == 0:
            continue
        v = c.sg * x[i * sx]
        if _in_band(v, lo, hi, NULL, 0, i):
            t = <double>(<long double>g[i * sg_] * _tail_weight(c, rs, _tail_arg(c, rs, v)))
        elif e != NULL:
            t = g[i * sg_] * (e[i] * b.r)
        else:
            t = g[i * sg_] * (_e(x, v, b, c.invT) * b.r)
        acc[i & 7] += t
    return _sum8(acc)

# Axis-wise kernels: softmax, log_softmax, softmin, logsumexp and their
# backward (included into _kernels.pyx, so they share its thread settings;
# the per-block math is in _axis_math.pxi, maxout in _maxout.pxi).
#
# The Python layer (_axis.py, _layout.py) views every operand as a 3-D
# strided array (P, N, Q): a "row" is one (p, q) pair, its N elements are
# the ones reduced over. Operands: x (or y), the weights b, the where= mask,
# grad_output, the output, and logsumexp's sign output; reduced operands have
# stride 0 along N. Strides are in elements.
#
# Summation order is fixed by the data alone, never by threads or layout: a
# row is cut into blocks of AX_BLOCK elements; inside a block, element i goes
# to partial sum i % 8 and the eight are added as a fixed tree; blocks are
# combined in order. A block's statistics are its max m_b, the weight c_b at
# the max, and s_b = sum of w exp((v - m_b)/T) over the rest (the maximum
# kept apart as in SciPy gh-18295, so logsumexp([0, -40]) keeps its 4e-18).
#
# Three ways to run, all calling the same block functions, hence the same
# bits: many rows, a thread per row ("rows in cache: max, then exp-and-sum,
# then scale"); a few long rows, the blocks of each phase split between
# threads ("online max-and-sum, then exp-and-write"); rows along a non-last
# axis, tiles of neighbouring rows (a cache line of each) gathered block by block into
# contiguous buffers, where the row code runs unchanged (no transposed copy
# of the array).

from libc.math cimport exp, log, log1p, fabs, fmaf, INFINITY, NAN
from libc.stdlib cimport malloc, free
from cython.parallel cimport threadid

cdef extern from "_axis_loops.h" nogil:
    # exp(t) for t <= 0 (for double and float32 results), and the loops
    double fa_ax_exp(double t)
    double fa_ax_exp32(double t)
    double fa_ax_exp32_vm(double v, double m, double invT)   # float32, T = 1: in float
    void fa_ax_max_f32(const float* x, npy_intp n, double sg, double* m, double* z)
    void fa_ax_expsum_f1(const float* x, npy_intp n, double sg, double m, double* e,
                         double* c, double* s)
    void fa_ax_max_d(const double* x, npy_intp n, double sg, double* m, double* mn,
                     double* z)
    npy_intp fa_ax_count_band(const double* x, npy_intp n, double s, double lo, double hi)
    void fa_ax_widen(const float* x, npy_intp n, double* w)
    void fa_ax_expsum_d32(const double* x, npy_intp n, double sg, double m, double invT,
                          double* e, double* c, double* s)
    void fa_ax_expsum_d(const double* x, npy_intp n, double sg, double m, double invT,
                        double* e, double* c, double* s)
    void fa_ax_softmax_f(const float* x, npy_intp n, double sg, double m, double invT,
                         double r, const double* e, float* o)
    void fa_ax_softmax_d(const double* x, npy_intp n, double sg, double m, double invT,
                         double r, const double* e, double* o)
    void fa_ax_log_softmax_f(const float* x, npy_intp n, double sg, double M,
                             double invT, double L, float* o)
    void fa_ax_log_softmax_d(const double* x, npy_intp n, double sg, double M,
                             double invT, double L, double* o)
    # the backward of softmax and log_softmax, contiguous
    double fa_ax_dot_f(const float* g, npy_intp gs, const float* y, const double* e,
                       double r, npy_intp n, int weighted)
    double fa_ax_dot_d(const double* g, npy_intp gs, const double* y, const double* e,
                       double r, npy_intp n, int weighted)
    enum: FA_AX_DOT_ROWS    # rows per fa_ax_dot4_f call
    int fa_ax_dot4_f(const float* const* g, const float* const* y, npy_intp n, int weighted,
                     double* dot)
    void fa_ax_softmax_bwd_f(const float* g, npy_intp gs, const float* y, const double* e,
                             double r, npy_intp n, double dot, double sg, double invT,
                             float* o)
    void fa_ax_softmax_bwd_d(const double* g, npy_intp gs, const double* y,
                             const double* e, double r, npy_intp n, double dot, double sg,
                             double invT, double* o)
    void fa_ax_log_softmax_bwd_f(const float* g, npy_intp gs, const double* e, double r,
                                 npy_intp n, double dot, double sg, double invT, float* o)
    void fa_ax_log_softmax_bwd_d(const double* g, npy_intp gs, const double* e, double r,
                                 npy_intp n, double dot, double sg, double invT, double* o)
    # the same across FA_AX_LANES contiguous lanes (rows along a non-last axis)
    int FA_AX_LANES
    void fa_ax_lanes_max_f(const float* x, npy_intp n, npy_intp sn, npy_intp w, double sg,
                           double* m, double* z)
    void fa_ax_lanes_max_d(const double* x, npy_intp n, npy_intp sn, npy_intp w, double sg,
                           double* m, double* z)
    void fa_ax_lanes_expsum_f(const float* x, npy_intp n, npy_intp sn, npy_intp w, double sg,
                              const double* m, double invT, double* e, double* cnt,
                              double* acc)
    void fa_ax_lanes_expsum_d(const double* x, npy_intp n, npy_intp sn, npy_intp w,
                              double sg, const double* m, double invT, double* e,
                              double* cnt, double* acc)
    void fa_ax_lanes_softmax_f(const float* x, npy_intp n, npy_intp sn, npy_intp w,
                               double sg, const double* m, double invT, const double* r,
                               const double* e, float* o, npy_intp so)
    void fa_ax_lanes_softmax_d(const double* x, npy_intp n, npy_intp sn, npy_intp w,
                               double sg, const double* m, double invT, const double* r,
                               const double* e, double* o, npy_intp so)
    void fa_ax_lanes_log_softmax_f(const float* x, npy_intp n, npy_intp sn, npy_intp w,
                                   double sg, const double* M, double invT,
                                   const double* L, float* o, npy_intp so)
    void fa_ax_lanes_log_softmax_d(const double* x, npy_intp n, npy_intp sn, npy_intp w,
                                   double sg, const double* M, double invT,
                                   const double* L, double* o, npy_intp so)


include "_axis_math.pxi"
include "_axis_tails.pxi"


# ---- phases on (row, block) of a context ----------------------------------------

cdef inline npy_intp _row_off(const Opd* a, npy_intp r, npy_intp Q) noexcept nogil:
    # row r = p Q + q; no division in the common cases (P or Q is 1)
    if r < Q:
        return r * a.sq
    if Q == 1:
        return r * a.sp
    return (r // Q) * a.sp + (r % Q) * a.sq


cdef inline npy_intp _blk_len(const Ctx* c, npy_intp k) noexcept nogil:
    return min(<npy_intp>AX_BLOCK, c.N - k * AX_BLOCK)


cdef inline char* _at(const Opd* a, npy_intp r, npy_intp Q, npy_intp k,
                      int item) noexcept nogil:
    # block k of row r of an operand (NULL if absent)
    if a.p == NULL:
        return NULL
    return a.p + (_row_off(a, r, Q) + k * AX_BLOCK * a.sn) * item


cdef void _phase_a(const Ctx* c, npy_intp r, npy_intp k, Blk* b, double* e) noexcept nogil:
    cdef npy_intp n = _blk_len(c, k)
    cdef int item = 4 if c.f32 else 8
    cdef char* x = _at(&c.x, r, c.Q, k, item)
    cdef char* w = _at(&c.w, r, c.Q, k, item)
    cdef unsigned char* mk = <unsigned char*>_at(&c.mk, r, c.Q, k, 1)
    if w == NULL and mk == NULL and c.x.sn == 1:
        if c.f32:
            _stats_fast(<float*>x, n, c.sg, c.invT, e, b)
        else:
            _stats_fast(<double*>x, n, c.sg, c.invT, e, b)
    elif c.f32:
        _stats(<float*>x, c.x.sn, <float*>w, c.w.sn, mk, c.mk.sn, n, c.sg, c.invT, e, b)
    else:
        _stats(<double*>x, c.x.sn, <double*>w, c.w.sn, mk, c.mk.sn, n, c.sg, c.invT, e, b)


cdef void _phase_b(const Ctx* c, npy_intp r, Blk* b, RowSt* rs) noexcept nogil:
    _combine(b, c.K, c.invT, rs)
    _phase_b_end(c, r, rs)


cdef void _phase_b_end(const Ctx* c, npy_intp r, RowSt* rs) noexcept nogil:
    # after _combine: log_softmax's log of the total, logsumexp's result
    cdef double lse, sgn
    cdef npy_intp oo
    if c.op == OP_LOG_SOFTMAX and rs.state == ROW_OK:
        rs.L = _log_total(rs)
    if c.op != OP_LSE:
        return
    _lse_result(rs, c.ret_sign, &lse, &sgn)
    oo = _row_off(&c.o, r, c.Q)
    if c.f32:
        (<float*>c.o.p)[oo] = <float>lse
        if c.sgn.p != NULL:
            (<float*>c.sgn.p)[_row_off(&c.sgn, r, c.Q)] = <float>sgn
    else:
        (<double*>c.o.p)[oo] = lse
        if c.sgn.p != NULL:
            (<double*>c.sgn.p)[_row_off(&c.sgn, r, c.Q)] = sgn


cdef void _phase_c(const Ctx* c, npy_intp r, npy_intp k, Blk* b, const RowSt* rs,
                   const double* e) noexcept nogil:
    cdef npy_intp n = _blk_len(c, k)
    cdef int item = 4 if c.f32 else 8
    cdef char* x = _at(&c.x, r, c.Q, k, item)
    cdef char* g = _at(&c.g, r, c.Q, k, item)
    cdef unsigned char* mk = <unsigned char*>_at(&c.mk, r, c.Q, k, 1)
    if c.f32:
        b.dot = _dot(c, rs, <float*>g, c.g.sn, <float*>x, c.x.sn, mk, c.mk.sn, n, e, b)
    else:
        b.dot = _dot(c, rs, <double*>g, c.g.sn, <double*>x, c.x.sn, mk, c.mk.sn, n, e, b)


cdef void _phase_d(const Ctx* c, const Blk* b, RowSt* rs) noexcept nogil:
    cdef npy_intp k
    cdef double dot = 0.0
    for k in range(c.K):
        dot += b[k].dot
    rs.dot = dot


cdef void _phase_e(const Ctx* c, npy_intp r, npy_intp k, const Blk* b,
                   const RowSt* rs, const double* e) noexcept nogil:
    cdef npy_intp n = _blk_len(c, k)
    cdef int item = 4 if c.f32 else 8
    cdef char* x = _at(&c.x, r, c.Q, k, item)
    cdef char* w = _at(&c.w, r, c.Q, k, item)
    cdef char* g = _at(&c.g, r, c.Q, k, item)
    cdef char* o = _at(&c.o, r, c.Q, k, item)
    cdef unsigned char* mk = <unsigned char*>_at(&c.mk, r, c.Q, k, 1)
    if c.f32:
        _write(c, rs, b, <float*>x, c.x.sn, <float*>w, c.w.sn, mk, c.mk.sn,
               <float*>g, c.g.sn, e, <float*>o, c.o.sn, n)
    else:
        _write(c, rs, b, <double*>x, c.x.sn, <double*>w, c.w.sn, mk, c.mk.sn,
               <double*>g, c.g.sn, e, <double*>o, c.o.sn, n)


# ---- drivers ------------------------------------------------------------------

cdef inline double* _out_as_e(const Ctx* c, npy_intp r, npy_intp k) noexcept nogil:
    # float64 softmax into a contiguous output: phase A keeps block k's exps
    # in the output itself, where phase E scales them (the numbers a row's
    # scratch buffer would hold, so the same bits; one exp per element
    # instead of two). In place (out is x) too: each entry is read before it
    # is written, and no other block reads it. NULL otherwise.
    if c.op != OP_SOFTMAX or c.f32 or c.o.sn != 1 or c.x.sn != 1:
        return NULL
    return <double*>_at(&c.o, r, c.Q, k, 8)


cdef inline bint _lean_f32_apply(const Ctx* c) noexcept nogil:
    # float32 rows of one block, contiguous, without where= or b=: the
    # forward at T = 1 is three loops of _axis_loops.h, the backward from y
    # two (any T)
    if not (c.f32 and c.K == 1 and c.N > 0 and c.mk.p == NULL and c.w.p == NULL
            and c.x.sn == 1):
        return False
    if c.op == OP_SOFTMAX_BWD or c.op == OP_LOG_SOFTMAX_BWD:
        return c.from_y and c.o.sn == 1 and (c.g.sn == 0 or c.g.sn == 1)
    return c.invT == 1.0 and (c.op == OP_LSE or (
        (c.op == OP_SOFTMAX or c.op == OP_LOG_SOFTMAX) and c.o.sn == 1))


cdef void _row_f32_lean_bwd(const Ctx* c, npy_intp r) noexcept nogil:
    # the backward from y of row r as _phase_c (_dot), _phase_d and _phase_e
    # (_write_loops) compute it, without their dispatch (a fifth of softmax'
    # of 15625 x 64 float32, perf)
    cdef const float* y = <const float*>c.x.p + _row_off(&c.x, r, c.Q)
    cdef const float* g = <const float*>c.g.p + _row_off(&c.g, r, c.Q)
    _lean_bwd_write(c, r, fa_ax_dot_f(g, c.g.sn, y, NULL, 0.0, c.N,
                                      c.op == OP_SOFTMAX_BWD))


cdef inline void _lean_bwd_write(const Ctx* c, npy_intp r, double part) noexcept nogil:
    # row r's output from its dot (the lanes' sum, part)
    cdef const float* y = <const float*>c.x.p + _row_off(&c.x, r, c.Q)
    cdef const float* g = <const float*>c.g.p + _row_off(&c.g, r, c.Q)
    cdef float* o = <float*>c.o.p + _row_off(&c.o, r, c.Q)
    cdef double dot = 0.0
    dot += part                                                    # _phase_d's sum
    if c.op == OP_SOFTMAX_BWD:
        fa_ax_softmax_bwd_f(g, c.g.sn, y, NULL, 0.0, c.N, dot, c.sg, c.invT, o)
    else:
        _log_softmax_bwd_y_f(g, c.g.sn, y, c.N, dot, c.sg, c.invT, o)


cdef void _lean_bwd_group(const Ctx* c, npy_intp r0, npy_intp nr) noexcept nogil:
    # rows r0 .. r0 + nr - 1 (nr <= FA_AX_DOT_ROWS) of the backward from y:
    # the rows' dots in one loop (fa_ax_dot4_f, the bits of fa_ax_dot_f),
    # then their writes; a partial group, a broadcast g or a build without
    # AVX-512 row by row
    cdef const float* g[FA_AX_DOT_ROWS]
    cdef const float* y[FA_AX_DOT_ROWS]
    cdef double dot[FA_AX_DOT_ROWS]
    cdef npy_intp k
    if nr == FA_AX_DOT_ROWS and c.g.sn == 1:
        for k in range(FA_AX_DOT_ROWS):
            y[k] = <const float*>c.x.p + _row_off(&c.x, r0 + k, c.Q)
            g[k] = <const float*>c.g.p + _row_off(&c.g, r0 + k, c.Q)
        if fa_ax_dot4_f(g, y, c.N, c.op == OP_SOFTMAX_BWD, dot):
            for k in range(FA_AX_DOT_ROWS):
                _lean_bwd_write(c, r0 + k, dot[k])
            return
    for k in range(nr):
        _row_f32_lean_bwd(c, r0 + k)


cdef inline bint _lean_stats(const Ctx* c, const float* x, double* e,
                             RowSt* rs) noexcept nogil:
    # _phase_a (_stats_fast) and _combine of a one-block float32 row at T = 1,
    # the same numbers in the same order, into rs; False if the row holds an
    # inf or NaN (the careful loops)
    cdef double m, z, cnt, s
    fa_ax_max_f32(x, c.N, c.sg, &m, &z)
    if z != z:
        return False
    m = m + 0.0
    fa_ax_expsum_f1(x, c.N, c.sg, m, e, &cnt, &s)
    rs.state = ROW_OK
    rs.lp = NAN
    rs.M = m
    rs.C = 0.0
    rs.C += cnt
    rs.S = 0.0
    rs.S += s
    rs.tot = rs.C + rs.S
    return True


cdef bint _row_f32_lean(const Ctx* c, npy_intp r, double* e) noexcept nogil:
    # softmax of row r as the phases compute it without their generality:
    # 55 ns per row went to their dispatch (rows of 16: 65 ns per row in all;
    # perf: a third in the phase functions). The backward from y goes by
    # _lean_bwd_group, log_softmax and logsumexp by _lean_log_group.
    # False: the phases.
    cdef const float* x = <const float*>c.x.p + _row_off(&c.x, r, c.Q)
    cdef RowSt rs
    if c.op != OP_SOFTMAX or not _lean_stats(c, x, e, &rs):
        return False
    fa_ax_softmax_f(x, c.N, c.sg, rs.M, 1.0, 1.0 / rs.tot, e,
                    <float*>c.o.p + _row_off(&c.o, r, c.Q))
    return True


cdef void _lean_log_group(const Ctx* c, npy_intp r0, npy_intp nr, Blk* b, RowSt* rows,
                          double* e) noexcept nogil:
    # rows r0 .. r0 + nr - 1 (nr <= AX_LOG_ROWS) of log_softmax or logsumexp:
    # their statistics (_lean_stats), their log1p in one loop that vectorises
    # (one row after another, each log1p was a latency chain), as
    # _lanes_log1p does, then _phase_b_end and the write; rows with inf or
    # NaN by the phases
    cdef RowSt rs[AX_LOG_ROWS]
    cdef double y[AX_LOG_ROWS]
    cdef double lp[AX_LOG_ROWS]
    cdef bint ok[AX_LOG_ROWS]
    cdef npy_intp k
    for k in range(AX_LOG_ROWS):
        y[k] = 0.0
        ok[k] = False
    for k in range(nr):
        ok[k] = _lean_stats(c, <const float*>c.x.p + _row_off(&c.x, r0 + k, c.Q), NULL, &rs[k])
        if ok[k]:
            y[k] = _log1p_arg(c, &rs[k])
    for k in range(AX_LOG_ROWS):
        lp[k] = _vmath.fa_log1p_pos(y[k])
    for k in range(nr):
        if not ok[k]:
            _one_row_phases(c, r0 + k, b, &rows[r0 + k], e)
            continue
        rs[k].lp = _log1p_kept(y[k], lp[k])
        _phase_b_end(c, r0 + k, &rs[k])
        if c.op == OP_LOG_SOFTMAX:
            fa_ax_log_softmax_f(<const float*>c.x.p + _row_off(&c.x, r0 + k, c.Q), c.N, c.sg,
                                rs[k].M, 1.0, rs[k].L,
                                <float*>c.o.p + _row_off(&c.o, r0 + k, c.Q))


cdef void _one_row(const Ctx* c, npy_intp r, Blk* b, RowSt* rs, double* e) noexcept nogil:
    # a whole row on this thread: the lean loops where they apply
    if c.lean_f32 and _row_f32_lean(c, r, e):
        return
    _one_row_phases(c, r, b, rs, e)


cdef void _one_row_phases(const Ctx* c, npy_intp r, Blk* b, RowSt* rs,
                          double* e) noexcept nogil:
    # a whole row on this thread: its blocks in order
    cdef npy_intp k
    rs.state = ROW_OK
    rs.dot = 0.0
    if c.needs_stats:
        for k in range(c.K):
            _phase_a(c, r, k, &b[k], _out_as_e(c, r, k) if e == NULL else e + k * AX_BLOCK)
        _phase_b(c, r, b, rs)
    if c.needs_dot and rs.state == ROW_OK:
        for k in range(c.K):
            _phase_c(c, r, k, &b[k], rs, NULL if e == NULL else e + k * AX_BLOCK)
        _phase_d(c, b, rs)
    if c.writes:
        for k in range(c.K):
            _phase_e(c, r, k, &b[k], rs, _out_as_e(c, r, k) if e == NULL else e + k * AX_BLOCK)


cdef inline double* _split_e(const Ctx* c, double* ebuf, npy_intp t) noexcept nogil:
    # where block t (of all rows' blocks) keeps its exps in the split mode:
    # the call's buffer (AX_BLOCK per block), the float64 softmax's output,
    # or nowhere (NULL: recomputed)
    if ebuf != NULL:
        return ebuf + t * AX_BLOCK
    return _out_as_e(c, t // c.K, t % c.K)


cdef void _split_blocks(const Ctx* c, Blk* blks, RowSt* rows, int nt,
                        double* ebuf) noexcept nogil:
    # a few long rows: each phase's blocks in parallel, the rows in between
    cdef npy_intp R = c.P * c.Q, K = c.K, t, r
    for r in range(R):
        rows[r].state = ROW_OK
        rows[r].dot = 0.0
    if c.needs_stats:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            _phase_a(c, t // K, t % K, &blks[t], _split_e(c, ebuf, t))
        for r in range(R):
            _phase_b(c, r, blks + r * K, &rows[r])
    if c.needs_dot:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            if rows[t // K].state == ROW_OK:
                _phase_c(c, t // K, t % K, &blks[t], &rows[t // K], _split_e(c, ebuf, t))
        for r in range(R):
            if rows[r].state == ROW_OK:
                _phase_d(c, blks + r * K, &rows[r])
    if c.writes:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            _phase_e(c, t // K, t % K, &blks[t], &rows[t // K], _split_e(c, ebuf, t))


include "_axis_tiles.pxi"


# how _run splits an operation into units (one unit: one prange iteration)
cdef enum:
    JOB_SHORT_ROWS      # FA_AX_LANES short rows, transposed (_short_row_tile)
    JOB_SHORT_BWD       # the same for the backward from y (_short_bwd_tile)
    JOB_LANES           # FA_AX_LANES rows along another axis (_one_lane_tile)
    JOB_TILES           # AX_LANES (float64: half) rows along another axis (_one_tile)
    JOB_LEAN_BWD        # FA_AX_DOT_ROWS float32 rows of the backward from y (_lean_bwd_group)
    JOB_LEAN_LOG        # AX_LOG_ROWS float32 rows of log_softmax, logsumexp (_lean_log_group)
    JOB_ROWS            # one row (_one_row)
    JOB_SPLIT           # rows split in blocks between threads (_split_blocks)


cdef struct Job:        # what every unit of one _run shares
    int how
    npy_intp units      # prange's count
    npy_intp R, U, K, ne, per, item
    char* mem           # per bytes of buffers per thread
    Blk* blks           # K per thread (rows), R * K (split)
    RowSt* rows
    double* scratch     # ne exps per thread


cdef void _job_unit(const Ctx* c, const Job* j, npy_intp u, int tid) noexcept nogil:
    # unit u of the job on thread tid (its buffers)
    cdef char* mine = j.mem + tid * j.per
    cdef Lanes lb
    cdef Tile tb
    cdef npy_intp r, lanes
    if j.how == JOB_SHORT_ROWS:
        lb = _lanes_at(mine, j.K)
        _short_row_tile(c, u * FA_AX_LANES, min(<npy_intp>FA_AX_LANES, j.R - u * FA_AX_LANES),
                        &lb, mine + _lanes_bytes(j.K),
                        mine + _lanes_bytes(j.K) + FA_AX_LANES * AX_SHORT_ROW * j.item)
    elif j.how == JOB_SHORT_BWD:
        if c.f32:
            _short_bwd_tile(c, <float*>NULL, u * FA_AX_LANES,
                            min(<npy_intp>FA_AX_LANES, j.R - u * FA_AX_LANES), mine)
        else:
            _short_bwd_tile(c, <double*>NULL, u * FA_AX_LANES,
                            min(<npy_intp>FA_AX_LANES, j.R - u * FA_AX_LANES), mine)
    elif j.how == JOB_LANES:
        lb = _lanes_at(mine, j.K)
        r = (u // j.U) * c.Q + (u % j.U) * FA_AX_LANES
        _one_lane_tile(c, r, min(<npy_intp>FA_AX_LANES, c.Q - (u % j.U) * FA_AX_LANES), &lb)
    elif j.how == JOB_TILES:
        # a tile spans a cache line of each row's element: 8 doubles, 16 floats
        lanes = AX_LANES if c.f32 else AX_LANES // 2
        tb = _tile_at(mine, j.K)
        r = (u // j.U) * c.Q + (u % j.U) * lanes
        _one_tile(c, r, min(lanes, c.Q - (u % j.U) * lanes), &tb)
    elif j.how == JOB_LEAN_BWD:
        _lean_bwd_group(c, u * FA_AX_DOT_ROWS,
                        min(<npy_intp>FA_AX_DOT_ROWS, j.R - u * FA_AX_DOT_ROWS))
    elif j.how == JOB_LEAN_LOG:
        _lean_log_group(c, u * AX_LOG_ROWS, min(<npy_intp>AX_LOG_ROWS, j.R - u * AX_LOG_ROWS),
                        j.blks + tid * j.K, j.rows,
                        NULL if j.ne == 0 else j.scratch + tid * j.ne)
    else:
        _one_row(c, u, j.blks + tid * j.K, j.rows + u,
                 NULL if j.ne == 0 else j.scratch + tid * j.ne)


# One scratch buffer kept between calls (up to AX_KEEP bytes, for the life
# of the process), taken and given back with the GIL held: the GIL is its
# lock. A call that finds it taken (another Python thread's kernel is
# running) allocates its own. Freed and allocated again on every call,
# megabytes of scratch let glibc give the heap back to the system and fault
# it in again next time, depending on what else the process had allocated:
# in a process holding two other 8 MB arrays, softmax of 10^6 float64 on
# one thread took 7.5 ms against 1.9 with out=, logsumexp' 6.5-7.4 ms
# against 1.0; the page faults cost more than the kernel.
cdef char* _kept = NULL
cdef size_t _kept_size = 0
cdef bint _kept_busy = False


cdef char* _scratch_take(size_t n, bint* kept) noexcept:
    # n bytes: the kept buffer (grown as needed) if free and n <= AX_KEEP,
    # else malloc's; NULL if out of memory
    global _kept, _kept_size, _kept_busy
    kept[0] = False
    n = max(n, 1)
    if _kept_busy or n > AX_KEEP:
        return <char*>malloc(n)
    if n > _kept_size:
        free(_kept)
        _kept = <char*>malloc(n)
        _kept_size = n if _kept != NULL else 0
        if _kept == NULL:
            return NULL
    _kept_busy = True
    kept[0] = True
    return _kept


cdef void _scratch_after_fork() noexcept:
    # a child made by fork() while another thread's kernel held the buffer:
    # that thread does not exist here
    global _kept_busy
    _kept_busy = False


cdef void _scratch_give(char* p, bint kept) noexcept:
    global _kept_busy
    if kept:
        _kept_busy = False
    else:
        free(p)


cdef int _run(Ctx* c) except -1:
    cdef npy_intp R = c.P * c.Q, K = c.K, u, lanes
    cdef int nt = _team_size(R * c.N, AX_COST)
    # rows along a non-last axis, whose neighbours are closer in memory than
    # their own elements: tiles
    cdef bint tiles = c.Q > 1 and c.x.sq != 0 and abs(c.x.sq) < abs(c.x.sn)
    cdef bint by_rows = not tiles and (nt == 1 or K == 1 or R >= 4 * nt)
    # a row's exps kept for its later phases: rows in cache, and longer rows
    # while the team's buffers hold at most AX_SPLIT_E (recomputing them was
    # 10x slower for the backward of a 10^6 row: the general loops)
    cdef npy_intp ne = c.N if (c.keep_e and by_rows and (
        c.N <= AX_SCRATCH or nt * c.N <= AX_SPLIT_E)) else 0
    cdef npy_intp nb = R * K if not (tiles or by_rows) else nt * K
    cdef char* mem
    cdef fexcept_t flags
    cdef bint lanes_ok = tiles and _lanes_apply(c)
    cdef bint short_rows = not tiles and _short_rows_apply(c, R)
    cdef bint short_bwd = not tiles and _short_rows_bwd_apply(c, R)
    cdef Job j
    j.R = R
    j.K = K
    j.ne = ne
    j.item = 4 if c.f32 else 8
    c.lean_f32 = _lean_f32_apply(c)
    if short_rows:
        j.how, j.U, j.per = JOB_SHORT_ROWS, (R + FA_AX_LANES - 1) // FA_AX_LANES, \
            _short_rows_bytes(K, j.item)
    elif short_bwd:
        j.how, j.U, j.per = JOB_SHORT_BWD, (R + FA_AX_LANES - 1) // FA_AX_LANES, \
            _short_bwd_bytes(j.item)
    elif lanes_ok:
        j.how, j.U, j.per = JOB_LANES, (c.Q + FA_AX_LANES - 1) // FA_AX_LANES, _lanes_bytes(K)
    elif tiles:
        lanes = AX_LANES if c.f32 else AX_LANES // 2
        j.how, j.U, j.per = JOB_TILES, (c.Q + lanes - 1) // lanes, _tile_bytes(K)
    elif by_rows and c.lean_f32 and (c.op == OP_SOFTMAX_BWD or c.op == OP_LOG_SOFTMAX_BWD):
        j.how, j.U, j.per = JOB_LEAN_BWD, (R + FA_AX_DOT_ROWS - 1) // FA_AX_DOT_ROWS, 0
    elif by_rows and c.lean_f32 and (c.op == OP_LOG_SOFTMAX or c.op == OP_LSE):
        j.how, j.U, j.per = JOB_LEAN_LOG, (R + AX_LOG_ROWS - 1) // AX_LOG_ROWS, 0
    elif by_rows:
        j.how, j.U, j.per = JOB_ROWS, R, 0
    else:
        j.how, j.U, j.per = JOB_SPLIT, 0, 0
    # lane tiles and tiles: U per group of rows along the other axis
    j.units = c.P * j.U if (j.how == JOB_LANES or j.how == JOB_TILES) else j.U
    cdef size_t need = nt * j.per if j.per else \
        nb * sizeof(Blk) + R * sizeof(RowSt) + nt * ne * sizeof(double)
    # rows split between threads: the exps of phase A kept for the later
    # phases (as a row's scratch buffer keeps them: the same bits) instead
    # of computed again, up to AX_SPLIT_E of them, unless the float64
    # softmax keeps them in its output; no buffer, no harm: the exps are
    # recomputed
    cdef bint out_keeps_e = _out_as_e(c, 0, 0) != NULL
    cdef size_t e_at = (need + 63) // 64 * 64
    cdef size_t e_need = R * K * AX_BLOCK * sizeof(double) if (
        j.how == JOB_SPLIT and c.keep_e and not out_keeps_e
        and R * K * AX_BLOCK <= AX_SPLIT_E) else 0
    cdef bint kept
    mem = _scratch_take(e_at + e_need, &kept)
    if mem == NULL and e_need:
        e_need = 0
        mem = _scratch_take(need, &kept)
    if mem == NULL:
        raise MemoryError()
    j.mem = mem
    j.blks = <Blk*>mem
    j.rows = <RowSt*>(mem + nb * sizeof(Blk))
    j.scratch = <double*>(mem + nb * sizeof(Blk) + R * sizeof(RowSt))
    cdef double* ebuf = <double*>(mem + e_at) if e_need else NULL
    with nogil:
        fegetexceptflag(&flags, FE_ALL_EXCEPT)
        if j.how == JOB_SPLIT:
            _split_blocks(c, j.blks, j.rows, nt, ebuf)
        elif nt == 1:
            # no OpenMP region: entering one, even not in parallel, cost
            # 0.35 us and a futex call (a 1000-entry softmax took 2.2 us in
            # the kernel for a row of 2)
            for u in range(j.units):
                _job_unit(c, &j, u, 0)
        else:
            for u in prange(j.units, num_threads=nt, schedule='static'):
                _job_unit(c, &j, u, threadid())
        fesetexceptflag(&flags, FE_ALL_EXCEPT)
    _scratch_give(mem, kept)
    return 0


_ABSENT = (None, None)


cdef Opd _opd(tuple pair):
    # (ndarray or None, (sP, sN, sQ)) -> Opd
    cdef Opd a
    arr, strides = pair
    if arr is None:
        a.p = NULL
        a.sp = a.sn = a.sq = 0
        return a
    a.p = <char*>cnp.PyArray_DATA(<cnp.ndarray>arr)
    a.sp, a.sn, a.sq = strides
    return a


cdef void _ctx_init(Ctx* c, int op, bint f32, npy_intp P, npy_intp N, npy_intp Q, double T,
                    double sg, bint from_y, bint ret_sign) noexcept:
    # everything of c but its operands
    c.op = op
    c.f32 = f32
    c.P, c.N, c.Q = P, N, Q
    c.K = (c.N + AX_BLOCK - 1) // AX_BLOCK if c.N > 0 else 1
    c.invT = 1.0 / T
    c.sg = sg
    c.from_y = from_y
    c.ret_sign = ret_sign
    c.needs_stats = not (from_y and (op == OP_SOFTMAX_BWD or op == OP_LOG_SOFTMAX_BWD))
    c.needs_dot = op == OP_SOFTMAX_BWD or op == OP_LOG_SOFTMAX_BWD
    c.writes = op != OP_LSE
    # keep a row's exps when they are used again after the sum
    c.keep_e = op == OP_SOFTMAX or op == OP_LSE_BWD or (c.needs_dot and not from_y)


def axis_reduce(int op, tuple dims, dict arrays, double T=1.0, double sg=1.0,
                bint from_y=False, bint ret_sign=False):
    """Run one axis-wise operation.

    dims = (P, N, Q); arrays maps 'x', 'w', 'mk', 'g', 'o', 'sgn' to
    (ndarray, (sP, sN, sQ)) in element strides, all of one float dtype
    (the mask uint8). Called by fastact._axis only, which has checked
    everything: shapes, strides, dtypes, overlap.
    """
    cdef Ctx c
    P, N, Q = dims
    _ctx_init(&c, op, arrays["x"][0].dtype.itemsize == 4, P, N, Q, T, sg, from_y, ret_sign)
    c.x = _opd(arrays["x"])
    c.w = _opd(arrays.get("w", _ABSENT))
    c.mk = _opd(arrays.get("mk", _ABSENT))
    c.g = _opd(arrays.get("g", _ABSENT))
    c.o = _opd(arrays.get("o", _ABSENT))
    c.sgn = _opd(arrays.get("sgn", _ABSENT))
    if c.P * c.Q == 0:
        return
    _run(&c)


include "_axis_fast.pxi"

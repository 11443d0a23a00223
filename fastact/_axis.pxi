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

from libc.math cimport exp, log, log1p, fabs, INFINITY, NAN
from libc.stdlib cimport malloc, free
from cython.parallel cimport threadid

cdef extern from "_axis_loops.h" nogil:
    # exp(t) for t <= 0 (for double and float32 results), and the loops
    double fa_ax_exp(double t)
    double fa_ax_exp32(double t)
    void fa_ax_max_f(const float* x, npy_intp n, double sg, double* m, double* z)
    void fa_ax_max_d(const double* x, npy_intp n, double sg, double* m, double* z)
    void fa_ax_expsum_f(const float* x, npy_intp n, double sg, double m, double invT,
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
    cdef double lse, sgn
    cdef npy_intp oo
    _combine(b, c.K, c.invT, rs)
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


cdef void _phase_c(const Ctx* c, npy_intp r, npy_intp k, Blk* b, const double* e) noexcept nogil:
    cdef npy_intp n = _blk_len(c, k)
    cdef int item = 4 if c.f32 else 8
    cdef char* x = _at(&c.x, r, c.Q, k, item)
    cdef char* g = _at(&c.g, r, c.Q, k, item)
    cdef unsigned char* mk = <unsigned char*>_at(&c.mk, r, c.Q, k, 1)
    if c.f32:
        b.dot = _dot(c, <float*>g, c.g.sn, <float*>x, c.x.sn, mk, c.mk.sn, n, e, b)
    else:
        b.dot = _dot(c, <double*>g, c.g.sn, <double*>x, c.x.sn, mk, c.mk.sn, n, e, b)


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

cdef void _one_row(const Ctx* c, npy_intp r, Blk* b, RowSt* rs, double* e) noexcept nogil:
    # a whole row on this thread: its blocks in order
    cdef npy_intp k
    rs.state = ROW_OK
    rs.dot = 0.0
    if c.needs_stats:
        for k in range(c.K):
            _phase_a(c, r, k, &b[k], NULL if e == NULL else e + k * AX_BLOCK)
        _phase_b(c, r, b, rs)
    if c.needs_dot and rs.state == ROW_OK:
        for k in range(c.K):
            _phase_c(c, r, k, &b[k], NULL if e == NULL else e + k * AX_BLOCK)
        _phase_d(c, b, rs)
    if c.writes:
        for k in range(c.K):
            _phase_e(c, r, k, &b[k], rs, NULL if e == NULL else e + k * AX_BLOCK)


cdef void _split_blocks(const Ctx* c, Blk* blks, RowSt* rows, int nt) noexcept nogil:
    # a few long rows: each phase's blocks in parallel, the rows in between
    cdef npy_intp R = c.P * c.Q, K = c.K, t, r
    for r in range(R):
        rows[r].state = ROW_OK
        rows[r].dot = 0.0
    if c.needs_stats:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            _phase_a(c, t // K, t % K, &blks[t], NULL)
        for r in range(R):
            _phase_b(c, r, blks + r * K, &rows[r])
    if c.needs_dot:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            if rows[t // K].state == ROW_OK:
                _phase_c(c, t // K, t % K, &blks[t], NULL)
        for r in range(R):
            if rows[r].state == ROW_OK:
                _phase_d(c, blks + r * K, &rows[r])
    if c.writes:
        for t in prange(R * K, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
            _phase_e(c, t // K, t % K, &blks[t], &rows[t // K], NULL)


cdef struct Tile:          # one thread's buffers for a tile of AX_LANES rows
    char* x
    char* w
    char* g
    char* o
    unsigned char* mk
    double* e
    Blk* blk               # [lane][block]
    RowSt* rs              # [lane]


ctypedef fused elem:
    float
    double
    unsigned char


cdef void _transpose(const elem* src, npy_intp s_i, npy_intp s_l, elem* dst, npy_intp d_i,
                     npy_intp d_l, npy_intp n, npy_intp lanes) noexcept nogil:
    # dst[i * d_i + l * d_l] = src[i * s_i + l * s_l]: a block of a tile, in
    # one direction or the other, lanes innermost on the strided side
    cdef npy_intp i, l
    for i in range(n):
        for l in range(lanes):
            dst[i * d_i + l * d_l] = src[i * s_i + l * s_l]


cdef void _gather(const Opd* a, char* buf, npy_intp r0, npy_intp Q, npy_intp k,
                  npy_intp lanes, npy_intp n, int item) noexcept nogil:
    # block k of rows r0 .. r0 + lanes - 1 into buf[lane * AX_LANE_STRIDE + i]
    cdef npy_intp base = (r0 // Q) * a.sp + (r0 % Q) * a.sq + k * AX_BLOCK * a.sn
    if a.p == NULL:
        return
    if a.sn == 0:
        n = 1
    if item == 8:
        _transpose(<double*>a.p + base, a.sn, a.sq, <double*>buf, 1, AX_LANE_STRIDE, n, lanes)
    elif item == 4:
        _transpose(<float*>a.p + base, a.sn, a.sq, <float*>buf, 1, AX_LANE_STRIDE, n, lanes)
    else:
        _transpose(<unsigned char*>a.p + base, a.sn, a.sq, <unsigned char*>buf, 1,
                   AX_LANE_STRIDE, n, lanes)


cdef void _scatter(const Opd* a, char* buf, npy_intp r0, npy_intp Q, npy_intp k,
                   npy_intp lanes, npy_intp n, int item) noexcept nogil:
    # the inverse of _gather, for the output
    cdef npy_intp base = (r0 // Q) * a.sp + (r0 % Q) * a.sq + k * AX_BLOCK * a.sn
    if item == 8:
        _transpose(<double*>buf, 1, AX_LANE_STRIDE, <double*>a.p + base, a.sn, a.sq, n, lanes)
    else:
        _transpose(<float*>buf, 1, AX_LANE_STRIDE, <float*>a.p + base, a.sn, a.sq, n, lanes)


cdef inline Opd _buf_opd(const Opd* a, char* buf) noexcept nogil:
    # an operand of the tile: lane l's block at buf + l * AX_LANE_STRIDE elements
    cdef Opd t
    t.p = NULL if a.p == NULL else buf
    t.sp = 0
    t.sq = AX_LANE_STRIDE
    t.sn = 0 if a.sn == 0 else 1
    return t


cdef void _one_tile(const Ctx* c, npy_intp r0, npy_intp lanes, Tile* tb) noexcept nogil:
    # rows r0 .. r0 + lanes - 1 (neighbours along a non-last axis): each block
    # is gathered into contiguous per-lane buffers, where the row phases run
    # unchanged, and the output scattered back
    cdef Ctx t = c[0]
    cdef npy_intp k, l, n
    cdef int item = 4 if c.f32 else 8
    cdef bint kept = c.K == 1                  # one block: gather once
    cdef double* e = tb.e if (kept and c.keep_e) else NULL
    t.P = 1
    t.Q = AX_LANES
    t.K = 1
    t.x = _buf_opd(&c.x, tb.x)
    t.w = _buf_opd(&c.w, tb.w)
    t.g = _buf_opd(&c.g, tb.g)
    t.mk = _buf_opd(&c.mk, <char*>tb.mk)
    t.o = _buf_opd(&c.o, tb.o)
    for l in range(lanes):
        tb.rs[l].state = ROW_OK
        tb.rs[l].dot = 0.0
    if c.needs_stats:
        for k in range(c.K):
            n = _blk_len(c, k)
            t.N = n
            _gather(&c.x, tb.x, r0, c.Q, k, lanes, n, item)
            _gather(&c.w, tb.w, r0, c.Q, k, lanes, n, item)
            _gather(&c.mk, <char*>tb.mk, r0, c.Q, k, lanes, n, 1)
            for l in range(lanes):
                _phase_a(&t, l, 0, &tb.blk[l * c.K + k],
                         NULL if e == NULL else e + l * AX_LANE_STRIDE)
        for l in range(lanes):
            _phase_b(c, r0 + l, tb.blk + l * c.K, &tb.rs[l])
    if c.needs_dot:
        for k in range(c.K):
            n = _blk_len(c, k)
            t.N = n
            if not (kept and c.needs_stats):
                _gather(&c.x, tb.x, r0, c.Q, k, lanes, n, item)
                _gather(&c.mk, <char*>tb.mk, r0, c.Q, k, lanes, n, 1)
            _gather(&c.g, tb.g, r0, c.Q, k, lanes, n, item)
            for l in range(lanes):
                if tb.rs[l].state == ROW_OK:
                    _phase_c(&t, l, 0, &tb.blk[l * c.K + k],
                             NULL if e == NULL else e + l * AX_LANE_STRIDE)
        for l in range(lanes):
            if tb.rs[l].state == ROW_OK:
                _phase_d(c, tb.blk + l * c.K, &tb.rs[l])
    if c.writes:
        for k in range(c.K):
            n = _blk_len(c, k)
            t.N = n
            if not kept:
                _gather(&c.x, tb.x, r0, c.Q, k, lanes, n, item)
                _gather(&c.w, tb.w, r0, c.Q, k, lanes, n, item)
                _gather(&c.mk, <char*>tb.mk, r0, c.Q, k, lanes, n, 1)
                _gather(&c.g, tb.g, r0, c.Q, k, lanes, n, item)
            elif not c.needs_dot:
                _gather(&c.g, tb.g, r0, c.Q, k, lanes, n, item)
            for l in range(lanes):
                _phase_e(&t, l, 0, &tb.blk[l * c.K + k], &tb.rs[l],
                         NULL if e == NULL else e + l * AX_LANE_STRIDE)
            _scatter(&c.o, tb.o, r0, c.Q, k, lanes, n, item)


cdef Tile _tile_at(char* mem, npy_intp K) noexcept nogil:
    # carve one thread's Tile out of mem (see _tile_bytes)
    cdef Tile tb
    cdef npy_intp lane_block = AX_LANES * AX_LANE_STRIDE
    tb.e = <double*>mem
    tb.x = mem + 8 * lane_block
    tb.w = mem + 16 * lane_block
    tb.g = mem + 24 * lane_block
    tb.o = mem + 32 * lane_block
    tb.rs = <RowSt*>(mem + 40 * lane_block)
    tb.blk = <Blk*>(mem + 40 * lane_block + AX_LANES * sizeof(RowSt))
    tb.mk = <unsigned char*>(mem + 40 * lane_block + AX_LANES * sizeof(RowSt)
                             + AX_LANES * K * sizeof(Blk))
    return tb


cdef inline npy_intp _tile_bytes(npy_intp K) noexcept nogil:
    cdef npy_intp b = (40 * AX_LANES * AX_LANE_STRIDE + AX_LANES * sizeof(RowSt)
                       + AX_LANES * K * sizeof(Blk) + AX_LANES * AX_LANE_STRIDE)
    return (b + 63) // 64 * 64


# ---- lane tiles: forward along a non-last axis, lanes contiguous -------------------

cdef struct Lanes:         # one thread's buffers for a tile of FA_AX_LANES rows
    double* m              # [lane]: a block's max, then the write's m_b or M
    double* z
    double* cnt
    double* acc            # [8][lane]
    double* r              # [lane]: the write's r_b or L
    double* e              # [i][lane], when a row is short (AX_LANES_E)
    Blk* blk               # [lane][block]
    RowSt* rs              # [lane]


cdef inline npy_intp _lanes_bytes(npy_intp K) noexcept nogil:
    cdef npy_intp b = (13 * FA_AX_LANES + AX_LANES_E) * sizeof(double) \
        + FA_AX_LANES * (K * sizeof(Blk) + sizeof(RowSt))
    return (b + 63) // 64 * 64


cdef Lanes _lanes_at(char* mem, npy_intp K) noexcept nogil:
    cdef Lanes lb
    cdef double* d = <double*>mem
    lb.m = d
    lb.z = d + FA_AX_LANES
    lb.cnt = d + 2 * FA_AX_LANES
    lb.r = d + 3 * FA_AX_LANES
    lb.acc = d + 4 * FA_AX_LANES
    lb.e = d + 13 * FA_AX_LANES
    lb.blk = <Blk*>(d + 13 * FA_AX_LANES + AX_LANES_E)
    lb.rs = <RowSt*>(lb.blk + FA_AX_LANES * K)
    return lb


cdef inline bint _lanes_apply(const Ctx* c) noexcept nogil:
    # the forward, no mask or weights, lanes (and the output's) contiguous
    return ((c.op == OP_SOFTMAX or c.op == OP_LOG_SOFTMAX or c.op == OP_LSE)
            and c.mk.p == NULL and c.w.p == NULL and c.x.sq == 1
            and (c.op == OP_LSE or c.o.sq == 1))


cdef void _lanes_stats(const Ctx* c, npy_intp r0, npy_intp k, npy_intp w, Lanes* lb,
                       double* e) noexcept nogil:
    # the statistics of block k of lanes r0 .. r0 + w - 1, as _phase_a gives
    cdef npy_intp n = _blk_len(c, k), l, i
    cdef npy_intp base = _row_off(&c.x, r0, c.Q) + k * AX_BLOCK * c.x.sn
    cdef Blk* b
    if c.f32:
        fa_ax_lanes_max_f(<float*>c.x.p + base, n, c.x.sn, w, c.sg, lb.m, lb.z)
    else:
        fa_ax_lanes_max_d(<double*>c.x.p + base, n, c.x.sn, w, c.sg, lb.m, lb.z)
    for l in range(w):
        lb.m[l] = lb.m[l] + 0.0
    if c.f32:
        fa_ax_lanes_expsum_f(<float*>c.x.p + base, n, c.x.sn, w, c.sg, lb.m, c.invT, e,
                             lb.cnt, lb.acc)
    else:
        fa_ax_lanes_expsum_d(<double*>c.x.p + base, n, c.x.sn, w, c.sg, lb.m, c.invT, e,
                             lb.cnt, lb.acc)
    for l in range(w):
        b = &lb.blk[l * c.K + k]
        if lb.z[l] == lb.z[l] and n > 0:
            b.m = lb.m[l]
            b.nsel = n
            b.nan = 0
            b.c = lb.cnt[l]
            b.s = ((lb.acc[l] + lb.acc[w + l]) + (lb.acc[2 * w + l] + lb.acc[3 * w + l])) \
                + ((lb.acc[4 * w + l] + lb.acc[5 * w + l]) + (lb.acc[6 * w + l] + lb.acc[7 * w + l]))
            b.r = 0.0
            b.dot = 0.0
            continue
        # an inf or NaN in this lane: the careful loop, then its exps
        if c.f32:
            _stats(<float*>c.x.p + base + l, c.x.sn, <float*>NULL, 0, NULL, 0, n, c.sg,
                   c.invT, NULL, b)
            if e != NULL:
                for i in range(n):
                    e[i * w + l] = _e(<float*>NULL, c.sg * (<float*>c.x.p)[base + l + i * c.x.sn],
                                      b, c.invT)
        else:
            _stats(<double*>c.x.p + base + l, c.x.sn, <double*>NULL, 0, NULL, 0, n, c.sg,
                   c.invT, NULL, b)
            if e != NULL:
                for i in range(n):
                    e[i * w + l] = _e(<double*>NULL, c.sg * (<double*>c.x.p)[base + l + i * c.x.sn],
                                      b, c.invT)


cdef void _lanes_write(const Ctx* c, npy_intp r0, npy_intp k, npy_intp w, Lanes* lb,
                       const double* e) noexcept nogil:
    # block k of the output of lanes r0 .. r0 + w - 1, as _phase_e gives
    cdef npy_intp n = _blk_len(c, k), l
    cdef npy_intp bx = _row_off(&c.x, r0, c.Q) + k * AX_BLOCK * c.x.sn
    cdef npy_intp bo = _row_off(&c.o, r0, c.Q) + k * AX_BLOCK * c.o.sn
    cdef Blk* b
    for l in range(w):
        b = &lb.blk[l * c.K + k]
        if c.op == OP_SOFTMAX:
            # a block of -inf (in a finite row) gives exp(-inf - 0) * 0 = 0
            lb.m[l] = b.m if b.m != -INFINITY else 0.0
            lb.r[l] = b.r
        else:
            lb.m[l] = lb.rs[l].M
            lb.r[l] = lb.rs[l].L
    if c.op == OP_SOFTMAX:
        if c.f32:
            fa_ax_lanes_softmax_f(<float*>c.x.p + bx, n, c.x.sn, w, c.sg, lb.m, c.invT, lb.r,
                                  e, <float*>c.o.p + bo, c.o.sn)
        else:
            fa_ax_lanes_softmax_d(<double*>c.x.p + bx, n, c.x.sn, w, c.sg, lb.m, c.invT, lb.r,
                                  e, <double*>c.o.p + bo, c.o.sn)
    else:
        if c.f32:
            fa_ax_lanes_log_softmax_f(<float*>c.x.p + bx, n, c.x.sn, w, c.sg, lb.m, c.invT,
                                      lb.r, <float*>c.o.p + bo, c.o.sn)
        else:
            fa_ax_lanes_log_softmax_d(<double*>c.x.p + bx, n, c.x.sn, w, c.sg, lb.m, c.invT,
                                      lb.r, <double*>c.o.p + bo, c.o.sn)
    # rows without a finite maximum: their constants, as _write gives (it
    # reads no input for them, so writing over x in place is fine)
    for l in range(w):
        if lb.rs[l].state != ROW_OK:
            _phase_e(c, r0 + l, k, &lb.blk[l * c.K + k], &lb.rs[l], NULL)


cdef void _one_lane_tile(const Ctx* c, npy_intp r0, npy_intp w, Lanes* lb) noexcept nogil:
    cdef npy_intp k, l
    cdef double* e = lb.e if (c.keep_e and c.N * w <= AX_LANES_E) else NULL
    for k in range(c.K):
        _lanes_stats(c, r0, k, w, lb, NULL if e == NULL else e + k * AX_BLOCK * w)
    for l in range(w):
        _phase_b(c, r0 + l, lb.blk + l * c.K, &lb.rs[l])
    if c.writes:
        for k in range(c.K):
            _lanes_write(c, r0, k, w, lb, NULL if e == NULL else e + k * AX_BLOCK * w)



cdef int _run(Ctx* c) except -1:
    cdef npy_intp R = c.P * c.Q, K = c.K, r, u, U, per, lanes
    cdef int nt = _team_size(R * c.N, AX_COST)
    # rows along a non-last axis, whose neighbours are closer in memory than
    # their own elements: tiles
    cdef bint tiles = c.Q > 1 and c.x.sq != 0 and abs(c.x.sq) < abs(c.x.sn)
    cdef bint by_rows = not tiles and (nt == 1 or K == 1 or R >= 4 * nt)
    cdef npy_intp ne = c.N if (c.keep_e and by_rows and c.N <= AX_SCRATCH) else 0
    cdef npy_intp nb = R * K if not (tiles or by_rows) else nt * K
    cdef char* mem
    cdef fexcept_t flags
    cdef bint lanes_ok = tiles and _lanes_apply(c)
    if lanes_ok:
        per = _lanes_bytes(K)
        mem = <char*>malloc(nt * per)
    elif tiles:
        per = _tile_bytes(K)
        mem = <char*>malloc(nt * per)
    else:
        per = 0
        mem = <char*>malloc(nb * sizeof(Blk) + R * sizeof(RowSt) + nt * ne * sizeof(double))
    if mem == NULL:
        raise MemoryError()
    cdef Blk* blks = <Blk*>mem
    cdef RowSt* rows = <RowSt*>(mem + nb * sizeof(Blk))
    cdef double* scratch = <double*>(mem + nb * sizeof(Blk) + R * sizeof(RowSt))
    cdef Tile tb
    cdef Lanes lb
    with nogil:
        fegetexceptflag(&flags, FE_ALL_EXCEPT)
        if lanes_ok:
            U = (c.Q + FA_AX_LANES - 1) // FA_AX_LANES
            for u in prange(c.P * U, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
                lb = _lanes_at(mem + threadid() * per, K)
                r = (u // U) * c.Q + (u % U) * FA_AX_LANES
                _one_lane_tile(c, r, min(<npy_intp>FA_AX_LANES, c.Q - (u % U) * FA_AX_LANES), &lb)
        elif tiles:
            # a tile spans a cache line of each row's element: 8 doubles, 16 floats
            lanes = AX_LANES if c.f32 else AX_LANES // 2
            U = (c.Q + lanes - 1) // lanes
            for u in prange(c.P * U, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
                tb = _tile_at(mem + threadid() * per, K)
                r = (u // U) * c.Q + (u % U) * lanes
                _one_tile(c, r, min(lanes, c.Q - (u % U) * lanes), &tb)
        elif by_rows:
            for r in prange(R, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
                _one_row(c, r, blks + threadid() * K, rows + r,
                         NULL if ne == 0 else scratch + threadid() * ne)
        else:
            _split_blocks(c, blks, rows, nt)
        fesetexceptflag(&flags, FE_ALL_EXCEPT)
    free(mem)
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


def axis_reduce(int op, tuple dims, dict arrays, double T=1.0, double sg=1.0,
                bint from_y=False, bint ret_sign=False):
    """Run one axis-wise operation.

    dims = (P, N, Q); arrays maps 'x', 'w', 'mk', 'g', 'o', 'sgn' to
    (ndarray, (sP, sN, sQ)) in element strides, all of one float dtype
    (the mask uint8). Called by fastact._axis only, which has checked
    everything: shapes, strides, dtypes, overlap.
    """
    cdef Ctx c
    c.op = op
    c.f32 = arrays["x"][0].dtype.itemsize == 4
    c.P, c.N, c.Q = dims
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
    c.x = _opd(arrays["x"])
    c.w = _opd(arrays.get("w", _ABSENT))
    c.mk = _opd(arrays.get("mk", _ABSENT))
    c.g = _opd(arrays.get("g", _ABSENT))
    c.o = _opd(arrays.get("o", _ABSENT))
    c.sgn = _opd(arrays.get("sgn", _ABSENT))
    if c.P * c.Q == 0:
        return
    _run(&c)



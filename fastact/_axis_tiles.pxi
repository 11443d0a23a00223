# Rows along a non-last axis, whose neighbours are closer in memory than
# their own elements (included into _axis.pxi before _run):
#
# - lane tiles (the forward without mask or weights, rows contiguous): the
#   loops of _axis_loops.h read up to FA_AX_LANES neighbouring rows as one
#   contiguous run and vectorise across them, each lane keeping the row
#   code's numbers and order;
# - gather tiles (everything else): a block of up to AX_LANES rows is
#   copied into contiguous per-lane buffers, where the row phases run
#   unchanged, and the output copied back.

# ---- gather tiles ------------------------------------------------------------

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
                    _phase_c(&t, l, 0, &tb.blk[l * c.K + k], &tb.rs[l],
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


cdef void _lanes_log1p(const Ctx* c, npy_intp w, Lanes* lb) noexcept nogil:
    # the lanes' log1p of their ratios in one loop that vectorises
    # (fa_log1p_pos, the bits _log1p_of gives a row alone), kept in rs.lp
    # where _log1p_of would take it (else NaN: computed row by row)
    cdef double y[128]                # FA_AX_LANES
    cdef double lp[128]
    cdef npy_intp l
    for l in range(w):
        y[l] = _log1p_arg(c, &lb.rs[l])
    for l in range(w):
        lp[l] = _vmath.fa_log1p_pos(y[l])
    for l in range(w):
        lb.rs[l].lp = _log1p_kept(y[l], lp[l])


cdef void _one_lane_tile(const Ctx* c, npy_intp r0, npy_intp w, Lanes* lb) noexcept nogil:
    cdef npy_intp k, l
    cdef double* e = lb.e if (c.keep_e and c.N * w <= AX_LANES_E) else NULL
    for k in range(c.K):
        _lanes_stats(c, r0, k, w, lb, NULL if e == NULL else e + k * AX_BLOCK * w)
    if c.op == OP_LOG_SOFTMAX or c.op == OP_LSE:
        for l in range(w):
            _combine(lb.blk + l * c.K, c.K, c.invT, &lb.rs[l])
        _lanes_log1p(c, w, lb)
        for l in range(w):
            _phase_b_end(c, r0 + l, &lb.rs[l])
    else:
        for l in range(w):
            _phase_b(c, r0 + l, lb.blk + l * c.K, &lb.rs[l])
    if c.writes:
        for k in range(c.K):
            _lanes_write(c, r0, k, w, lb, NULL if e == NULL else e + k * AX_BLOCK * w)


# ---- short rows along the last axis: transposed into lane tiles -----------------
# Many short rows (a batch of class scores) cost a row's fixed work each: 100
# ns per row of 32 float32 (softmax of 31250 x 32 took 3.2 ms, PyTorch 0.45).
# Up to FA_AX_LANES of them are transposed (element i of lane l at i w + l),
# run by the lane loops above, which keep each row's numbers and order (the
# bits of the row loops), and the output transposed back.

cdef extern from "_transpose.h" nogil:
    # b[j ldb + i] = a[i lda + j], i < rows, j < cols: 8 x 8 blocks in registers
    void fa_transpose_f(const float* a, npy_intp lda, float* b, npy_intp ldb, npy_intp rows,
                        npy_intp cols)
    void fa_transpose_d(const double* a, npy_intp lda, double* b, npy_intp ldb,
                        npy_intp rows, npy_intp cols)


cdef inline void _transpose_blocks(const elem* a, npy_intp lda, elem* b, npy_intp ldb,
                                   npy_intp rows, npy_intp cols) noexcept nogil:
    if elem is float:
        fa_transpose_f(a, lda, b, ldb, rows, cols)
    elif elem is double:
        fa_transpose_d(a, lda, b, ldb, rows, cols)


cdef void _transpose_lanes_outer(const elem* src, npy_intp s_i, npy_intp s_l, elem* dst,
                                 npy_intp d_i, npy_intp d_l, npy_intp n,
                                 npy_intp lanes) noexcept nogil:
    # _transpose with the loops swapped, a lane (row) at a time: short rows
    # are read (or written) along their entries, the tile (in L1) across
    # them (softmax' of 31250 x 32 float32 transposed: 0.93 ms, 1.29 with
    # _transpose's order; one run each). Rows of contiguous entries go
    # through fa_transpose (blocks in registers).
    cdef npy_intp i, l
    if elem is float or elem is double:
        if s_i == 1 and d_l == 1:                  # rows -> tile
            _transpose_blocks(src, s_l, dst, d_i, lanes, n)
            return
        if s_l == 1 and d_i == 1:                  # tile -> rows
            _transpose_blocks(src, s_i, dst, d_l, n, lanes)
            return
    for l in range(lanes):
        for i in range(n):
            dst[i * d_i + l * d_l] = src[i * s_i + l * s_l]


cdef inline bint _short_rows_apply(const Ctx* c, npy_intp R) noexcept nogil:
    # float32 rows of 33-64 entries ran faster by _row_f32_lean (softmax of
    # 16384 x 64, one thread: 1.40 against 1.76 ms; 32: 1.59 against 1.79,
    # but logsumexp 2.68 against 2.06 and log_softmax 2.84 against 2.64)
    return ((c.Q == 1 or c.P == 1) and R > 1
            and 0 < c.N <= (AX_SHORT_LEAN if _lean_f32_apply(c) else AX_SHORT_ROW)
            and (c.op == OP_SOFTMAX or c.op == OP_LOG_SOFTMAX or c.op == OP_LSE)
            and c.mk.p == NULL and c.w.p == NULL)


cdef inline npy_intp _short_rows_bytes(npy_intp K, int item) noexcept nogil:
    # a thread's Lanes, then its input and output tiles
    return _lanes_bytes(K) + 2 * FA_AX_LANES * AX_SHORT_ROW * item


cdef inline npy_intp _row_stride(const Ctx* c, const Opd* a) noexcept nogil:
    # rows run along Q (P == 1: the last axis of a C-ordered array) or P
    return a.sq if c.P == 1 else a.sp


cdef void _short_row_tile(const Ctx* c, npy_intp r0, npy_intp w, Lanes* lb, char* tx,
                          char* to) noexcept nogil:
    # rows r0 .. r0 + w - 1 (P or Q is 1: row r at r times the row stride)
    cdef Ctx t = c[0]
    cdef int item = 4 if c.f32 else 8
    cdef npy_intp sx = _row_stride(c, &c.x), so = _row_stride(c, &c.o)
    t.P = 1
    t.Q = w
    t.x.p = tx
    t.x.sp = 0
    t.x.sq = 1
    t.x.sn = w
    if c.f32:
        _transpose_lanes_outer(<float*>c.x.p + r0 * sx, c.x.sn, sx, <float*>tx, w, 1, c.N, w)
    else:
        _transpose_lanes_outer(<double*>c.x.p + r0 * sx, c.x.sn, sx, <double*>tx, w, 1, c.N, w)
    if c.op == OP_LSE:
        # one result per row, straight into the output (and the signs')
        t.o.p = c.o.p + r0 * so * item
        t.o.sq = so
        t.o.sp = 0
        if c.sgn.p != NULL:
            t.sgn.p = c.sgn.p + r0 * _row_stride(c, &c.sgn) * item
            t.sgn.sq = _row_stride(c, &c.sgn)
            t.sgn.sp = 0
        _one_lane_tile(&t, 0, w, lb)
        return
    t.o.p = to
    t.o.sp = 0
    t.o.sq = 1
    t.o.sn = w
    _one_lane_tile(&t, 0, w, lb)
    if c.f32:
        _transpose_lanes_outer(<float*>to, w, 1, <float*>c.o.p + r0 * so, c.o.sn, so, c.N, w)
    else:
        _transpose_lanes_outer(<double*>to, w, 1, <double*>c.o.p + r0 * so, c.o.sn, so, c.N, w)


cdef inline bint _short_rows_bwd_apply(const Ctx* c, npy_intp R) noexcept nogil:
    # softmax's backward from y (the forward's output kept), short rows as above
    return ((c.Q == 1 or c.P == 1) and R > 1 and 0 < c.N <= AX_SHORT_BWD
            and c.op == OP_SOFTMAX_BWD and c.from_y and c.mk.p == NULL and c.w.p == NULL)


cdef inline npy_intp _short_bwd_bytes(int item) noexcept nogil:
    # a thread's y, g and output tiles, then the partial sums and the dots
    return 3 * FA_AX_LANES * AX_SHORT_ROW * item + 9 * FA_AX_LANES * sizeof(double)


cdef void _short_bwd_tile(const Ctx* c, const real* tag, npy_intp r0, npy_intp w,
                          char* mem) noexcept nogil:
    # softmax's backward of rows r0 .. r0 + w - 1, transposed: dot = sum g y
    # as _dot sums it (eight partial sums, entry i into i % 8 in order of i,
    # joined as _sum8, plus 0.0 as _phase_d adds the blocks), then
    # sg (y (g - dot)) invT as _write, across the lanes
    cdef npy_intp N = c.N, i, l, j
    cdef double part[8]
    cdef real* ty = <real*>mem
    cdef real* tg = ty + FA_AX_LANES * AX_SHORT_ROW
    cdef real* to = tg + FA_AX_LANES * AX_SHORT_ROW
    cdef double* acc = <double*>(to + FA_AX_LANES * AX_SHORT_ROW)
    cdef double* dot = acc + 8 * FA_AX_LANES
    cdef npy_intp sx = _row_stride(c, &c.x), sgr = _row_stride(c, &c.g)
    cdef npy_intp so = _row_stride(c, &c.o)
    cdef double sg = c.sg, invT = c.invT
    _transpose_lanes_outer(<real*>c.x.p + r0 * sx, c.x.sn, sx, ty, w, 1, N, w)
    _transpose_lanes_outer(<real*>c.g.p + r0 * sgr, c.g.sn, sgr, tg, w, 1, N, w)
    for l in range(8 * w):
        acc[l] = 0.0
    for i in range(N):
        j = (i & 7) * w
        for l in range(w):
            acc[j + l] += <double>tg[i * w + l] * <double>ty[i * w + l]
    for l in range(w):
        for j in range(8):
            part[j] = acc[j * w + l]
        dot[l] = 0.0 + _sum8(part)
    for i in range(N):
        for l in range(w):
            to[i * w + l] = <real>(sg * (<double>ty[i * w + l] * (<double>tg[i * w + l] - dot[l]))
                                   * invT)
    _transpose_lanes_outer(to, w, 1, <real*>c.o.p + r0 * so, c.o.sn, so, N, w)

# The per-block and per-row math of the axis-wise kernels (see _axis.pxi for
# the layout of the operands and the order of summation): statistics of a
# block, their combination into a row, logsumexp's result, the backward's
# dot product, and the output of a block.

ctypedef fused real:
    float
    double

cdef enum:
    AX_BLOCK = 2048        # elements per block: fixes the summation order
    AX_SCRATCH = 32768     # rows up to this length keep their exps in a buffer
    AX_SPLIT_E = 1 << 22   # longer rows (or split between threads) keep their exps up to this many
    AX_KEEP = (AX_SPLIT_E + (1 << 17)) * 8   # bytes of scratch kept between calls (_run):
                                             # the exps of split rows and 1 MB for the rows' state
    AX_LANES = 16          # rows per gathered tile along a non-last axis (at most)
    AX_LANES_E = 65536     # lane tiles keep their exps up to this many
    AX_LANE_STRIDE = 2048 + 24   # a lane's buffer: a block, padded so the
                                 # eight lanes do not share cache sets
    AX_COST = 8            # work per element relative to relu (for _team_size)
    AX_SHORT_ROW = 64      # last-axis rows up to this length run as transposed lane tiles
    AX_SHORT_LEAN = 32     # ... float32 rows the lean paths (_axis.pxi) take: up to this length
    AX_SHORT_BWD = 8       # the same for softmax's backward (longer: the row loops are faster)
    AX_LOG_ROWS = 8        # float32 rows of log_softmax, logsumexp whose log1p run as one loop

cdef enum:                 # operations
    OP_SOFTMAX = 0
    OP_LOG_SOFTMAX = 1
    OP_LSE = 2
    OP_SOFTMAX_BWD = 3
    OP_LOG_SOFTMAX_BWD = 4
    OP_LSE_BWD = 5

cdef enum:                 # what a row's statistics say
    ROW_OK = 0             # finite maximum: the formulas apply
    ROW_NAN = 1            # a selected NaN
    ROW_EMPTY = 2          # nothing selected (empty axis, all masked, all b == 0)
    ROW_NEGINF = 3         # every selected entry is -inf
    ROW_POSINF = 4         # a +inf (and no NaN)


cdef struct Opd:           # one operand: first element and strides (elements)
    char* p
    npy_intp sp, sn, sq


cdef struct Blk:           # one block of one row
    double m               # max of the selected v = sg * x (-0 made +0)
    double mn              # min of the selected finite v (float64; _axis_tails.pxi)
    double c               # sum of the weights at the max
    double s               # sum of w exp((v - m)/T) over the other entries
    double r               # output factor exp((m - M)/T) / total (set by _combine)
    double dot             # backward: this block's part of the row's dot product
    npy_intp nband         # entries past the cut (_axis_tails.pxi) as phase C
                           # counted them (softmax from x), -1 if it did not
    npy_intp nsel          # selected entries
    int nan


cdef struct RowSt:         # one row, from its blocks
    double M, C, S, tot, L, dot
    double lp              # log1p of the row's ratio (_log1p_arg) if computed, else NaN
    int state


cdef struct Ctx:
    int op, f32, from_y, ret_sign, needs_stats, needs_dot, writes, keep_e
    int lean_f32           # rows for _row_f32_lean (set by _run)
    npy_intp P, N, Q, K
    double invT, sg
    Opd x, w, mk, g, o, sgn   # p == NULL where absent


cdef inline double _sum8(const double* a) noexcept nogil:
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))


cdef inline double _sign(double v) noexcept nogil:
    if v > 0:
        return 1.0
    if v < 0:
        return -1.0
    return v * 0.0         # 0 stays 0, NaN stays NaN


cdef inline bint _selected(const unsigned char* mk, npy_intp smk, const real* w,
                           npy_intp sw, npy_intp i) noexcept nogil:
    # where= False and b == 0 both take an entry out of the row (SciPy: an
    # entry with weight 0 adds nothing, even if it is inf or NaN)
    if mk != NULL and mk[i * smk] == 0:
        return False
    return w == NULL or w[i * sw] != 0


cdef inline double _exp_arg(const real* tag, double v, double m, double invT) noexcept nogil:
    # exp((v - m)/T) as the loops of _axis_loops.h compute it (float32
    # results: in float at T = 1, else in double with the shorter polynomial)
    if real is float:
        return fa_ax_exp32_vm(v, m, invT)
    else:
        return fa_ax_exp((v - m) * invT)


cdef inline double _e(const real* tag, double v, const Blk* b, double invT) noexcept nogil:
    # exp((v - m_b)/T) exactly as _stats stores it
    if b.m == -INFINITY:
        return 0.0
    if v == b.m:
        return 1.0
    return _exp_arg(tag, v, b.m, invT)


# ---- phase A: the statistics of one block ----------------------------------

cdef void _stats(const real* x, npy_intp sx, const real* w, npy_intp sw,
                 const unsigned char* mk, npy_intp smk, npy_intp n, double sg,
                 double invT, double* e, Blk* b) noexcept nogil:
    # any strides, masks and weights
    cdef double m = -INFINITY, mn = INFINITY, v, wi, ee, c = 0.0
    cdef double acc[8]
    cdef npy_intp i, nsel = 0
    cdef int nan = 0
    # pass 1: the maximum (NaN noted apart: max() would drop it), and the
    # least finite entry
    for i in range(n):
        if _selected(mk, smk, w, sw, i):
            v = sg * x[i * sx]
            nsel += 1
            if v > m:
                m = v
            elif v != v:
                nan = 1
            if v < mn and v != -INFINITY:
                mn = v
    m = m + 0.0                # -0 -> +0: the same bits from every path
    b.m = m
    b.mn = mn
    b.nsel = nsel
    b.nan = nan
    b.c = 0.0
    b.s = 0.0
    b.r = 0.0
    b.dot = 0.0
    b.nband = -1
    if nan or m == -INFINITY:
        if e != NULL:
            for i in range(n):
                e[i] = 0.0
        return
    # pass 2: exp and sum, the block still in cache. The maximum itself
    # goes to c (exp(0) = 1, exactly), the rest to eight partial sums.
    for i in range(8):
        acc[i] = 0.0
    for i in range(n):
        ee = 0.0
        if _selected(mk, smk, w, sw, i):
            v = sg * x[i * sx]
            wi = 1.0 if w == NULL else w[i * sw]
            if v == m:
                ee = 1.0
                c += wi
            else:
                ee = _exp_arg(x, v, m, invT)
                acc[i & 7] += wi * ee
        if e != NULL:
            e[i] = ee
    b.c = c
    b.s = _sum8(acc)


cdef void _stats_fast(const real* x, npy_intp n, double sg, double invT, double* e,
                      Blk* b) noexcept nogil:
    # contiguous, no mask, no weights: the loops of _axis_loops.h, which
    # compute the same numbers as _stats. float32: the maximum on the float
    # bits (exact); at T = 1 the exps in float (fa_ax_expsum_f1), else the
    # block is widened to double first (GCC leaves the float-reading double
    # loops scalar, see _axis_loops.h).
    cdef double m, mn = -INFINITY, z, c, s
    cdef double w[AX_BLOCK]
    if real is float:
        fa_ax_max_f32(x, n, sg, &m, &z)     # mn: float32 has no far tails
    else:
        fa_ax_max_d(x, n, sg, &m, &mn, &z)
    if z != z or n == 0:                       # inf or NaN: the careful pass
        _stats(x, 1, <real*>NULL, 0, NULL, 0, n, sg, invT, e, b)
        return
    m = m + 0.0
    if real is float and invT == 1.0:
        fa_ax_expsum_f1(x, n, sg, m, e, &c, &s)
    elif real is float:
        fa_ax_widen(x, n, w)
        fa_ax_expsum_d32(w, n, sg, m, invT, e, &c, &s)
    else:
        fa_ax_expsum_d(x, n, sg, m, invT, e, &c, &s)
    b.m = m
    b.mn = mn
    b.nsel = n
    b.nan = 0
    b.c = c
    b.s = s
    b.r = 0.0
    b.dot = 0.0
    b.nband = -1


# ---- phase B: a row from its blocks ----------------------------------------

cdef void _combine(Blk* b, npy_intp K, double invT, RowSt* rs) noexcept nogil:
    cdef double M = -INFINITY, C = 0.0, S = 0.0, f
    cdef npy_intp k, nsel = 0
    cdef int nan = 0
    for k in range(K):
        nan |= b[k].nan
        nsel += b[k].nsel
        if b[k].m > M:
            M = b[k].m
    rs.M = M
    rs.dot = 0.0
    rs.lp = NAN
    rs.state = ROW_OK
    if nan:
        rs.state = ROW_NAN
    elif nsel == 0:
        rs.state = ROW_EMPTY
    elif M == -INFINITY:
        rs.state = ROW_NEGINF
    elif M == INFINITY:
        rs.state = ROW_POSINF
        for k in range(K):
            if b[k].m == M:
                C += b[k].c
        rs.C = C
    if rs.state != ROW_OK:
        return
    # total = sum over blocks of (c_b + s_b) exp((m_b - M)/T), in block order,
    # with the weight at the row's maximum kept apart in C
    for k in range(K):
        if b[k].m == M:
            f = 1.0
            C += b[k].c
            S += b[k].s
        elif b[k].m == -INFINITY:
            f = 0.0
        else:
            f = exp((b[k].m - M) * invT)
            S += (b[k].c + b[k].s) * f
        b[k].r = f
    rs.C = C
    rs.S = S
    rs.tot = C + S
    for k in range(K):
        b[k].r = b[k].r / rs.tot
    rs.L = NAN                                  # log_softmax asks _log_total


cdef inline bint _log1p_pos_serves(double y) noexcept nogil:
    # where fa_log1p_pos computes a row's log1p: [0, 2^52)
    return 0.0 <= y < 4503599627370496.0


cdef inline double _log1p_of(double y) noexcept nogil:
    # log1p of a row's ratio: fa_log1p_pos (0.83 ULP, branch-free; libm's
    # log1p, a latency chain per row, took 28% of logsumexp over rows of 16
    # float32), libm elsewhere (weights b < 0, inf, NaN)
    if _log1p_pos_serves(y):
        return _vmath.fa_log1p_pos(y)
    return log1p(y)


cdef inline double _log1p_kept(double y, double lp) noexcept nogil:
    # rs.lp for lp = fa_log1p_pos(y) computed in a vectorised loop: lp where
    # _log1p_of would return it, else NaN (_log1p_row computes it then)
    return lp if _log1p_pos_serves(y) else NAN


cdef inline double _log1p_arg(const Ctx* c, const RowSt* rs) noexcept nogil:
    # the argument of the row's log1p: S/C for log_softmax, _lse_result's r
    # for logsumexp; NaN where they take none
    cdef double s
    if rs.state != ROW_OK or rs.C == 0:
        return NAN
    s = rs.S / rs.C
    if c.op == OP_LSE and s < -1.0:
        return -s - 2.0
    return s


cdef inline double _log1p_row(const RowSt* rs, double y) noexcept nogil:
    # log1p(y), y the row's ratio: precomputed for lanes (_lanes_log1p), the
    # same function's bits
    return rs.lp if rs.lp == rs.lp else _log1p_of(y)


cdef inline double _log_total(const RowSt* rs) noexcept nogil:
    # log(C + S) = log(C) + log1p(S/C): accurate when S << C (C >= 1 without b)
    return log(rs.C) + _log1p_row(rs, rs.S / rs.C)


cdef void _lse_result(const RowSt* rs, int ret_sign, double* lse,
                      double* sgn) noexcept nogil:
    # log|sum w e^x| and its sign, with SciPy's meaning of b and return_sign
    cdef double s, r, out, sg
    if rs.state == ROW_NAN:
        out, sg = NAN, NAN
    elif rs.state == ROW_EMPTY or rs.state == ROW_NEGINF:
        out, sg = -INFINITY, 0.0
    elif rs.state == ROW_POSINF:
        # the weights at +inf decide; +inf - inf (they cancel) is NaN
        sg = _sign(rs.C)
        out = INFINITY if sg == sg and sg != 0 else NAN
        if out != out:
            sg = NAN
    elif rs.C != 0:
        # total = C (1 + s): sign(1 + s) sign(C); |1 + s| = 1 + r with
        # r = s, or -s - 2 when 1 + s < 0
        s = rs.S / rs.C
        sg = _sign(1.0 + s) * _sign(rs.C)
        r = -s - 2.0 if s < -1.0 else s
        out = rs.M + (log(fabs(rs.C)) + _log1p_row(rs, r))
    elif rs.S == 0:
        out, sg = -INFINITY, 0.0
    else:
        out = rs.M + log(fabs(rs.S))
        sg = _sign(rs.S)
    if not ret_sign and sg < 0:
        out = NAN
    lse[0] = out
    sgn[0] = sg


# ---- phase C: one block's part of the backward's dot product ----------------

cdef double _dot(const Ctx* c, const RowSt* rs, const real* g, npy_intp sg_, const real* xy,
                 npy_intp sxy, const unsigned char* mk, npy_intp smk, npy_intp n,
                 const double* e, Blk* b) noexcept nogil:
    # softmax: sum gy * p; log_softmax: sum gy (p: the softmax)
    cdef double acc[8]
    cdef double p, t, lo, hi
    cdef npy_intp i
    cdef int weighted = c.op == OP_SOFTMAX_BWD
    if real is double:
        if weighted and not c.from_y:
            # counted once, for phase E too (rows masked with -1e9 count)
            b.nband = _band_count(c, rs, b, xy, sxy, NULL, 0, mk, smk, n, &lo, &hi)
            if b.nband > 0:
                return _dot_with_tails(c, rs, g, sg_, xy, sxy, mk, smk, n, e, b, lo, hi)
    if mk == NULL and sxy == 1 and (sg_ == 0 or sg_ == 1) and \
            (not weighted or c.from_y or e != NULL):
        # contiguous: the loops of _axis_loops.h, the same numbers
        if real is float:
            return fa_ax_dot_f(g, sg_, xy if c.from_y else NULL, e, b.r, n, weighted)
        else:
            return fa_ax_dot_d(g, sg_, xy if c.from_y else NULL, e, b.r, n, weighted)
    for i in range(8):
        acc[i] = 0.0
    for i in range(n):
        if mk != NULL and mk[i * smk] == 0:
            continue
        t = g[i * sg_]
        if c.op == OP_SOFTMAX_BWD:
            if c.from_y:
                p = xy[i * sxy]
            elif e != NULL:
                p = e[i] * b.r
            else:
                p = _e(xy, c.sg * xy[i * sxy], b, c.invT) * b.r
            t = t * p
        acc[i & 7] += t
    return _sum8(acc)


cdef inline double _exp_of_y(const real* tag, double y) noexcept nogil:
    # log_softmax's backward from y: p = exp(y) to the accuracy of the
    # result's type (float32: the degree-7 polynomial, relative error < 6e-9)
    if real is float:
        return _vmath.fa_exp_f32acc(y)
    else:
        return _vmath.fa_exp(y)


cdef inline bint _bwd_y_in_float(double dot, double invT) noexcept nogil:
    # float32 log_softmax backward from y computed in float: at temperature
    # 1 (sg = +-1 and a product by it are exact), and where the row's sum
    # of gradients, rounded to float, keeps its relative precision and
    # leaves room below FLT_MAX (else in double: p dot may be finite there
    # while float(dot) is inf or 0)
    return invT == 1.0 and (dot == 0.0 or (fabs(dot) >= 7.888609052210118e-31
                                           and fabs(dot) <= 1.2676506002282294e30))


cdef inline float _log_softmax_bwd_y_float(float g, float y, float dot, float sg) noexcept nogil:
    # sg (g - e^y dot) in float: 16 lanes, no conversions. e^y by fa_expf
    # (< 1 ULP) and one FMA: within ~2 eps of max(|g|, e^y |dot|), where y's
    # own rounding already costs |y| eps in e^y; the tests hold the backward
    # to 8 eps of the row's largest entry. e^-inf = 0 gives g.
    return sg * fmaf(-_vmathf.fa_expf(y), dot, g)


cdef void _log_softmax_bwd_y_f(const float* g, npy_intp sg_, const float* y, npy_intp n,
                               double dot, double sg, double invT, float* o) noexcept nogil:
    # float32 log_softmax backward from y: the numbers of _write's general
    # loop (_exp_of_y in double), by chunks of plain loops (widen, exp,
    # write) that GCC vectorises; one loop reading floats and computing in
    # double took as long as the float64 one. Chunks of 512: at 256 the
    # build's peeling parameters unrolled each loop completely.
    cdef double w[512]
    cdef double gw[512]
    cdef npy_intp i0 = 0, i, m
    cdef double gy = g[0] if n > 0 else 0.0
    cdef float dotf = <float>dot, sgf = <float>sg, gyf = <float>gy
    if _bwd_y_in_float(dot, invT):
        # 10^6 float32 from y, 1 thread: 1240 -> 613 us (A/B, medians; the
        # chunked double loops below widened, exped and rounded in double)
        if sg_ == 1:
            for i in range(n):
                o[i] = _log_softmax_bwd_y_float(g[i], y[i], dotf, sgf)
        else:
            for i in range(n):
                o[i] = _log_softmax_bwd_y_float(gyf, y[i], dotf, sgf)
        return
    while i0 < n:
        m = min(<npy_intp>512, n - i0)
        for i in range(m):
            w[i] = y[i0 + i]
        for i in range(m):
            w[i] = _exp_of_y(y, w[i]) * dot
        if sg_ == 1:
            for i in range(m):
                gw[i] = g[i0 + i]
        else:
            for i in range(m):
                gw[i] = gy
        for i in range(m):
            o[i0 + i] = <float>(sg * (gw[i] - w[i]) * invT)
        i0 += m


# ---- phase E: write one block of the output ---------------------------------

cdef void _write(const Ctx* c, const RowSt* rs, const Blk* b, const real* x,
                 npy_intp sx, const real* w, npy_intp sw, const unsigned char* mk,
                 npy_intp smk, const real* g, npy_intp sg_, const double* e,
                 real* o, npy_intp so, npy_intp n) noexcept nogil:
    # the block's loops; in the float64 backward also the entries past the
    # cut (_axis_tails.pxi), stored after the loops. They are collected
    # after the loops too, while the block is in cache (before them, the
    # count took the cache misses the loops hide: +15% for log_softmax
    # from y), except where out= is x or grad_output (the same view: see
    # _layout.run), whose entries the loops overwrite.
    cdef npy_intp k = 0, counted
    cdef npy_intp* idx = NULL
    cdef double* val = NULL
    cdef bint in_place = <const void*>o == <const void*>x or <const void*>o == <const void*>g
    if real is double:
        if in_place:
            k = _tails_collect(c, rs, b, x, sx, w, sw, mk, smk, g, sg_, n, &idx, &val)
    # counted: the entries in the band, where the loop counted them (the
    # contiguous log_softmax from y), else -1
    counted = _write_loops(c, rs, b, x, sx, w, sw, mk, smk, g, sg_, e, o, so, n)
    if real is double:
        if not in_place and counted != 0:
            k = _tails_collect(c, rs, b, x, sx, w, sw, mk, smk, g, sg_, n, &idx, &val)
        if k > 0:
            _tails_store(k, idx, val, o, so)


cdef npy_intp _write_loops(const Ctx* c, const RowSt* rs, const Blk* b, const real* x,
                       npy_intp sx, const real* w, npy_intp sw, const unsigned char* mk,
                       npy_intp smk, const real* g, npy_intp sg_, const double* e,
                       real* o, npy_intp so, npy_intp n) noexcept nogil:
    cdef npy_intp i, k = 0
    cdef int op = c.op
    cdef double v, p, fill, bad, gy, r = b.r, M = rs.M, L = rs.L, invT = c.invT, sg = c.sg
    # entries outside the row: 0 (softmax, every gradient), -inf (log_softmax)
    fill = -INFINITY if op == OP_LOG_SOFTMAX else 0.0
    # rows without a finite maximum: NaN, except where the value is defined:
    # nothing selected; and gradients of all -inf rows, which are 0 (a
    # masked-out row must not poison training with NaN)
    bad = NAN
    if rs.state == ROW_EMPTY:
        bad = fill
    elif rs.state == ROW_NEGINF and op >= OP_SOFTMAX_BWD:
        bad = 0.0
    if rs.state != ROW_OK:
        for i in range(n):
            o[i * so] = <real>(bad if _selected(mk, smk, w, sw, i) else fill)
        return -1
    if (op == OP_SOFTMAX_BWD or op == OP_LOG_SOFTMAX_BWD) and mk == NULL and sx == 1 \
            and so == 1 and (sg_ == 0 or sg_ == 1) and (e != NULL or (
                c.from_y and op == OP_SOFTMAX_BWD)):
        # the backward's common case: the loops of _axis_loops.h
        if op == OP_SOFTMAX_BWD:
            if real is float:
                fa_ax_softmax_bwd_f(g, sg_, x if c.from_y else NULL, e, r, n, rs.dot, sg,
                                    invT, o)
            else:
                fa_ax_softmax_bwd_d(g, sg_, x if c.from_y else NULL, e, r, n, rs.dot, sg,
                                    invT, o)
        elif real is float:
            fa_ax_log_softmax_bwd_f(g, sg_, e, r, n, rs.dot, sg, invT, o)
        else:
            fa_ax_log_softmax_bwd_d(g, sg_, e, r, n, rs.dot, sg, invT, o)
        return -1
    if op == OP_LOG_SOFTMAX_BWD and c.from_y and mk == NULL and sx == 1 and so == 1:
        # log_softmax's backward from y, contiguous: p = exp(y) by the
        # vectorisable _exp_of_y (the general loop below uses the same,
        # so every layout gets the same bits); was libm's exp, scalar, 10x
        # slower than PyTorch
        if real is float:
            _log_softmax_bwd_y_f(g, sg_, x, n, rs.dot, sg, invT, o)
        elif sg_ == 1:
            for i in range(n):
                v = x[i]
                o[i] = <real>(sg * (g[i] - _exp_of_y(x, v) * rs.dot) * invT)
                k += (v > TAIL_FLOOR) & (v < TAIL_CUT)
        else:
            gy = g[0]
            for i in range(n):
                v = x[i]
                o[i] = <real>(sg * (gy - _exp_of_y(x, v) * rs.dot) * invT)
                k += (v > TAIL_FLOOR) & (v < TAIL_CUT)
        # float64: how many y lie past the cut (_axis_tails.pxi), counted
        # here where y is in registers (a separate pass cost 10%)
        return k if real is double else -1
    if op == OP_LSE_BWD and mk == NULL and w == NULL and sx == 1 and so == 1 \
            and (c.ret_sign or not rs.tot < 0):
        # logsumexp's backward, contiguous, no weights: gy e_i r, with e_i
        # stored by phase A or recomputed as _e does (exp_arg(0) is exactly 1,
        # so _e's v == m case needs no branch here)
        gy = g[0]
        if e != NULL:
            for i in range(n):
                o[i] = <real>(gy * (e[i] * r))
        elif b.m == -INFINITY:
            for i in range(n):
                o[i] = <real>(gy * (0.0 * r))
        else:
            for i in range(n):
                o[i] = <real>(gy * (_exp_arg(x, sg * x[i], b.m, invT) * r))
        return -1
    if mk == NULL and w == NULL and sx == 1 and so == 1:
        # the forward's common case: the loops of _axis_loops.h
        if op == OP_LOG_SOFTMAX:
            if real is float:
                fa_ax_log_softmax_f(x, n, sg, M, invT, L, o)
            else:
                fa_ax_log_softmax_d(x, n, sg, M, invT, L, o)
            return -1
        if op == OP_SOFTMAX and b.m != -INFINITY:
            if real is float:
                fa_ax_softmax_f(x, n, sg, b.m, invT, r, e, o)
            else:
                fa_ax_softmax_d(x, n, sg, b.m, invT, r, e, o)
            return -1
    for i in range(n):
        if not _selected(mk, smk, w, sw, i):
            o[i * so] = <real>fill
            continue
        if op == OP_LOG_SOFTMAX:
            o[i * so] = <real>((sg * x[i * sx] - M) * invT - L)
            continue
        # p: the softmax of this entry (forward output, or the backward's weight)
        if op != OP_LSE_BWD and c.from_y:
            p = x[i * sx]
            if op == OP_LOG_SOFTMAX_BWD:
                if real is float:
                    if _bwd_y_in_float(rs.dot, invT):
                        # the contiguous loop's numbers (_log_softmax_bwd_y_f)
                        o[i * so] = _log_softmax_bwd_y_float(
                            g[i * sg_], x[i * sx], <float>rs.dot, <float>sg)
                        continue
                p = _exp_of_y(x, p)
        elif e != NULL:
            p = e[i] * r
        else:
            p = _e(x, sg * x[i * sx], b, invT) * r
        if op == OP_SOFTMAX:
            o[i * so] = <real>p
        elif op == OP_SOFTMAX_BWD:
            o[i * so] = <real>(sg * (p * (g[i * sg_] - rs.dot)) * invT)
        elif op == OP_LOG_SOFTMAX_BWD:
            o[i * so] = <real>(sg * (g[i * sg_] - p * rs.dot) * invT)
        else:                                   # OP_LSE_BWD: gy w e^x / total
            gy = g[0]
            if w != NULL:
                p = p * w[i * sw]
            if not c.ret_sign and rs.tot < 0:
                p = NAN
            o[i * so] = <real>(gy * p)
    return -1

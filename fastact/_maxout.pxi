# maxout and its backward (included into _kernels.pyx after _axis.pxi,
# whose Opd and _opd it uses): rows of `pieces` entries along the split
# axis, viewed as (P, pieces, Q) by fastact._layout.
#
# Each thread takes one contiguous range of the P*Q rows and walks it p by
# p, MX_BLOCK rows (q) at a time: one division per thread, not two per row,
# typed loads (a fused type, not a per-element dtype branch).

ctypedef fused mx_t:
    float
    double


cdef enum:
    MX_BLOCK = 64          # groups scanned together (per-thread stack arrays)


cdef inline void _mx_block(const mx_t* x, npy_intp sq, npy_intp sn, npy_intp N, npy_intp nb,
                           mx_t* m, npy_intp* j) noexcept nogil:
    # The winners of nb groups (group i at x + i sq, pieces sn apart): the
    # first maximum, or the first NaN (as numpy.argmax); m gets its value,
    # j its index. Piece by piece across the groups, with selects, so the
    # loop over groups vectorises (a scan inside each group mispredicts
    # its branches on random data: 20 ns a group). Once m is NaN neither
    # test holds again, so the first NaN stays the winner.
    cdef npy_intp i, k
    cdef mx_t v
    cdef bint take
    for i in range(nb):
        m[i] = x[i * sq]
        j[i] = 0
    for k in range(1, N):
        for i in range(nb):
            v = x[i * sq + k * sn]
            take = (v > m[i]) | ((v != v) & (m[i] == m[i]))
            m[i] = v if take else m[i]
            j[i] = k if take else j[i]


cdef void _mx_range(mx_t* x, mx_t* o, mx_t* g, Opd ox, Opd oo, Opd og,
                    const npy_intp* idx_in, npy_intp* idx_out, npy_intp sip, npy_intp siq,
                    npy_intp N, npy_intp Q, npy_intp r0, npy_intp r1,
                    int backward) noexcept nogil:
    # rows r0 <= r < r1 (r = p Q + q), MX_BLOCK at a time. Forward: o
    # (N-stride 0) gets the winner and idx_out (if any) its index. Backward:
    # grad_output g goes to the winner (idx_in, or found in x), 0 to the
    # other pieces.
    cdef npy_intp p = r0 // Q, q0 = r0 % Q, q1, q, nb, i, k
    cdef mx_t m[MX_BLOCK]
    cdef npy_intp j[MX_BLOCK]
    cdef mx_t* orow
    cdef mx_t zero = 0
    while r0 < r1:
        q1 = min(Q, q0 + (r1 - r0))
        q = q0
        while q < q1:          # MX_BLOCK rows at a time
            nb = min(<npy_intp>MX_BLOCK, q1 - q)
            if idx_in != NULL:
                for i in range(nb):
                    j[i] = idx_in[p * sip + (q + i) * siq]
            else:
                _mx_block(x + p * ox.sp + q * ox.sq, ox.sq, ox.sn, N, nb, m, j)
            if not backward:
                orow = o + p * oo.sp + q * oo.sq
                for i in range(nb):
                    orow[i * oo.sq] = m[i]
                if idx_out != NULL:
                    for i in range(nb):
                        idx_out[p * sip + (q + i) * siq] = j[i]
            else:
                # zeros, then the winners: no branch on the winner's place
                # (random on real data: 6 ms at 10^6 float32 with one)
                orow = o + p * oo.sp + q * oo.sq
                for i in range(nb):
                    for k in range(N):
                        orow[i * oo.sq + k * oo.sn] = zero
                for i in range(nb):
                    orow[i * oo.sq + j[i] * oo.sn] = g[p * og.sp + (q + i) * og.sq]
            q += nb
        r0 += q1 - q0
        q0 = 0
        p += 1


def maxout_rows(tuple dims, dict arrays, bint backward=False):
    """maxout (backward=False) or its backward over (P, pieces, Q) rows.

    arrays: 'x' (forward input; absent in a backward given the indices),
    'o' (forward: reduced, N-stride 0; backward: like x), 'g' (backward:
    grad_output, N-stride 0), 'idx' (intp, reduced: written by the forward
    when present, read by the backward when present), as in axis_reduce.
    """
    cdef Opd x, o, g, idx
    cdef npy_intp P, N, Q, R, chunk, t
    cdef int nt
    cdef bint f32
    cdef const npy_intp* idx_in
    cdef npy_intp* idx_out
    P, N, Q = dims
    x = _opd(arrays.get("x", _ABSENT))
    o = _opd(arrays["o"])
    g = _opd(arrays.get("g", _ABSENT))
    idx = _opd(arrays.get("idx", _ABSENT))
    f32 = arrays["o"][0].dtype.itemsize == 4
    R = P * Q
    if R == 0 or N == 0:
        return
    idx_in = <npy_intp*>idx.p if backward else NULL
    idx_out = NULL if backward else <npy_intp*>idx.p
    nt = _team_size(R * N, 2)
    chunk = (R + nt - 1) // nt
    with nogil:
        if nt == 1:
            # no OpenMP region: entering one cost 0.35 us and a futex call
            _mx_rows(f32, &x, &o, &g, idx_in, idx_out, &idx, N, Q, 0, R, backward)
        else:
            for t in prange(nt, num_threads=nt, schedule='static'):
                _mx_rows(f32, &x, &o, &g, idx_in, idx_out, &idx, N, Q, t * chunk,
                         min(R, (t + 1) * chunk), backward)


cdef void _mx_rows(bint f32, const Opd* x, const Opd* o, const Opd* g, const npy_intp* idx_in,
                   npy_intp* idx_out, const Opd* idx, npy_intp N, npy_intp Q, npy_intp r0,
                   npy_intp r1, bint backward) noexcept nogil:
    # rows r0 .. r1 - 1 in x's dtype
    if f32:
        _mx_range(<float*>x.p, <float*>o.p, <float*>g.p, x[0], o[0], g[0], idx_in, idx_out,
                  idx.sp, idx.sq, N, Q, r0, r1, backward)
    else:
        _mx_range(<double*>x.p, <double*>o.p, <double*>g.p, x[0], o[0], g[0], idx_in,
                  idx_out, idx.sp, idx.sq, N, Q, r0, r1, backward)

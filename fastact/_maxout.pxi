# maxout and its backward (included into _kernels.pyx after _axis.pxi,
# whose Ctx, Opd, _opd and _row_off it uses): rows of `pieces` entries along
# the split axis, viewed as (P, pieces, Q) by fastact._layout.

cdef inline double _load(const Ctx* c, npy_intp i) noexcept nogil:
    return (<float*>c.x.p)[i] if c.f32 else (<double*>c.x.p)[i]


cdef void _maxout_rows(const Ctx* c, const npy_intp* idx_in, npy_intp si_p,
                       npy_intp si_q, npy_intp* idx_out, int backward) noexcept nogil:
    # Groups of c.N pieces: the winner is the first maximum, or the first NaN
    # (as numpy.argmax). Forward writes it (and its index); backward routes
    # grad_output to it and writes 0 to the other pieces.
    cdef npy_intp R = c.P * c.Q, r, k, j, ox, oo, og, oi
    cdef int nt = _team_size(R * c.N, 2)
    cdef double m, v
    for r in prange(R, num_threads=nt, use_threads_if=nt > 1, schedule='static'):
        oi = (r // c.Q) * si_p + (r % c.Q) * si_q
        ox = _row_off(&c.x, r, c.Q)
        j = 0
        if idx_in != NULL:
            j = idx_in[oi]
        else:
            m = _load(c, ox)
            if m == m:
                for k in range(1, c.N):
                    v = _load(c, ox + k * c.x.sn)
                    if v > m:
                        m = v
                        j = k
                    elif v != v:
                        j = k
                        break
        oo = _row_off(&c.o, r, c.Q)
        if not backward:
            if c.f32:
                (<float*>c.o.p)[oo] = (<float*>c.x.p)[ox + j * c.x.sn]
            else:
                (<double*>c.o.p)[oo] = (<double*>c.x.p)[ox + j * c.x.sn]
            if idx_out != NULL:
                idx_out[oi] = j
        else:
            og = _row_off(&c.g, r, c.Q)
            for k in range(c.N):
                if c.f32:
                    (<float*>c.o.p)[oo + k * c.o.sn] = (<float*>c.g.p)[og] if k == j else 0.0
                else:
                    (<double*>c.o.p)[oo + k * c.o.sn] = (<double*>c.g.p)[og] if k == j else 0.0


def maxout_rows(tuple dims, dict arrays, bint backward=False):
    """maxout (backward=False) or its backward over (P, pieces, Q) rows.

    arrays: 'x' (forward input; absent in a backward given the indices),
    'o' (forward: reduced, N-stride 0; backward: like x), 'g' (backward:
    grad_output, N-stride 0), 'idx' (intp, reduced: written by the forward
    when present, read by the backward when present), as in axis_reduce.
    """
    cdef Ctx c
    cdef Opd idx
    c.P, c.N, c.Q = dims
    c.x = _opd(arrays.get("x", _ABSENT))
    c.o = _opd(arrays["o"])
    c.g = _opd(arrays.get("g", _ABSENT))
    idx = _opd(arrays.get("idx", _ABSENT))
    c.f32 = arrays["o"][0].dtype.itemsize == 4
    if c.P * c.Q == 0 or c.N == 0:
        return
    with nogil:
        if backward:
            _maxout_rows(&c, <npy_intp*>idx.p, idx.sp, idx.sq, NULL, 1)
        else:
            _maxout_rows(&c, NULL, idx.sp, idx.sq, <npy_intp*>idx.p, 0)

# The axis functions' common call, recognised in C (included by _axis.pxi).
#
# softmax of 1000 float32 took 3.0 us, of which the kernel 1.0 and the
# checks and the (1, N, Q) view in Python (_axis.py) 1.6; PyTorch's whole
# call took 1.6. The common call is:
# - x, and grad_output for a backward, C-contiguous aligned native
#   float32/float64 arrays of one dtype, reduced along x's last axis (of two
#   or more entries); grad_output has x's shape, or for logsumexp's
#   backward the forward result's;
# - a float temperature, no where=;
# - out None, or a plain writeable array of the result's shape and dtype
#   that overlaps no input except as that input itself (each entry is read
#   before it is written).
# For those, _layout.run would give the kernel (1, N, Q) with strides
# (0, 1, N), N when Q > 1, and none of the general path's checks can fail.
# Any other call returns None, and _axis.py takes its general path (and its
# errors).

from cpython.float cimport PyFloat_CheckExact, PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_CheckExact


cdef int _plain_type(object a) noexcept:
    # a's NumPy type number if a is a C-contiguous aligned native
    # float32/float64 ndarray (not a subclass), else -1
    if type(a) is not cnp.ndarray:
        return -1
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if not (cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr)
            and cnp.PyArray_ISNOTSWAPPED(arr)):
        return -1
    cdef int t = cnp.PyArray_TYPE(arr)
    return t if t == cnp.NPY_FLOAT or t == cnp.NPY_DOUBLE else -1


cdef bint _same_shape(cnp.ndarray a, int nd, const npy_intp* dims) noexcept:
    if cnp.PyArray_NDIM(a) != nd:
        return False
    cdef int k
    for k in range(nd):
        if cnp.PyArray_DIMS(a)[k] != dims[k]:
            return False
    return True


cdef bint _bytes_meet(cnp.ndarray a, cnp.ndarray b) noexcept:
    # the byte ranges of two contiguous arrays meet (np.may_share_memory)
    cdef char* pa = <char*>cnp.PyArray_DATA(a)
    cdef char* pb = <char*>cnp.PyArray_DATA(b)
    cdef npy_intp na = cnp.PyArray_NBYTES(a), nb = cnp.PyArray_NBYTES(b)
    return na > 0 and nb > 0 and pa < pb + nb and pb < pa + na


cdef bint _free_out(object out, int t, int nd, const npy_intp* dims, object x,
                    object g) noexcept:
    # out is a plain writeable array of type t and this shape that overlaps
    # x and g only as x or g itself
    if _plain_type(out) != t:
        return False
    cdef cnp.ndarray o = <cnp.ndarray>out
    if not (cnp.PyArray_ISWRITEABLE(o) and _same_shape(o, nd, dims)):
        return False
    if out is not x and _bytes_meet(o, <cnp.ndarray>x):
        return False
    return g is None or out is g or not _bytes_meet(o, <cnp.ndarray>g)


def last_axis_rows(int op, double sg, x, g, out, axis, temperature, where,
                   bint from_y=False, keepdims=None):
    """The result of the common call (above), or None.

    op, sg, from_y as for axis_reduce; g is grad_output for the backward
    (None for the forward); keepdims, for logsumexp and its backward only,
    a bool.
    """
    cdef int t = _plain_type(x)
    # a backward without grad_output (None) is the general path's error
    cdef bint backward = op == OP_SOFTMAX_BWD or op == OP_LOG_SOFTMAX_BWD or op == OP_LSE_BWD
    if t < 0 or (g is None) == backward or where is not None or not PyLong_CheckExact(axis) \
            or not PyFloat_CheckExact(temperature):
        return None
    cdef double T = PyFloat_AS_DOUBLE(temperature)
    cdef cnp.ndarray xa = <cnp.ndarray>x
    cdef int nd = cnp.PyArray_NDIM(xa)
    if not (0.0 < T < INFINITY) or nd == 0 or not (axis == -1 or axis == nd - 1):
        return None
    cdef npy_intp* dims = cnp.PyArray_DIMS(xa)
    cdef npy_intp N = dims[nd - 1]
    if N < 2:
        return None
    # logsumexp's result, and its backward's grad_output, have x's shape
    # without the last axis (with 1 there under keepdims)
    cdef bint lse = op == OP_LSE or op == OP_LSE_BWD
    cdef npy_intp rdims[cnp.NPY_MAXDIMS]
    cdef int rnd = nd, k
    if lse:
        if type(keepdims) is not bool:
            return None
        rnd = nd if keepdims else nd - 1
        for k in range(nd - 1):
            rdims[k] = dims[k]
        rdims[nd - 1] = 1
    if backward:
        if _plain_type(g) != t:
            return None
        if not (_same_shape(<cnp.ndarray>g, rnd, &rdims[0]) if op == OP_LSE_BWD
                else _same_shape(<cnp.ndarray>g, nd, dims)):
            return None
    cdef bint reduces = op == OP_LSE
    cdef int ond = nd
    cdef npy_intp* odims = dims
    if reduces:
        ond, odims = rnd, &rdims[0]
    if out is not None and not _free_out(out, t, ond, odims, x, g):
        return None
    cdef cnp.ndarray o = out if out is not None else cnp.PyArray_EMPTY(ond, odims, t, 0)
    cdef npy_intp Q = cnp.PyArray_SIZE(xa) // N
    cdef Ctx c
    _ctx_init(&c, op, t == cnp.NPY_FLOAT, 1, N, Q, T, sg, from_y, False)
    # the strides _layout.run gives (1, N, Q): 0 where a dimension holds one
    # entry
    c.x.p = <char*>cnp.PyArray_DATA(xa)
    c.x.sp, c.x.sn, c.x.sq = 0, 1, (N if Q > 1 else 0)
    c.o = c.x
    c.o.p = <char*>cnp.PyArray_DATA(o)
    if reduces:
        c.o.sn, c.o.sq = 0, (1 if Q > 1 else 0)
    c.w.p = NULL                              # absent operands, as _opd makes them
    c.w.sp = c.w.sn = c.w.sq = 0
    c.mk = c.sgn = c.w
    if not backward:
        c.g = c.w
    else:
        c.g = c.x
        c.g.p = <char*>cnp.PyArray_DATA(<cnp.ndarray>g)
        if op == OP_LSE_BWD:                  # one entry per row
            c.g.sn, c.g.sq = 0, (1 if Q > 1 else 0)
    if Q > 0:
        _run(&c)
    return o[()] if out is None and ond == 0 else o   # a NumPy scalar, as NumPy's sums

"""Strided views for the axis-wise kernels.

A kernel sees every operand as a 3-D strided array (P, N, Q): a row is one
(p, q) pair, its N elements are the ones the function reduces over. Reduced
operands (logsumexp's result, its grad_output) are viewed with stride 0
along N. ``run`` finds such a view of all operands at once without copying
when the strides allow it, and otherwise copies (to a layout where they do)
and writes the results back.

The elements of a row are always taken in logical (C) order over the
reduced axes, whatever the memory layout: that order decides the order of
summation, so results do not depend on the layout.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def _merge(dims, arrays):
    """Merge consecutive dims (outer to inner) where every array's strides
    allow it: [(size, [stride per array])]."""
    groups = []
    for d in dims:
        size = arrays[0].shape[d]
        strides = [a.strides[d] for a in arrays]
        if groups:
            gsize, gstrides = groups[-1]
            if all(gs == s * size for gs, s in zip(gstrides, strides)):
                groups[-1] = (gsize * size, strides)
                continue
        groups.append((size, strides))
    return groups


def layout(red, arrays):
    """(P, N, Q) and each array's element strides, or None if this layout
    cannot be expressed (the caller then copies).

    red: the reduced axes (sorted); arrays: all of one shape.
    """
    shape = arrays[0].shape
    red_dims = [d for d in red if shape[d] != 1]
    kept = [d for d in range(len(shape)) if d not in red and shape[d] != 1]
    reduced = _merge(red_dims, arrays)            # logical order only
    if len(reduced) > 1:
        return None
    # kept dims: any order; the smallest strides of x innermost
    kept.sort(key=lambda d: -abs(arrays[0].strides[d]))
    rows = _merge(kept, arrays)
    if len(rows) > 2:
        return None
    one = (1, [0] * len(arrays))
    (P, sp), (Q, sq) = ([one] * (2 - len(rows)) + rows)[-2:] if rows else (one, one)
    N, sn = reduced[0] if reduced else one
    strides = []
    for k, a in enumerate(arrays):
        item = a.dtype.itemsize
        if any(s[k] % item for s in (sp, sn, sq)):
            return None
        strides.append((sp[k] // item, sn[k] // item, sq[k] // item))
    return (P, N, Q), strides


def expand(arr, shape, red):
    """A reduced (keepdims-shaped) array viewed with the full shape: stride 0
    along the reduced axes (writeable when ``arr`` is)."""
    strides = [0 if d in red else arr.strides[d] for d in range(len(shape))]
    return as_strided(arr, shape, strides, writeable=arr.flags.writeable)


def _usable(a):
    """The kernels need aligned data and strides in whole elements."""
    flags = a.flags
    return flags.aligned and (flags.c_contiguous or
                              all(s % a.dtype.itemsize == 0 for s in a.strides))


def _same_view(a, b):
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.strides == b.strides and a.dtype == b.dtype)


def run(kernel, shape, red, ins, outs):
    """Call ``kernel(dims, arrays)`` on views of the operands.

    ins: {name: (array, reduced)}: inputs, already in the compute dtype,
      full-shaped or (reduced=True) keepdims-shaped; broadcast views allowed.
    outs: {name: (array, reduced)}: outputs in the compute dtype, full- or
      keepdims-shaped; written in place (through a temporary when they
      overlap an input other than as the same view, or need a copy).
    """
    red = tuple(red)
    full_in = {}
    for name, (a, reduced) in ins.items():
        if reduced:
            a = expand(np.broadcast_to(
                a, tuple(1 if d in red else n for d, n in enumerate(shape))), shape, red)
        elif a.shape != shape:
            a = np.broadcast_to(a, shape)
        if not _usable(a):
            # a new array: np.ascontiguousarray would return an unaligned
            # C-contiguous array as it is, and the kernels' loads of it are
            # undefined behaviour (UBSan: misaligned load; aligned vector
            # loads may fault)
            a = np.array(a, order="C", copy=True)
        full_in[name] = a
    direct, back = {}, []
    for name, (a, reduced) in outs.items():
        target = a
        if not _usable(a) or any(np.may_share_memory(a, b) and (reduced or not _same_view(a, b))
                                 for b in full_in.values()):
            target = np.empty(a.shape, a.dtype)
            back.append((a, target))
        direct[name] = (expand(target, shape, red) if reduced else target, reduced)
    names = list(full_in) + list(direct)
    arrays = list(full_in.values()) + [v for v, _ in direct.values()]
    found = layout(red, arrays)
    if found is None:
        _run_copied(kernel, shape, red, full_in, direct, back)
    else:
        dims, strides = found
        kernel(dims, {n: (a, s) for n, a, s in zip(names, arrays, strides)})
    for user, tmp in back:
        user[...] = tmp


def _run_copied(kernel, shape, red, full_in, direct, back):
    """The operands' strides do not merge: copy them to kept axes first,
    reduced axes last (in order), C-contiguous, and write the results back."""
    kept = [d for d in range(len(shape)) if d not in red]
    perm = kept + list(red)
    pshape = tuple(shape[d] for d in perm)
    pred = tuple(range(len(kept), len(shape)))
    ins = {n: (np.ascontiguousarray(a.transpose(perm)), False) for n, a in full_in.items()}
    outs, writebacks = {}, []
    for name, (a, reduced) in direct.items():
        if reduced:
            keep = np.empty(pshape[:len(kept)] + (1,) * len(red), a.dtype)
            writebacks.append((a[tuple(slice(0, 1) if d in red else slice(None)
                                       for d in range(len(shape)))], keep))
        else:
            keep = np.empty(pshape, a.dtype)
            writebacks.append((a.transpose(perm), keep))
        outs[name] = (keep, reduced)
    run(kernel, pshape, pred, ins, outs)
    for view, tmp in writebacks:
        view[...] = tmp.reshape(view.shape)

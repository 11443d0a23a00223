"""Axis-wise functions and gated units on Dask arrays.

A row (the entries along ``axis``) must lie in one chunk; the outer axes may
be chunked freely. Each chunk is then a set of whole rows, so the NumPy
function runs chunk by chunk (``map_blocks``) and the result is a lazy Dask
array, chunked as the input along the outer axes. Element-wise functions
need none of this: Dask takes them through ``__array_ufunc__`` (``_api``).

Dask is never imported by fastact itself: an input can only be a Dask array
if the program has imported ``dask.array`` already.
"""

import sys

import numpy as np


def is_dask(x):
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(x, da.Array)


def _aligned(x, other):
    """``other`` (broadcastable to x) as a Dask array with x's shape and
    chunks, so that block i of each holds the same rows."""
    import dask.array as da
    return da.broadcast_to(da.asarray(other), x.shape).rechunk(x.chunks)


def call(fn, x, axis, *args, **keywords):
    """``fn(x, *args, axis=axis, **keywords)`` on a Dask array, chunk by chunk.

    ``where`` and ``b`` arrays are chunked like ``x``; ``out``,
    ``return_sign`` and ``return_indices`` are refused (a Dask result is a
    new lazy array, and one result per call keeps ``map_blocks`` simple).
    """
    from ._axis import axes
    fname = fn.__name__
    if keywords.pop("out", None) is not None:
        raise TypeError(f"fastact.{fname}: out= is not supported for a Dask array")
    for flag in ("return_sign", "return_indices"):
        if keywords.get(flag):
            raise TypeError(f"fastact.{fname}: {flag}=True is not supported for a "
                            "Dask array; call it through x.map_blocks")
    red = axes(axis, x.ndim, fname)[:x.ndim]
    for a in red:
        if len(x.chunks[a]) > 1:
            raise ValueError(
                f"fastact.{fname}: on a Dask array each row must lie in one chunk, "
                f"but axis {a} is split into {len(x.chunks[a])} chunks; rechunk "
                f"first: x.rechunk({{{a}: -1}})")
    # arrays go block by block; a Python number stays a (weak) scalar
    names = [k for k in ("where", "b") if keywords.get(k) is not None
             and not isinstance(keywords[k], (bool, int, float))]
    extra = [_aligned(x, keywords.pop(k)) for k in names]

    def block(xb, *eb):
        return fn(xb, *args, axis=axis, **keywords, **dict(zip(names, eb)))

    # One call on NumPy stand-ins checks the arguments now (not at compute
    # time) and gives the result's dtype and row shape: whole rows, no outer
    # entries (nothing is computed) unless every axis is a row axis.
    outer = [i for i in range(x.ndim) if i not in red]
    shape = tuple(0 if i == (outer[0] if outer else -1) else n
                  for i, n in enumerate(x.shape))
    meta = np.asarray(block(*[np.broadcast_to(np.ones((), a.dtype), shape)
                              for a in [x] + extra]))
    if meta.ndim == x.ndim:
        chunks = tuple((meta.shape[i],) if i in red else c
                       for i, c in enumerate(x.chunks))
        return x.map_blocks(block, *extra, dtype=meta.dtype, chunks=chunks)
    return x.map_blocks(block, *extra, dtype=meta.dtype, drop_axis=list(red))

"""How the registry-driven tests call a record of ``fastact.ACTIVATIONS``.

The behaviour matrix, the properties, the fuzzer and the concurrency and
memory tests sweep every record, forward and backward, through ``CALLS``.
Each record's ``kind`` picks an adapter (``ADAPTERS``) that knows:

- how to call the forward and the backward (``forward(x, out=None, **kw)``,
  ``backward(grad_output, x, out=None, **kw)``, the required parameters
  filled in from ``REQUIRED``);
- which input shapes it takes for given parameters (``valid_shape``), the
  nearest shape it takes (``fit``: gated units need an even split axis,
  maxout a multiple of ``pieces``) and what a refused shape raises
  (``refusal``);
- the shape of the result (``result_shape``) and whether it keeps the
  reduced axis (``keeps_axis``: logsumexp does not);
- which ``axis`` values are valid for an ``ndim`` and which are refused
  with what exception (``valid_axes``, ``bad_axes``);
- a reference computed independently of fastact (``reference`` and
  ``reference_backward``: mpmath, or NumPy in ``np.longdouble`` row by row,
  with the special-case tables of API.md and the docstrings written out),
  returning the expected float64 values and the error allowed at each.

``tests/test_matrix.py::test_every_kind_has_an_adapter`` fails when a kind
of the registry has no adapter.
"""

import inspect
import operator
from typing import Callable, NamedTuple

import mpmath as mp
import numpy as np

import fastact as fa

try:
    from numpy.exceptions import AxisError
except ImportError:  # numpy < 1.25
    from numpy import AxisError

# Values for the parameters that have no default (prelu's weight,
# threshold's threshold and value, maxout's pieces: 3, so maxout's valid
# shapes differ from the gated units' even ones).
REQUIRED = {"weight": 0.25, "threshold": 0.5, "value": -2.0, "pieces": 3}

EPS = float(np.finfo(np.float64).eps)
LD = np.longdouble
INF = float("inf")
NAN = float("nan")


def required_params(record):
    """The keyword arguments a call needs besides the data."""
    missing = [p for p, d in record.params.items() if d is inspect.Parameter.empty]
    unknown = [p for p in missing if p not in REQUIRED]
    assert not unknown, f"{record.name}: give {unknown} a value in tests/adapters.py REQUIRED"
    return {p: REQUIRED[p] for p in missing}


def one_axis(axis, ndim):
    """``axis`` as a non-negative int for an ``ndim``-d input (0-d counts as
    1-d), or None when it is not a valid single axis."""
    ndim = max(ndim, 1)
    try:
        a = operator.index(axis)
    except TypeError:
        return None
    return a % ndim if -ndim <= a < ndim else None


def normal_axes(axis, ndim):
    """``axis`` (int, tuple or None) as a sorted tuple of non-negative axes,
    or None when it is not valid (out of range, repeated, not ints)."""
    ndim = max(ndim, 1)
    if axis is None:
        return tuple(range(ndim))
    seq = axis if isinstance(axis, (tuple, list)) else (axis,)
    found = [one_axis(a, ndim) for a in seq]
    if None in found or len(set(found)) != len(found):
        return None
    return tuple(sorted(found))


def _mp(v):
    return mp.mpf(float(v))


def _float(v):
    return float(v) if not mp.isnan(v) else NAN


# ---- element-wise -----------------------------------------------------------------

class Elementwise:
    """``forward(x, **params)`` and ``backward(grad_output, x, **params)``:
    any shape, the result has the input's shape."""

    pointwise = True       # each result element depends on its own input only
    keeps_axis = True
    # The mpmath references of tests/references.py take finite x only (their
    # limits at +-inf are tested in test_behaviour.py).
    reference_specials = False

    def __init__(self, record):
        self.record = record
        self.params = required_params(record)

    def valid_shape(self, shape, **kw):
        return True

    def fit(self, shape, **kw):
        return tuple(shape)

    def refusal(self, shape, **kw):
        return None

    def result_shape(self, shape, **kw):
        return tuple(shape)

    def valid_axes(self, ndim):
        return []

    def bad_axes(self, ndim):
        return []

    def forward(self, x, out=None, **kw):
        return self.record.forward(x, **self.params, **kw, out=out)

    def backward(self, grad_output, x, out=None, **kw):
        result = self.record.backward(grad_output, x, **self.params, **kw, out=out)
        # prelu_backward also returns the weight's gradient
        return result[0] if isinstance(result, tuple) else result

    # the mpmath entry of tests/references.py for the default parameters
    def _entry(self):
        from references import REFERENCES
        kwargs, f, df, zeros = REFERENCES[self.record.name]
        assert kwargs == self.params, (self.record.name, kwargs, self.params)
        return f, df

    def reference(self, x, **kw):
        """f(x) in mpmath; allowed: the 4 ULP of API.md section 7 (plus an
        absolute ulp(1/64) near zeros of f, as test_accuracy)."""
        assert not kw, kw
        f, _ = self._entry()
        x = np.asarray(x, np.float64)
        with mp.workdps(40):
            want = np.array([_float(f(_mp(v))) for v in x.ravel()]).reshape(x.shape)
        return want, 4 * EPS * (np.abs(want) + 1 / 64)

    def reference_backward(self, grad_output, x, **kw):
        assert not kw, kw
        _, df = self._entry()
        g, x = np.broadcast_arrays(np.asarray(grad_output, np.float64),
                                   np.asarray(x, np.float64))
        with mp.workdps(40):
            want = np.array([_float(_mp(gv) * df(_mp(v)))
                             for gv, v in zip(g.ravel(), x.ravel())]).reshape(x.shape)
        return want, 5 * EPS * (np.abs(want) + np.abs(g) / 64)


# ---- shared by the kinds with an axis ------------------------------------------

class _AlongAxis(Elementwise):
    """Functions of rows along ``axis``: shapes and axes."""

    pointwise = False
    reference_specials = True
    single_axis = True     # axis must be one int (gated units, maxout)

    def _axes(self, shape, kw):
        axis = kw.get("axis", self.record.params.get("axis", -1))
        if self.single_axis:
            a = one_axis(axis, len(shape))
            return None if a is None else (a,)
        return normal_axes(axis, len(shape))

    def valid_axes(self, ndim):
        n = max(ndim, 1)
        axes = list(range(-n, n))
        if not self.single_axis:
            axes += [None, ()] + [(0, n - 1)] * (n > 1) + [tuple(range(n))]
        return axes

    def bad_axes(self, ndim):
        """(axis, exception) pairs refused for an ``ndim``-d input."""
        n = max(ndim, 1)
        bad = [(n, AxisError), (-n - 1, AxisError), (1.0, TypeError), ("0", TypeError)]
        if self.single_axis:
            bad += [(None, TypeError), ((0,), TypeError)]
        else:
            bad += [((0, 0), ValueError), ((0, n), AxisError)]
        return bad


def _split(x, ax):
    return np.split(x, 2, axis=ax)


# ---- gated units ---------------------------------------------------------------------------

# The gates with their limits. Past |v| = 800 (sigmoid) or 40 (gelu) the
# exact values are 1 (or v) up to far less than an ulp, or below half the
# smallest subnormal: the limits are their double values (and mpmath's erfc
# overflows for |v| near 1e308).

def _far(v, limit, above, below):
    """above/below past +-limit (also at +-inf), else None."""
    if v > limit:
        return mp.mpf(above(v))
    if v < -limit:
        return mp.mpf(below(v))
    return None


def _sig(v):
    far = _far(v, 800, lambda v: 1, lambda v: 0)
    return 1 / (1 + mp.exp(-v)) if far is None else far


def _dsig(v):
    far = _far(v, 800, lambda v: 0, lambda v: 0)
    return _sig(v) * (1 - _sig(v)) if far is None else far


def _silu(v):
    far = _far(v, 800, lambda v: v, lambda v: 0)
    return v * _sig(v) if far is None else far


def _dsilu(v):
    far = _far(v, 800, lambda v: 1, lambda v: 0)
    return _sig(v) * (1 + v * (1 - _sig(v))) if far is None else far


def _gelu(v):
    far = _far(v, 40, lambda v: v, lambda v: 0)
    return v * mp.erfc(-v / mp.sqrt(2)) / 2 if far is None else far


def _dgelu(v):
    far = _far(v, 40, lambda v: 1, lambda v: 0)
    return mp.erfc(-v / mp.sqrt(2)) / 2 + v * mp.npdf(v) if far is None else far


def _relu(v):
    return v if mp.isnan(v) else max(v, mp.mpf(0))


def _drelu(v):
    return v if mp.isnan(v) else mp.mpf(1 if v > 0 else 0)     # 0 at 0, as PyTorch


TINY = float(np.finfo(np.float64).tiny)
HALF_SUBNORMAL = 2.0 ** -1075      # exact values below round to 0 for sure


class Factor:
    """A factor of a gated unit computed in double, as the kernels do: the
    exact value (mpmath, with the limits at +-inf) rounded to float64.
    ``doubtful`` when the exact value is subnormal (or near it), where that
    rounding is not promised (gelu(5e-324) may be 0 or 5e-324, and times
    an infinite b that is NaN or inf)."""

    def __init__(self, exact):
        self.value = mp.mpf(_float(exact)) if mp.isfinite(exact) else exact
        self.doubtful = bool(mp.isfinite(exact) and HALF_SUBNORMAL / 2 < abs(exact) < TINY)


def product(*factors):
    """The exact product of doubles and Factors (IEEE: 0 * inf is NaN),
    and whether a factor is doubtful."""
    value = mp.mpf(1)
    doubtful = False
    for f in factors:
        if isinstance(f, Factor):
            doubtful |= f.doubtful
            f = f.value
        value = value * f
    return value, doubtful


# unit(a, b) and (d/da, d/db): a gate factor of a or b computed in double
# (sigmoid(b), silu(a), gelu(a), relu(a) and their derivatives) times the
# other half, exactly; NaN in either half gives NaN.
GATED_UNITS = {
    "glu": (lambda a, b: product(a, Factor(_sig(b))),
            lambda a, b: ((Factor(_sig(b)),), (a, Factor(_dsig(b))))),
    "swiglu": (lambda a, b: product(Factor(_silu(a)), b),
               lambda a, b: ((b, Factor(_dsilu(a))), (Factor(_silu(a)),))),
    "geglu": (lambda a, b: product(Factor(_gelu(a)), b),
              lambda a, b: ((b, Factor(_dgelu(a))), (Factor(_gelu(a)),))),
    "reglu": (lambda a, b: product(Factor(_relu(a)), b),
              lambda a, b: ((b, Factor(_drelu(a))), (Factor(_relu(a)),))),
}


class Gated(_AlongAxis):
    """``x`` split in halves ``a, b`` along ``axis`` (its length must be
    even); the result has half the length there, the backward x's shape.

    The reference models the documented computation (the gate in double,
    then products) in mpmath; where a gate factor is subnormal its allowed
    error is inf (not compared: the accuracy promise is for normal values).
    grad_output should be moderate (the matrix's are): the kernels form
    grad_output * b (glu: grad_output * a) first, which overflows for
    |grad_output * b| > 1.8e308 even where the exact gradient does not."""


    def multiple(self, kw):
        return 2

    def valid_shape(self, shape, **kw):
        axes = self._axes(shape, kw)
        return len(shape) > 0 and axes is not None \
            and shape[axes[0]] % self.multiple(kw) == 0

    def fit(self, shape, **kw):
        if self.valid_shape(shape, **kw):
            return tuple(shape)
        shape = tuple(shape) or (1,)
        axes = self._axes(shape, kw)
        if axes is None:
            return shape
        m, ax = self.multiple(kw), axes[0]
        if m is None:
            return shape
        return shape[:ax] + (-(-shape[ax] // m) * m,) + shape[ax + 1:]

    def refusal(self, shape, **kw):
        if self._axes(shape, kw) is None:
            return AxisError, "out of bounds"
        if not shape:
            return ValueError, "0-d"
        return ValueError, "must be even"

    def result_shape(self, shape, **kw):
        ax = self._axes(shape, kw)[0]
        return shape[:ax] + (shape[ax] // self.multiple(kw),) + shape[ax + 1:]

    def _units(self, kw):
        name = self.record.name
        if name == "geglu" and kw.get("approximate", "none") != "none":
            raise NotImplementedError("the reference is for approximate='none'")
        return GATED_UNITS[name]

    def reference(self, x, **kw):
        """unit(a, b); allowed: 8 eps relative (the gate's ~2 ulp and the
        product's rounding)."""
        unit, _ = self._units(kw)
        a, b = _split(np.asarray(x, np.float64), self._axes(np.shape(x), kw)[0])
        want, tol = np.empty(a.shape), np.empty(a.shape)
        with mp.workdps(40):
            for i in np.ndindex(a.shape):
                value, doubtful = unit(_mp(a[i]), _mp(b[i]))
                want[i] = _float(value)
                tol[i] = INF if doubtful else 8 * EPS * abs(want[i])
        return want, tol

    def reference_backward(self, grad_output, x, **kw):
        """(g d/da, g d/db) side by side as x; allowed: 8 eps relative plus,
        near a zero of the gate's derivative, 8 ulp(1/64) of |g| times the
        other factor (the bound of test_accuracy)."""
        _, partial = self._units(kw)
        x = np.asarray(x, np.float64)
        ax = self._axes(x.shape, kw)[0]
        a, b = _split(x, ax)
        g = np.broadcast_to(np.asarray(grad_output, np.float64), a.shape)
        want = [np.empty(a.shape), np.empty(a.shape)]
        tol = [np.empty(a.shape), np.empty(a.shape)]
        with mp.workdps(40):
            for i in np.ndindex(a.shape):
                for k, factors in enumerate(partial(_mp(a[i]), _mp(b[i]))):
                    value, doubtful = product(_mp(g[i]), *factors)
                    other = abs(product(_mp(g[i]), *factors[:-1])[0]) / 64
                    want[k][i] = _float(value)
                    tol[k][i] = INF if doubtful else \
                        8 * EPS * (abs(want[k][i]) + _float(min(other, 1e300)))
        return np.concatenate(want, axis=ax), np.concatenate(tol, axis=ax)


# ---- axis-wise -------------------------------------------------------------------

def rows(a, red):
    """The entries of ``a`` (at least 1-d) along the axes ``red`` as rows of
    a 2-D array, and what ``unrows`` needs to put rows back."""
    outer = [d for d in range(a.ndim) if d not in red]
    moved = np.transpose(a, outer + list(red))
    n_outer = int(np.prod(moved.shape[:len(outer)], dtype=np.int64))
    n_row = int(np.prod(moved.shape[len(outer):], dtype=np.int64))
    return moved.reshape(n_outer, n_row), (outer, list(red), moved.shape)


def unrows(r, how):
    outer, red, moved_shape = how
    return np.transpose(r.reshape(moved_shape), np.argsort(outer + red))


class Row(NamedTuple):
    """One row (longdouble), as API.md and the docstrings' table see it."""

    z: np.ndarray          # the row (x / T, or -x / T for softmin)
    w: np.ndarray          # the entries taking part (where)
    status: str            # 'finite', 'nan' (a NaN or +inf entry), 'all -inf', 'empty'
    m: object              # the maximum (finite rows)
    e: np.ndarray          # exp(z - m) at the selected entries, 0 elsewhere
    s: object              # the sum of e

    def distance(self):
        """|z - max| (float64): the condition of the formulas, in the allowed
        errors; 0 at -inf entries and past the float64 range, whose results
        are exact (softmax 0, log_softmax -inf)."""
        with np.errstate(over="ignore"):
            d = np.abs(self.z - self.m).astype(np.float64)
        return np.where(np.isfinite(d), d, 0.0)


def row_of(z, w):
    sel = z[w]
    e = np.zeros(z.shape, LD)
    if sel.size == 0:
        return Row(z, w, "empty", None, e, None)
    if np.isnan(sel).any() or (sel == INF).any():
        return Row(z, w, "nan", None, e, None)
    if (sel == -INF).all():
        return Row(z, w, "all -inf", None, e, None)
    m = sel.max()
    e[w] = np.exp(sel - m)
    return Row(z, w, "finite", m, e, e.sum())


class _Rows(_AlongAxis):
    """Softmax-like functions and logsumexp: rows along ``axis`` (an int, a
    tuple or None; a 0-d input counts as 1-d), ``where`` masks."""

    single_axis = False

    def valid_shape(self, shape, **kw):
        return self._axes(shape, kw) is not None

    def fit(self, shape, **kw):
        return tuple(shape)

    def refusal(self, shape, **kw):
        return AxisError, "out of bounds"

    def _rows(self, x, kw, sign=1.0):
        """The Row of each row of x (float64 values, longdouble arithmetic),
        and how to put rows back."""
        x = np.asarray(x, np.float64)
        xa = x.reshape(1) if x.ndim == 0 else x
        red = self._axes(x.shape, kw)
        t = LD(float(kw.get("temperature", 1.0)))
        where = kw.get("where")
        w = np.ones(xa.shape, bool) if where is None \
            else np.broadcast_to(np.asarray(where) != 0, xa.shape)
        zr, how = rows(xa.astype(LD) * LD(sign) / t, red)
        wr, _ = rows(w, red)
        return [row_of(z, m) for z, m in zip(zr, wr)], how, t

    def _back(self, want, tol, how, shape):
        """Rows of results (and allowed errors) back in x's layout."""
        width = int(np.prod(how[2][len(how[0]):], dtype=np.int64))
        w = unrows(np.array(want, np.float64).reshape(len(want), width), how)
        t = unrows(np.array(tol, np.float64).reshape(len(tol), width), how)
        return w.reshape(shape), t.reshape(shape)


SOFTMAX_SIGN = {"softmax": 1.0, "log_softmax": 1.0, "softmin": -1.0}


class Softmax(_Rows):
    """softmax, log_softmax, softmin: the result has x's shape."""

    def reference(self, x, **kw):
        """Row by row in longdouble with the maximum taken out; masked entries
        0 (-inf for log_softmax); the special rows of the docstrings' table.
        Allowed: 8 eps (|z - max| + 1) relative for softmax, absolute for
        log_softmax (the condition of the formula, as documented)."""
        log = self.record.name == "log_softmax"
        found, how, _ = self._rows(x, kw, SOFTMAX_SIGN[self.record.name])
        fill = -INF if log else 0.0
        want, tol = [], []
        for r in found:
            v = np.full(r.z.shape, fill)
            t = np.zeros(r.z.shape)
            if r.status in ("nan", "all -inf"):
                v[r.w] = NAN
            elif r.status == "finite":
                d = r.distance()[r.w]
                if log:
                    v[r.w] = (r.z[r.w] - r.m) - np.log(r.s)
                    t[r.w] = 8 * EPS * (d + float(np.log(r.s)) + 1)
                else:
                    v[r.w] = r.e[r.w] / r.s
                    t[r.w] = 8 * EPS * (d + 1) * np.abs(v[r.w])
            want.append(v)
            tol.append(t)
        return self._back(want, tol, how, np.shape(x))

    def reference_backward(self, grad_output, x, **kw):
        """From x, row by row: p (g - sum g p) / T for softmax (negated for
        softmin), (g - p sum g) / T for log_softmax; masked entries 0; rows
        all -inf, empty or with nothing selected 0, rows with NaN or +inf NaN
        (the docstring of softmax_backward)."""
        name = self.record.name
        found, how, t = self._rows(x, kw, SOFTMAX_SIGN[name])
        xa = np.asarray(x, np.float64).reshape(-1) if np.ndim(x) == 0 else np.asarray(x)
        g = np.broadcast_to(np.asarray(grad_output, np.float64), xa.shape)
        gr, _ = rows(g.astype(LD), how[1])
        want, tol = [], []
        for r, gv in zip(found, gr):
            v = np.zeros(r.z.shape)
            tl = np.zeros(r.z.shape)
            if r.status == "nan":
                v[r.w] = NAN
            elif r.status == "finite":
                p = r.e / r.s
                d = r.distance() + 1
                ag = np.abs(gv[r.w]).astype(np.float64)
                if name == "log_softmax":
                    total = gv[r.w].sum()
                    v[r.w] = (gv[r.w] - p[r.w] * total) / t
                    err = ag + d[r.w] * p[r.w] * np.abs(gv[r.w]).sum()
                else:
                    dot = (gv[r.w] * p[r.w]).sum()
                    v[r.w] = SOFTMAX_SIGN[name] * p[r.w] * (gv[r.w] - dot) / t
                    err = d[r.w] * p[r.w] * (ag + float((np.abs(gv[r.w]) * p[r.w]).sum()))
                # plus one subnormal ULP: results below the normal range
                # may round twice (API.md section 7), e.g. g - p dot with
                # p dot = 2.5e-324 rounded to 0 first (a Hypothesis find)
                tl[r.w] = (16 * EPS * err.astype(np.float64) / float(t)
                           + np.finfo(np.float64).smallest_subnormal)
            want.append(v)
            tol.append(tl)
        return self._back(want, tol, how, np.shape(x))


class LogSumExp(_Rows):
    """logsumexp reduces its axes (keepdims keeps them with length 1); the
    backward has x's shape. The reference is for b=None."""

    keeps_axis = False

    def result_shape(self, shape, **kw):
        if not shape:
            return ()
        red = self._axes(shape, kw)
        if kw.get("keepdims", False):
            return tuple(1 if d in red else n for d, n in enumerate(shape))
        return tuple(n for d, n in enumerate(shape) if d not in red)

    def reference(self, x, **kw):
        """log(sum e^z) = max + log(sum e^(z - max)) in longdouble; NaN rows
        NaN, a +inf entry +inf, all -inf, empty or nothing selected -inf.
        Allowed: 8 eps (|max| + log n + 1) absolute (the formula's condition)."""
        assert kw.get("b") is None and not kw.get("return_sign"), kw
        found, how, _ = self._rows(x, kw)
        want, tol = np.empty(len(found)), np.zeros(len(found))
        for i, r in enumerate(found):
            if r.status == "nan":
                want[i] = NAN if np.isnan(r.z[r.w]).any() else INF
            elif r.status != "finite":
                want[i] = -INF
            else:
                want[i] = r.m + np.log(r.s)
                tol[i] = 8 * EPS * (abs(float(r.m)) + float(np.log(r.s)) + 1)
        shape = self.result_shape(np.shape(x), **kw)
        return want.reshape(shape), tol.reshape(shape)

    def reference_backward(self, grad_output, x, **kw):
        """g times the softmax of the row; rows all -inf, empty or with
        nothing selected 0, NaN or +inf rows NaN (the docstring)."""
        assert kw.get("b") is None and not kw.get("return_sign"), kw
        found, how, _ = self._rows(x, kw)
        shape = np.shape(x)
        g = np.broadcast_to(np.asarray(grad_output, np.float64),
                            self.result_shape(shape, **kw)).reshape(-1)
        want, tol = [], []
        for r, gv in zip(found, g):
            v = np.zeros(r.z.shape)
            tl = np.zeros(r.z.shape)
            if r.status == "nan":
                v[r.w] = NAN
            elif r.status == "finite":
                p = r.e[r.w] / r.s
                v[r.w] = LD(gv) * p
                d = r.distance()[r.w] + 1
                tl[r.w] = 8 * EPS * d * np.abs(v[r.w])
            want.append(v)
            tol.append(tl)
        return self._back(want, tol, how, shape)


class Maxout(Gated):
    """maxout: groups of ``pieces`` consecutive entries along ``axis`` (an
    int; its length must be a multiple of pieces; a 0-d input counts as
    1-d); the backward routes grad_output to each group's winner."""


    def multiple(self, kw):
        """pieces as a positive int, or None if maxout refuses it."""
        try:
            k = operator.index(kw.get("pieces", self.params["pieces"]))
        except TypeError:
            return None
        return k if k >= 1 else None

    def valid_shape(self, shape, **kw):
        axes, m = self._axes(shape, kw), self.multiple(kw)
        return axes is not None and m is not None and (shape or (1,))[axes[0]] % m == 0

    def refusal(self, shape, **kw):
        if self._axes(shape, kw) is None:
            return AxisError, "out of bounds"
        return ValueError, "pieces must be a positive divisor"

    def result_shape(self, shape, **kw):
        return super().result_shape(shape, **kw) if shape else ()

    def _groups(self, x, kw):
        """x as (outer, groups, pieces) rows and how to put the groups back."""
        x = np.asarray(x, np.float64)
        xa = x.reshape(1) if x.ndim == 0 else x
        ax = self._axes(x.shape, kw)[0]
        k = self.multiple(kw)
        moved = np.moveaxis(xa, ax, -1)
        return moved.reshape(moved.shape[:-1] + (moved.shape[-1] // k, k)), ax

    @staticmethod
    def winner(group):
        """The first NaN, else the first maximum (as numpy.argmax)."""
        nan = np.flatnonzero(np.isnan(group))
        if nan.size:
            return int(nan[0])
        return int(np.flatnonzero(group == group.max())[0])

    def reference(self, x, **kw):
        """Each group's winner, exactly."""
        grouped, ax = self._groups(x, kw)
        want = np.empty(grouped.shape[:-1])
        for i in np.ndindex(want.shape):
            want[i] = grouped[i][self.winner(grouped[i])]
        want = np.moveaxis(want, -1, ax) if np.ndim(x) else want.reshape(())
        return want, np.zeros(want.shape)

    def reference_backward(self, grad_output, x, **kw):
        """grad_output at each group's winner, 0 at the other pieces, exactly."""
        grouped, ax = self._groups(x, kw)
        shape = np.shape(x)
        g = np.broadcast_to(np.asarray(grad_output, np.float64),
                            self.result_shape(shape, **kw))
        g = np.moveaxis(g.reshape(1) if not shape else g, ax, -1)
        want = np.zeros(grouped.shape)
        for i in np.ndindex(grouped.shape[:-1]):
            want[i + (self.winner(grouped[i]),)] = g[i]
        want = want.reshape(want.shape[:-2] + (want.shape[-2] * want.shape[-1],))
        want = np.moveaxis(want, -1, ax).reshape(shape)
        return want, np.zeros(shape)


def axis_adapter(record):
    """The adapter of an 'axis' record, by function."""
    if record.name in SOFTMAX_SIGN:
        return Softmax(record)
    return {"logsumexp": LogSumExp, "maxout": Maxout}[record.name](record)


ADAPTERS = {"elementwise": Elementwise, "gated": Gated, "axis": axis_adapter}


def mismatch(got, want, tol):
    """Why ``got`` is not the reference (None if it is): NaN where the
    reference is NaN, the same infinities, finite values within ``tol``;
    entries whose ``tol`` is inf are not compared."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}"
    checked = ~np.isposinf(tol)
    got, want, tol = got[checked], want[checked], tol[checked]
    nan = np.isnan(want)
    if not np.array_equal(np.isnan(got), nan):
        return f"NaN at {np.isnan(got)}, expected at {nan}"
    inf = np.isinf(want)
    if not np.array_equal(got[inf], want[inf]):
        return f"{got[inf]} where the reference is {want[inf]}"
    fin = ~nan & ~inf
    bad = ~(np.abs(got[fin] - want[fin]) <= tol[fin])
    if bad.any():
        return (f"{got[fin][bad][:5]} against {want[fin][bad][:5]} "
                f"(allowed {tol[fin][bad][:5]})")
    return None


class Call(NamedTuple):
    """One public function: ``fn(*arrays, out=None, **kw)``."""

    name: str                # 'gelu' or 'gelu_backward'
    fn: Callable
    adapter: object

    @property
    def backward(self):
        return self.name.endswith("_backward")

    def shapes(self, shape, **kw):
        """The shapes of the data arrays for a forward input of ``shape``:
        (x,) or (grad_output, x)."""
        if self.backward:
            return (self.adapter.result_shape(shape, **kw), shape)
        return (shape,)

    def out_shape(self, shape, **kw):
        """The shape of the result for a forward input of ``shape``."""
        return shape if self.backward else self.adapter.result_shape(shape, **kw)

    def reference(self, *arrays, **kw):
        """(expected float64 values, allowed absolute error), from the
        adapter's independent reference."""
        ref = self.adapter.reference_backward if self.backward else self.adapter.reference
        return ref(*arrays, **kw)


def calls(records=None):
    """Forward and backward of every record whose kind has an adapter."""
    out = []
    for name, record in sorted((records or fa.ACTIVATIONS).items()):
        if record.kind not in ADAPTERS:
            continue
        adapter = ADAPTERS[record.kind](record)
        out.append(Call(name, adapter.forward, adapter))
        out.append(Call(name + "_backward", adapter.backward, adapter))
    return out


CALLS = calls()

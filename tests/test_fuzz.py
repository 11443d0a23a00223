"""Fuzzing what fastact exposes: random dtypes, shapes, strides, parameters,
grad_output, ``y=`` and ``out=`` for every function of the registry, from a
seeded generator (a failure names its seed and call; rerun one seed with
``pytest tests/test_fuzz.py -k 'seed7'``).

Every kind is fuzzed: element-wise functions, gated units (odd split
axes, 0-d input) and axis-wise functions (axis as int, tuple, list or None,
temperature, where=, keepdims, b=, return_sign, maxout's pieces,
return_indices and indices=). The adapters of tests/adapters.py give the
result's shape for the parameters drawn; the input shape is usually made
one the function takes (``fit``), sometimes not.

Nothing may crash (a crash fails the whole run). A call either returns a
result of the shape the adapter gives (the input's for a backward), with
the sign or the indices alongside when asked, in ``out`` when one was
given, with the bits of the same call on contiguous float64 copies where it
computes in float64; or it raises what API.md section 4 names -- TypeError
or ValueError (AxisError is one) -- with a message naming the function. A
refused call writes nothing, and no call writes to an input that ``out``
does not share memory with.
"""

import inspect

import numpy as np
import pytest

import fastact as fa
from adapters import ADAPTERS, REQUIRED
from test_matrix import ACCEPTED, BIG, REFUSED, SPECIALS

# Every record; the fuzzer builds calls from their signatures.
RECORDS = [fa.ACTIVATIONS[name] for name in sorted(fa.ACTIVATIONS)]
ADAPTER = {rec.name: ADAPTERS[rec.kind](rec) for rec in RECORDS}
SEEDS = 24
CALLS_PER_SEED = 160         # 120 when only the 24 element-wise records were fuzzed

# Parameter values: good, bad type, bad value, special floats.
SCALARS = [0.0, -0.0, 0.3, -2.0, 1.5, 20, np.nan, np.inf, -np.inf, 1e308, 10**400,
           np.float32(0.5), np.int64(2), np.array(0.7), True, "0.1", None, 1j,
           [0.1, 0.2], np.array([1.0])]


class Case:
    """One random call, described for the failure message."""

    def __init__(self, rng):
        self.rng = rng
        self.notes = []

    def pick(self, options, what):
        value = options[self.rng.integers(len(options))]
        self.notes.append(f"{what}={value!r}" if not isinstance(value, np.ndarray)
                          else f"{what}=array{value.shape}")
        return value

    def chance(self, p):
        return self.rng.random() < p

    def shape(self):
        ndim = int(self.rng.integers(0, 4))
        dims = [int(self.pick([0, 1, 2, 3, 5, 8], "dim")) for _ in range(ndim)]
        if dims and self.chance(0.08):
            dims[-1] = BIG                       # above the threading threshold
        return tuple(dims)

    def array(self, shape, what):
        """Values of a random dtype in a random layout."""
        dtype = np.dtype(self.pick(ACCEPTED if self.chance(0.9) else REFUSED, what + " dtype"))
        n = int(np.prod(shape))
        if dtype.kind == "f":
            scale = self.pick([1.0, 30.0, 1e-300, 1e300], what + " scale")
            with np.errstate(over="ignore"):
                v = (self.rng.standard_normal(n) * scale).astype(dtype)
            if n >= len(SPECIALS) and self.chance(0.5):
                v[self.rng.choice(n, len(SPECIALS), replace=False)] = SPECIALS
        elif dtype.kind in "biu":
            v = self.rng.integers(0, 2, n).astype(dtype) if dtype.kind == "b" else \
                self.rng.integers(-100, 100, n).astype(dtype)
        else:
            v = np.zeros(n, dtype)
        return self.layout(v.reshape(shape), what)

    def layout(self, a, what):
        kind = self.pick(["contiguous", "strided", "fortran", "broadcast", "byteswapped",
                          "unaligned", "read-only"], what + " layout")
        if kind == "strided" and a.ndim:
            steps = [int(self.rng.choice([1, 2, -1, -3])) for _ in range(a.ndim)]
            big = np.zeros([n * abs(s) for n, s in zip(a.shape, steps)], a.dtype)
            view = big[tuple(slice(None, None, s) for s in steps)]
            view[...] = a
            return view
        if kind == "fortran":
            return np.array(a, order="F")
        if kind == "broadcast" and a.ndim and a.shape[0] > 0:
            return np.broadcast_to(a[:1], a.shape)
        if kind == "byteswapped" and a.dtype.kind in "biuf" and a.dtype.itemsize > 1:
            return a.astype(a.dtype.newbyteorder())
        if kind == "unaligned" and a.dtype.kind in "biuf" and a.dtype.itemsize > 1:
            buf = np.frombuffer(bytearray(a.nbytes + 1), a.dtype, a.size, offset=1)
            buf[:] = a.ravel()
            return buf.reshape(a.shape)
        if kind == "read-only":
            a = a.copy()
            a.flags.writeable = False
        return a

    def params(self, record, shape):
        """Each parameter: its default, a REQUIRED value, or a random one."""
        kw = {}
        for name, default in record.params.items():
            if self.chance(0.5):
                if default is inspect.Parameter.empty:
                    kw[name] = REQUIRED[name]
                continue
            if name == "weight":
                kw[name] = self.pick([0.25, np.full(3, 0.2), np.ones(8), np.ones((2, 2)), "w"], name)
            elif name == "axis":
                kw[name] = self.pick([0, 1, -1, 2, -3, 5, 1.0, None, (0, -1), (1, 1), (),
                                      [0], np.int64(1), (0, 7)], name)
            elif name == "pieces":
                kw[name] = self.pick([1, 2, 3, 4, 0, -2, 2.0, None, np.int64(2), True, "2"],
                                     name)
            elif name in ("keepdims", "return_sign", "return_indices"):
                kw[name] = self.pick([False, True, 1, np.bool_(True)], name)
            elif name == "where":
                kw[name] = self.where(shape)
            elif name == "b":
                kw[name] = self.weights(shape)
            elif name == "approximate":
                kw[name] = self.pick(["none", "tanh", "foo", None, 1], name)
            elif name == "training":
                kw[name] = self.pick([False, True, 1, np.bool_(True), "yes"], name)
            elif name == "rng":
                kw[name] = self.pick([None, 7, np.random.default_rng(3), "seed", -1], name)
            else:
                kw[name] = self.pick(SCALARS, name)
        return kw

    def where(self, shape):
        kind = self.pick(["none", "full", "last", "wrong", "float", "int", "scalar", "list"],
                         "where")
        if kind == "full":
            return self.layout(np.asarray(self.rng.random(shape) < 0.7), "where")
        if kind == "last" and shape:
            return self.rng.random(shape[-1:]) < 0.5
        if kind == "wrong":
            return np.ones(shape + (2,), bool)
        if kind == "float":
            return np.ones(shape)
        if kind == "int":
            return self.rng.integers(0, 3, shape)
        if kind == "scalar":
            return bool(self.chance(0.5))
        if kind == "list":
            return (self.rng.random(shape) < 0.5).tolist()
        return None

    def weights(self, shape):
        kind = self.pick(["none", "number", "array", "last", "wrong", "negative"], "b")
        if kind == "number":
            return self.pick([2.0, -1.0, 0.0, np.nan, np.inf, 3, np.float32(0.5), "b"], "b value")
        if kind == "array":
            return self.array(shape, "b")
        if kind == "last" and shape:
            return np.abs(self.rng.standard_normal(shape[-1:]))
        if kind == "wrong":
            return np.ones(shape + (3,))
        if kind == "negative":
            return -np.ones(shape)
        return None

    def out(self, shape, dtype, inputs):
        kind = self.pick(["none", "none", "fresh", "input", "shape", "dtype", "read-only",
                          "list", "strided", "overlap"], "out")
        if kind == "fresh":
            return np.full(shape, 7, dtype)
        if kind == "input":
            return inputs[int(self.rng.integers(len(inputs)))]
        if kind == "shape":
            return np.full(shape + (2,), 7, dtype)
        if kind == "dtype":
            return np.full(shape, 7, np.float32 if dtype != np.float32 else np.float64)
        if kind == "read-only":
            out = np.full(shape, 7, dtype)
            out.flags.writeable = False
            return out
        if kind == "list":
            return np.full(shape, 7.0).tolist()
        if kind == "strided" and shape:
            return np.full(shape[:-1] + (2 * shape[-1],), 7, dtype)[..., ::-2]
        if kind == "overlap" and shape and inputs[-1].flags.writeable \
                and inputs[-1].flags.c_contiguous and inputs[-1].dtype == dtype:
            # a view into the last data array: shifted by one, or reversed
            base, n = inputs[-1].reshape(-1), int(np.prod(shape))
            if base.size > n > 0 and self.chance(0.5):
                return base[1:n + 1].reshape(shape)
            if base.size >= n > 1:
                return base[::-1][:n].reshape(shape)
        return None


def result_dtype(*dtypes):
    """API.md section 4, for the dtypes of the data the call computes on."""
    dtype = np.result_type(*dtypes).newbyteorder("=")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def copy(value):
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def as_float64(value):
    """A contiguous float64 copy of a numeric array (what the float64 loops
    compute on), anything else as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return np.array(value, dtype=np.float64, order="C")
    return value


def expected_shape(adapter, shape, kw):
    """The forward result's shape for these parameters, or None if the
    adapter cannot tell (parameters it will not take)."""
    try:
        return tuple(adapter.result_shape(shape, **kw))
    except Exception:           # an invalid axis or pieces: the call is refused
        return None


def indices(case, x, kw):
    """maxout_backward's indices=: the forward's, or wrong ones."""
    kind = case.pick(["none", "forward", "float", "wrong shape", "too big"], "indices")
    if kind == "none" or np.asarray(x).dtype.kind not in "biuf":
        return None
    try:
        _, idx = fa.maxout(np.asarray(x, dtype=np.float64), kw.get("pieces", 3),
                           kw.get("axis", -1), return_indices=True)
    except (TypeError, ValueError):
        return np.zeros(3, np.intp)
    idx = np.asarray(idx)
    return {"forward": idx, "float": idx.astype(np.float64),
            "wrong shape": idx.reshape(-1), "too big": idx + 7}[kind]


def one_call(case, record):
    """One random call of record's forward or backward; 'computed' or
    'refused'."""
    adapter = ADAPTER[record.name]
    backward = case.chance(0.5)
    name = record.name + ("_backward" if backward else "")
    fn = record.backward if backward else record.forward
    shape = case.shape()
    kw = case.params(record, shape)
    if case.chance(0.8):                     # usually a shape the function takes
        shape = adapter.fit(shape, **kw)
        for k in ("where", "b"):             # redraw what had the old shape
            if isinstance(kw.get(k), np.ndarray):
                kw[k] = case.where(shape) if k == "where" else case.weights(shape)
    if backward:
        taken = inspect.signature(fn).parameters
        kw = {k: v for k, v in kw.items() if k in taken}     # rrelu's rng, maxout's return_indices
        if record.name == "rrelu" and case.chance(0.5):
            kw["slopes"] = case.pick([None, 0.2], "slopes")
    x = case.array(shape, "x")
    rshape = expected_shape(adapter, shape, kw)
    args = [x]
    if backward:
        if record.name == "maxout":
            kw["indices"] = indices(case, x, kw)
        g = case.pick(["scalar", "result", "same", "trailing", "wrong", "none"], "grad_output")
        gshape = rshape if rshape is not None else shape
        gy = {"scalar": lambda: 1.5, "result": lambda: case.array(gshape, "gy"),
              "same": lambda: case.array(shape, "gy"),
              "trailing": lambda: case.array(gshape[1:], "gy"),
              "wrong": lambda: case.array(gshape + (2,), "gy"), "none": lambda: None}[g]()
        args = [gy, x]
        if "y" in inspect.signature(fn).parameters and case.chance(0.15):
            kw["y"] = args.pop()            # the output instead of the input
    data = [a for a in args + [kw.get("y"), kw.get("b")] if isinstance(a, np.ndarray)]
    numeric = data and all(a.dtype.kind in "biuf" for a in data)
    dtype = result_dtype(*(a.dtype for a in data)) if numeric else np.dtype(np.float64)
    out_shape = shape if backward or rshape is None else rshape
    out = case.out(out_shape, dtype, data)
    if out is not None:
        kw["out"] = out
    args_before = [copy(a) for a in args]
    kw_before = {k: copy(v) for k, v in kw.items()}
    inputs = [a for a in args + list(kw.values()) if isinstance(a, np.ndarray) and a is not out]
    inputs_before = [a.copy() for a in inputs]
    try:
        result = fn(*args, **kw)
    except (TypeError, ValueError) as exc:
        assert f"fastact.{name}" in str(exc), f"{name}: message does not name it: {exc!r}"
        if isinstance(out, np.ndarray):
            np.testing.assert_array_equal(out, kw_before["out"], err_msg="refused but wrote out")
        for a, b in zip(inputs, inputs_before):
            np.testing.assert_array_equal(a, b, err_msg="refused but wrote an input")
        return "refused"
    if record.name == "prelu" and backward:
        result = result[0]                   # (grad_input, grad_weight)
    pair = not backward and (kw.get("return_sign") or kw.get("return_indices"))
    if pair:                                 # (result, sign) or (result, indices)
        assert isinstance(result, tuple) and len(result) == 2, type(result)
        result, extra = result
        assert np.shape(extra) == np.shape(result)
        assert np.asarray(extra).dtype == (np.intp if kw.get("return_indices")
                                           else np.asarray(result).dtype)
    assert rshape is not None, "computed, but the adapter says the call is invalid"
    assert np.shape(result) == out_shape, (np.shape(result), out_shape)
    assert np.asarray(result).dtype in (np.float16, np.float32, np.float64)
    if out is not None:
        assert result is out
    for a, b in zip(inputs, inputs_before):
        if not (isinstance(out, np.ndarray) and np.shares_memory(out, a)):
            np.testing.assert_array_equal(a, b, err_msg="wrote an input")
    if np.asarray(result).dtype == np.float64 and not kw.get("training"):
        # the same call on contiguous float64 copies gives the same bits
        kw_before.pop("out", None)
        again = fn(*map(as_float64, args_before),
                   **{k: v if k in ("where", "indices") else as_float64(v)
                      for k, v in kw_before.items()})
        again = again[0] if isinstance(again, tuple) else again
        np.testing.assert_array_equal(result, again, err_msg="the layout changed the bits")
    return "computed"


@pytest.mark.parametrize("seed", range(SEEDS), ids=lambda s: f"seed{s}")
def test_fuzz(seed):
    rng = np.random.default_rng([7, seed])
    outcomes = {"computed": 0, "refused": 0}
    for _ in range(CALLS_PER_SEED):
        record = RECORDS[rng.integers(len(RECORDS))]
        case = Case(rng)
        try:
            outcomes[one_call(case, record)] += 1
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, {record.name}: {', '.join(case.notes)}\n{exc}")
    # both paths were exercised
    assert outcomes["computed"] > 0 and outcomes["refused"] > 0, outcomes


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_fuzz_axis_backward_far_tails(seed):
    """float64 axis backward rows with entries past the cut (x - max down
    to -1500: _axis_tails.pxi redoes them in long double, with malloc'ed
    buffers) among specials, masks and huge grad_outputs: no crash, and
    rows along axis 0 (tiles), out=x and out=grad_output (collected before
    the block is written) give the bits of the plain call."""
    rng = np.random.default_rng([11, seed])
    vals = np.array([0.0, -0.0, 1e300, -1e300, np.inf, -np.inf, np.nan, 5e-324, -700.0,
                     -745.0, -800.0, -1000.0, -2999.0, -3001.0, -1e4, -1e9, 3.0])
    for _ in range(150):
        r, n = int(rng.integers(1, 4)), int(rng.integers(1, 40))
        x = np.where(rng.random((r, n)) < 0.4, rng.choice(vals, (r, n)),
                     -rng.uniform(0, 1500, (r, n)))
        g = np.where(rng.random((r, n)) < 0.3, rng.choice(vals, (r, n)),
                     rng.standard_normal((r, n)) * 10.0 ** rng.uniform(-300, 308))
        where = rng.random((r, n)) < 0.9 if rng.random() < 0.3 else None
        where_t = None if where is None else where.T.copy()
        temperature = float(rng.choice([1.0, 0.5, 3.0, 1e-300, 1e300]))
        name = str(rng.choice(["softmax", "softmin", "log_softmax", "logsumexp"]))
        with np.errstate(all="ignore"):
            if name == "logsumexp":
                b = (10.0 ** rng.uniform(-320, 10, (r, n))) if rng.random() < 0.5 else None
                kw = {"b": b, "where": where}
                got = fa.logsumexp_backward(g[:, 0], x, **kw)
                kw_t = {"b": None if b is None else b.T.copy(), "where": where_t}
                again = [fa.logsumexp_backward(g[:, 0], x.T.copy(), axis=0, **kw_t).T]
            else:
                fn = getattr(fa, name + "_backward")
                kw = {"temperature": temperature, "where": where}
                got = fn(g, x, **kw)
                again = [fn(g.T.copy(), x.T.copy(), axis=0, temperature=temperature,
                            where=where_t).T]
                for target in ("x", "g"):
                    xc, gc = x.copy(), g.copy()
                    again.append(fn(gc, xc, out=xc if target == "x" else gc, **kw))
        for other in again:
            np.testing.assert_array_equal(other, got, err_msg=f"{name}, seed {seed}")

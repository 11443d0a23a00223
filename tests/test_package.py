"""The package as a user meets it: import cost, command line, docs."""

import inspect
import json

import pytest

import fastact as fa
from conftest import run_python

HEAVY = ("scipy", "torch", "matplotlib", "pytest", "threadpoolctl", "dask", "mpmath")


def test_import_pulls_in_nothing_heavy():
    code = ("import sys, fastact; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = run_python("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


ELEMENTWISE = sorted(n for n, rec in fa.ACTIVATIONS.items() if rec.kind == "elementwise")


def test_public_names():
    for name in ELEMENTWISE + ["expit"]:
        assert callable(getattr(fa, name))
        assert callable(getattr(fa, name + "_backward"))
        assert name in fa.__all__ and name + "_backward" in fa.__all__
    assert isinstance(fa.__version__, str)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_docstrings_are_numpydoc(name):
    for fn in (getattr(fa, name), getattr(fa, name + "_backward")):
        for section in ("Parameters", "Returns", "Raises"):
            assert section in fn.__doc__, (fn.__name__, section)
    # every parameter is documented, forward and backward
    for fn in (getattr(fa, name), getattr(fa, name + "_backward")):
        for param in inspect.signature(fn).parameters:
            assert f"\n{param} : " in fn.__doc__, (fn.__name__, param)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE
                                  if n not in ("relu", "sigmoid", "tanh", "gelu")])
def test_docstrings_state_the_measured_accuracy_and_pytorch(name):
    """Issue 3's functions quote the measured maxima (written by
    tools/accuracy_table.py) and say how they relate to PyTorch."""
    from fastact._accuracy import MEASURED
    rec = fa.ACTIVATIONS[name]
    doc = " ".join((rec.forward.__doc__ + rec.backward.__doc__).split())
    assert "Measured maximum error" in doc and name in MEASURED
    assert "PyTorch" in doc


def test_accuracy_table_covers_every_function_within_the_promise():
    """fastact/_accuracy.py (generated) has every element-wise function, and
    the numbers it records keep API.md's promise."""
    from fastact._accuracy import MEASURED
    assert set(ELEMENTWISE) <= set(MEASURED)
    for case, (f32f, f32b, f64f, f64b) in MEASURED.items():
        assert max(f32f, f32b) <= 2 and max(f64f, f64b) <= 4, case


def run_cli(*args):
    return run_python("-m", "fastact", *args)


def test_cli_info():
    out = run_cli("info")
    assert out.returncode == 0, out.stderr
    assert "openmp" in out.stdout and fa.__version__ in out.stdout


def test_cli_help():
    for args in (["--help"], ["bench", "--help"], ["info", "--help"]):
        out = run_cli(*args)
        assert out.returncode == 0 and "usage" in out.stdout


def test_cli_bench_small_run(tmp_path):
    path = tmp_path / "bench.json"
    out = run_cli("bench", "relu", "sigmoid", "--sizes", "1000", "--dtype", "float32",
                  "--threads", "1", "--against", "numpy", "--json", str(path))
    assert out.returncode == 0, out.stderr
    assert "relu" in out.stdout and "speed-up" in out.stdout
    data = json.loads(path.read_text())
    assert len(data["results"]) == 2
    for row in data["results"]:
        assert row["fastact"] > 0 and row["numpy"] > 0


def test_cli_bench_rejects_unknown_names():
    out = run_cli("bench", "nonsense", "--sizes", "10")
    assert out.returncode == 2 and "unknown function" in out.stderr


# ---- axis-wise functions and gated units (issue 4) ---------------------------

AXIS_NAMES = ["softmax", "log_softmax", "softmin", "logsumexp", "maxout",
              "glu", "swiglu", "geglu", "reglu"]


@pytest.mark.parametrize("name", AXIS_NAMES)
def test_axis_and_gated_names_and_docstrings(name):
    for fn_name in (name, name + "_backward"):
        fn = getattr(fa, fn_name)
        assert callable(fn) and fn_name in fa.__all__
        for section in ("Parameters", "Returns", "Raises", "Notes"):
            assert section in fn.__doc__, (fn_name, section)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "logsumexp"])
def test_docstrings_hold_the_special_case_table(name):
    doc = getattr(fa, name).__doc__
    for row in ("some -inf entries", "all entries -inf", "a +inf entry", "a NaN entry",
                "nothing selected", "empty axis"):
        assert row in doc, (name, row)


def test_registry_records_for_axis_and_gated():
    acts = fa.ACTIVATIONS
    kinds = {name: acts[name].kind for name in AXIS_NAMES}
    assert kinds == {**{n: "axis" for n in AXIS_NAMES[:5]}, **{n: "gated" for n in AXIS_NAMES[5:]}}
    assert acts["softmax"].forward is fa.softmax and acts["softmax"].backward is fa.softmax_backward
    assert dict(acts["softmax"].params) == {"axis": -1, "temperature": 1.0, "where": None}
    assert dict(acts["geglu"].params) == {"axis": -1, "approximate": "none"}
    assert dict(acts["logsumexp"].params)["return_sign"] is False
    for name in AXIS_NAMES:
        assert acts[name].formula and acts[name].name == name


@pytest.mark.parametrize("name", AXIS_NAMES)
def test_registry_params_are_the_signature_of_axis_and_gated(name):
    """params lists every parameter of the forward but x and out, in order,
    with its default (inspect.Parameter.empty where it has none): maxout's
    pieces was missing, so code built from the registry could not call
    maxout. The backward takes each of them by the same name (maxout_backward
    takes indices instead of return_indices)."""
    import inspect
    rec = fa.ACTIVATIONS[name]
    sig = inspect.signature(rec.forward).parameters
    public = [p for p in sig.values() if p.name not in ("x", "out")]
    assert [p.name for p in public] == list(rec.params)
    for p in public:
        assert p.default is rec.params[p.name] or p.default == rec.params[p.name]
    back = inspect.signature(rec.backward).parameters
    for p in public:
        if (name, p.name) != ("maxout", "return_indices"):
            assert p.name in back, (name, p.name)


def test_scipy_dropin_is_a_submodule():
    from fastact import scipy as sc
    for name in ("expit", "log_expit", "softmax", "log_softmax", "logsumexp"):
        assert callable(getattr(sc, name)) and getattr(sc, name).__doc__

"""The package as a user meets it: import cost, command line, docs."""

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


def test_public_names():
    for name in ("relu", "sigmoid", "expit", "tanh", "gelu"):
        assert callable(getattr(fa, name))
        assert callable(getattr(fa, name + "_backward"))
        assert name in fa.__all__
    assert isinstance(fa.__version__, str)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "gelu"])
def test_docstrings_are_numpydoc(name):
    for fn in (getattr(fa, name), getattr(fa, name + "_backward")):
        for section in ("Parameters", "Returns", "Raises"):
            assert section in fn.__doc__, (fn.__name__, section)


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

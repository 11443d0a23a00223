"""The examples in examples/ run, in their fast mode, and show what they
claim (issue 6)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_selu_keeps_mean_and_std_near_0_and_1(capsys):
    stats = load("selu_self_normalisation").main(["--quick"])
    assert "layer" in capsys.readouterr().out
    mean, std = stats["selu"][-1]
    assert abs(mean) < 0.1 and 0.85 < std < 1.15
    assert all(0.85 < s < 1.15 for _, s in stats["selu"])
    assert stats["relu"][-1][1] < 1e-3          # the spread dies out without SELU
    assert stats["tanh"][-1][1] < 0.3 and stats["elu"][-1][1] < 0.3


def test_mlp_on_digits_reaches_the_stated_accuracy():
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (examples extra)")
    accuracy = load("mlp_digits").main(["--quick"])
    assert accuracy >= 0.95                     # the docstring states 96.9% for --quick


def test_dask_on_a_local_cluster_of_processes():
    pytest.importorskip("dask.distributed", reason="dask.distributed is not installed "
                                                  "(examples extra)")
    assert load("dask_cluster").main(["--quick"]) is True

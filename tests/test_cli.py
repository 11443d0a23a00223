"""``fastact plot`` and ``fastact bench --plot`` (issue 6)."""

import json

import pytest

from conftest import run_python

PNG = b"\x89PNG\r\n\x1a\n"


def run_cli(*args):
    return run_python("-m", "fastact", *args)


def test_every_subcommand_has_help():
    for sub in ("info", "plot", "bench"):
        out = run_cli(sub, "--help")
        assert out.returncode == 0 and "usage: fastact " + sub in out.stdout, out.stderr
    assert "--grad" in run_cli("plot", "--help").stdout
    assert "--plot" in run_cli("bench", "--help").stdout


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    path = tmp_path / "curves.png"
    out = run_cli("plot", "relu", "gelu:approximate=tanh", "leaky_relu:negative_slope=0.2",
                  "--grad", "--range", "-3", "3", "-o", str(path))
    assert out.returncode == 0, out.stderr
    assert path.read_bytes()[:8] == PNG and path.stat().st_size > 10_000


@pytest.mark.parametrize("args, message", [
    (["softmax"], "axis-wise"),
    (["nonsense"], "unknown function"),
    (["threshold"], "threshold needs threshold, value"),
    (["relu:alpha=2"], "relu has no parameter alpha"),
    (["gelu:approximate=foo"], "approximate must be"),
    (["relu", "--range", "2", "1"], "LO < HI"),
])
def test_plot_refuses_bad_names_with_a_message(tmp_path, args, message):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    out = run_cli("plot", *args, "-o", str(tmp_path / "x.png"))
    assert out.returncode == 2 and message in out.stderr, (out.returncode, out.stderr)
    assert not (tmp_path / "x.png").exists()


BLOCK_MATPLOTLIB = ("import sys; sys.modules['matplotlib'] = None; "
                    "from fastact._cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("args", [["plot", "relu", "-o", "{tmp}/x.png"],
                                  ["bench", "relu", "--quick", "--plot", "{tmp}/x.png"]])
def test_missing_matplotlib_is_a_clear_error(tmp_path, args):
    """Without the plot extra: a message saying what to install, exit code 3,
    and no minutes of benchmarking first."""
    out = run_python("-c", BLOCK_MATPLOTLIB, *[a.format(tmp=tmp_path) for a in args])
    assert out.returncode == 3, out.stderr
    assert "pip install 'fastact[plot]'" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert not (tmp_path / "x.png").exists()


def test_bench_plot_draws_the_speedups(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    png, js = tmp_path / "bench.png", tmp_path / "bench.json"
    out = run_cli("bench", "relu", "sigmoid", "--sizes", "1000", "--dtype", "float32",
                  "--threads", "1", "--against", "numpy", "--plot", str(png),
                  "--json", str(js))
    assert out.returncode == 0, out.stderr
    assert "speed-up" in out.stdout and png.read_bytes()[:8] == PNG
    assert len(json.loads(js.read_text())["results"]) == 2    # --json still honoured


def test_bench_plot_chart_from_a_results_list(tmp_path):
    """The chart reads bench's result rows; rows without a baseline are fine."""
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    from fastact import _plot
    rows = [{"name": "relu", "size": 1000, "dtype": "float32", "threads": 1,
             "fastact": 1e-6, "numpy": 3e-6},
            {"name": "gelu", "size": 1000, "dtype": "float64", "threads": 2,
             "fastact": 2e-6, "numpy": 1e-6, "torch": 4e-6}]
    _plot.plot_bench(rows, tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes()[:8] == PNG

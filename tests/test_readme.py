"""README.md stays true to the package (issue 6)."""

import importlib.util
from pathlib import Path

import fastact as fa

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_function_table_lists_every_function():
    spec = importlib.util.spec_from_file_location("function_table",
                                                  ROOT / "tools" / "function_table.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.render(README) == README, "run: python tools/function_table.py"
    for name in fa.ACTIVATIONS:
        assert f"| `{name}` |" in README, name


def test_readme_sections_and_markers():
    for marker in ("<!-- accuracy-table:start -->", "<!-- accuracy-table:end -->",
                   "<!-- bench-table:start -->", "<!-- bench-table:end -->",
                   "<!-- function-table:start -->", "## Quick start"):
        assert README.count(marker) == 1, marker
    assert "(docs/activations.png)" in README and (ROOT / "docs" / "activations.png").exists()
    for example in ("selu_self_normalisation.py", "mlp_digits.py", "dask_cluster.py"):
        assert f"examples/{example}" in README and (ROOT / "examples" / example).exists()

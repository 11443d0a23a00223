"""Write the function table of README.md (between its function-table
markers) from fastact.ACTIVATIONS, so that it lists every function with its
defaults and formula; tests/test_readme.py checks it is up to date.

    python tools/function_table.py          # rewrite README.md
"""

import sys
from inspect import Parameter
from pathlib import Path

START, END = "<!-- function-table:start -->", "<!-- function-table:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _value(default):
    text = repr(default)
    return f"{default:.6g}" if isinstance(default, float) and len(text) > 8 else text


def table():
    import fastact as fa
    lines = ["| function | kind | parameters (defaults) | formula |", "|---|---|---|---|"]
    for name, rec in fa.ACTIVATIONS.items():
        params = ", ".join(p if d is Parameter.empty else f"{p}={_value(d)}"
                           for p, d in rec.params.items()) or "—"
        formula = rec.formula.replace("|", "\\|")
        lines.append(f"| `{name}` | {rec.kind} | {params} | {formula} |")
    return "\n".join(lines)


def render(text):
    """README text with the table between the markers replaced."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    text = README.read_text()
    if START not in text:
        sys.exit(f"{README} has no {START} marker")
    README.write_text(render(text))

"""Charts for the command line: ``fastact plot`` (curves and derivatives from
the registry) and ``fastact bench --plot`` (speed-ups from bench results).

matplotlib comes from the ``plot`` extra and is imported only here, only
when a chart is drawn, with the Agg backend (no display needed).
"""

import numpy as np

MISSING = ("fastact: drawing charts needs matplotlib, which is not installed. "
           "Install it with: pip install 'fastact[plot]'")


class MissingMatplotlib(RuntimeError):
    """matplotlib is not installed (the ``plot`` extra)."""


def pyplot():
    """matplotlib.pyplot on the Agg backend, or MissingMatplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise MissingMatplotlib(MISSING) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def parse_spec(spec):
    """'NAME' or 'NAME:key=value,key=value' -> (name, {key: value}); values
    are numbers where they parse as numbers (gelu:approximate=tanh,
    leaky_relu:negative_slope=0.2)."""
    name, _, rest = spec.partition(":")
    params = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"expected key=value in {spec!r}, got {item!r}")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            params[key.strip()] = value.strip()
    return name.strip(), params


def _curves(spec, x):
    """(label, y, dy/dx) of one element-wise function of the registry."""
    from ._registry import ACTIVATIONS
    from inspect import Parameter

    name, params = parse_spec(spec)
    rec = ACTIVATIONS.get(name)
    if rec is None:
        raise ValueError(f"unknown function {name!r}; choose from "
                         f"{', '.join(sorted(ACTIVATIONS))}")
    if rec.kind != "elementwise":
        raise ValueError(f"{name} is {rec.kind}-wise, not a function of one "
                         "number; fastact plot draws the element-wise functions")
    unknown = set(params) - set(rec.params)
    if unknown:
        raise ValueError(f"{name} has no parameter {', '.join(sorted(unknown))}; "
                         f"it takes {', '.join(rec.params) or 'none'}")
    missing = [p for p, d in rec.params.items() if d is Parameter.empty and p not in params]
    if missing:
        raise ValueError(f"{name} needs {', '.join(missing)}: write it as "
                         f"{name}:{'=...,'.join(missing)}=...")
    # rrelu and prelu take their parameters positionally or by keyword; the
    # backward takes every parameter by keyword (API.md section 3).
    y = rec.forward(x, **params)
    dy = rec.backward(1.0, x, **params)
    if isinstance(dy, tuple):                     # prelu: (grad_input, grad_weight)
        dy = dy[0]
    return spec, y, dy


def plot_activations(specs, path, lo=-5.0, hi=5.0, grad=False, points=2001):
    """Draw the curves of ``specs`` (and their derivatives) into ``path``."""
    x = np.linspace(lo, hi, points)
    curves = [_curves(spec, x) for spec in specs]   # refuse bad names first
    plt = pyplot()
    ncols = 2 if grad else 1
    fig, axes = plt.subplots(1, ncols, figsize=(6.5 * ncols, 4.5), squeeze=False)
    panels = [(axes[0, 0], 1, "f(x)")] + ([(axes[0, 1], 2, "f'(x)")] if grad else [])
    for ax, column, title in panels:
        for curve in curves:
            ax.plot(x, curve[column], label=curve[0], linewidth=1.6)
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.axvline(0, color="0.6", linewidth=0.6)
        ax.set_xlim(lo, hi)
        ax.set_xlabel("x")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize="small", ncol=2 if len(curves) > 6 else 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bench_label(row):
    return (f"{row['name']} {row['dtype']} n={row['size']:,}"
            f" ({row['threads']} thr)")


def plot_bench(results, path):
    """A horizontal bar chart of the speed-ups (baseline time / fastact time,
    log scale) of ``fastact bench``'s result rows, one bar per baseline."""
    plt = pyplot()
    libs = sorted({key for row in results for key in row
                   if key not in ("name", "size", "dtype", "threads", "fastact")
                   and isinstance(row[key], (int, float))})
    n = len(results)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * n * max(1, len(libs))))
    height = 0.8 / max(1, len(libs))
    ypos = np.arange(n)
    for k, lib in enumerate(libs):
        speedups = [row[lib] / row["fastact"] if lib in row else np.nan
                    for row in results]
        # bars from 1 to the speed-up: right where fastact is faster
        ax.barh(ypos + k * height, np.asarray(speedups) - 1, height, left=1,
                label=f"vs {lib}")
    ax.set_yticks(ypos + height * (len(libs) - 1) / 2)
    ax.set_yticklabels([_bench_label(row) for row in results], fontsize="small")
    ax.invert_yaxis()
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xlabel("speed-up of fastact (x faster; > 1: fastact is faster)")
    ax.grid(axis="x", alpha=0.3, which="both")
    if libs:
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

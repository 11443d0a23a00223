"""The ``fastact`` command (also ``python -m fastact``).

Exit codes: 0 success, 2 bad arguments (argparse's convention), 3 an
optional dependency is missing (matplotlib for charts).
"""

import argparse
import os
import sys
import tempfile

EXIT_USAGE = 2
EXIT_MISSING = 3


def _parser():
    parser = argparse.ArgumentParser(
        prog="fastact", description="Fast, accurate activation functions for NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("info", help="print the build and thread configuration "
                                "(the same as fastact.show_config())")

    plot = sub.add_parser(
        "plot", help="draw activation curves (and derivatives) into a PNG",
        description="Draw element-wise activations from fastact.ACTIVATIONS. "
                    "Parameters go after a colon: gelu:approximate=tanh, "
                    "leaky_relu:negative_slope=0.2. Needs matplotlib "
                    "(pip install 'fastact[plot]').")
    plot.add_argument("names", nargs="+", metavar="NAME",
                      help="element-wise functions, optionally NAME:key=value,...")
    plot.add_argument("--grad", action="store_true",
                      help="also draw the derivatives (from the backward functions)")
    plot.add_argument("--range", nargs=2, type=float, default=(-5.0, 5.0),
                      metavar=("LO", "HI"), help="x range (default: -5 5)")
    plot.add_argument("-o", "--output", default="activations.png", metavar="FILE.png",
                      help="where to write the chart (default: activations.png)")

    bench = sub.add_parser("bench", help="time fastact against NumPy/SciPy/PyTorch "
                                         "in one run and print the speed-ups")
    bench.add_argument("names", nargs="*", metavar="NAME",
                       help="functions to time, NAME_backward for a backward "
                            "(default: all, forward and backward)")
    bench.add_argument("--quick", action="store_true",
                       help="the common functions, forward and backward, at 1e3 and "
                            "1e6 elements, fewer repeats (a minute or two)")
    bench.add_argument("--sizes", type=int, nargs="+", help="array sizes")
    bench.add_argument("--dtype", nargs="+", default=["float32", "float64"],
                       choices=["float32", "float64"], help="dtypes")
    bench.add_argument("--threads", type=int, nargs="+",
                       help="thread counts (default: 1 and all)")
    bench.add_argument("--against", default="numpy,scipy,torch",
                       help="comma-separated baselines; missing ones are skipped")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.add_argument("--markdown", metavar="FILE",
                       help="also write the table as Markdown (as in the README)")
    bench.add_argument("--plot", metavar="FILE.png",
                       help="also draw the speed-ups as a bar chart (needs matplotlib)")
    return parser


def _fail(message, code):
    print(message, file=sys.stderr)
    return code


def _plot(args):
    from . import _plot
    lo, hi = args.range
    if not lo < hi:
        return _fail(f"fastact plot: --range needs LO < HI, got {lo} {hi}", EXIT_USAGE)
    try:
        _plot.plot_activations(args.names, args.output, lo, hi, grad=args.grad)
    except _plot.MissingMatplotlib as exc:
        return _fail(str(exc), EXIT_MISSING)
    except (ValueError, TypeError) as exc:
        return _fail(f"fastact plot: {exc}", EXIT_USAGE)
    print(f"wrote {args.output}")
    return 0


def _bench(args):
    """Run the bench; with --plot, chart the results it wrote as JSON (the
    bench itself is left as it is: the chart reads its results list)."""
    from . import _bench
    if not args.plot:
        return _bench.main(args)
    from . import _plot
    try:
        _plot.pyplot()                    # refuse before minutes of timing
    except _plot.MissingMatplotlib as exc:
        return _fail(str(exc), EXIT_MISSING)
    import json
    with tempfile.TemporaryDirectory() as tmp:
        user_json = args.json
        args.json = user_json or os.path.join(tmp, "bench.json")
        code = _bench.main(args)
        if code != 0:
            return code
        with open(args.json) as f:
            results = json.load(f)["results"]
        args.json = user_json
    _plot.plot_bench(results, args.plot)
    print(f"wrote {args.plot}")
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "info":
        from ._config import show_config
        show_config()
        return 0
    if args.command == "plot":
        return _plot(args)
    if args.command == "bench":
        return _bench(args)
    return EXIT_USAGE

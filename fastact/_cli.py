"""The ``fastact`` command (also ``python -m fastact``)."""

import argparse


def _parser():
    parser = argparse.ArgumentParser(
        prog="fastact", description="Fast, accurate activation functions for NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("info", help="print the build and thread configuration "
                                "(the same as fastact.show_config())")

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
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "info":
        from ._config import show_config
        show_config()
        return 0
    if args.command == "bench":
        from . import _bench
        return _bench.main(args)
    return 2

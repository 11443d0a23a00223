"""Time every function (forward and backward) at 10^6 elements, float32 and
float64, on all threads, against NumPy/SciPy/PyTorch in one run, and write
the table into README.md between <!-- bench-table:start --> and
<!-- bench-table:end --> (the same cases and Markdown as
`fastact bench --sizes 1000000 --threads N --markdown FILE`). Run it from the
repository root on a quiet machine, with fastact importable:

    python tools/readme_bench.py [--json FILE]
"""

import argparse
import json
import re
from pathlib import Path

import fastact as fa
from fastact import _bench

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results as JSON")
    args = parser.parse_args()
    threads = [fa.get_num_threads()]
    names = list(_bench.CASES) + list(_bench.BACKWARD_NAMES)
    results, libs = _bench.run(names, [1_000_000], ["float32", "float64"], threads,
                               ["numpy", "scipy", "torch"], min_time=0.05, repeats=7)
    config = fa._config.config()
    table = _bench.format_markdown(results, libs, config)
    text = README.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    README.write_text(pattern.sub(lambda _: f"{START}\n{table}\n{END}", text))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": config, "results": results}, f, indent=1)
    print(_bench.format_table(results, libs))


if __name__ == "__main__":
    main()

"""Measure what `import fastact` adds to `import numpy` (the budget is 15 ms).

Runs fresh interpreters, alternating the two, and reports the medians
(python tools/import_time.py [runs]). Run it outside the checkout's root or
with the package installed: it imports whatever 'fastact' Python finds.
"""

import statistics
import subprocess
import sys
import tempfile

CODE = ("import time; t = time.perf_counter(); import numpy{extra}; "
        "print(time.perf_counter() - t)")


def once(extra):
    out = subprocess.run([sys.executable, "-c", CODE.format(extra=extra)],
                         capture_output=True, text=True, check=True,
                         cwd=tempfile.gettempdir())
    return float(out.stdout)


def main(runs=21):
    base, with_fastact = [], []
    for _ in range(runs):
        base.append(once(""))
        with_fastact.append(once(", fastact"))
    b, f = statistics.median(base), statistics.median(with_fastact)
    print(f"import numpy:          {b * 1e3:6.1f} ms (median of {runs})")
    print(f"import numpy, fastact: {f * 1e3:6.1f} ms")
    print(f"fastact adds:          {(f - b) * 1e3:6.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)

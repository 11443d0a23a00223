"""``fastact bench``: time fastact against NumPy/SciPy/PyTorch in one run.

Timings are medians of several repeats of calls long enough for the clock;
speed-ups are ratios within the same run, since shared machines are noisy.
"""

import json
import sys
import time

import numpy as np

from ._baselines import BASELINES, CASES, fastact_case


def _median_time(fn, min_time, repeats):
    """Median seconds per call of ``fn``."""
    fn()                                  # warm up (imports, page faults)
    number = 1
    while True:                           # calls per repeat: enough to time
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1 << 20:
            break
        number *= 2 if elapsed <= 0 else max(2, int(min_time / elapsed * 1.2))
    samples = [elapsed / number]
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return float(np.median(samples))


def _available(lib):
    try:
        __import__({"scipy": "scipy.special"}.get(lib, lib))
        return True
    except ImportError:
        return False


def run(names, sizes, dtypes, threads, against, min_time, repeats, progress=True):
    """Time every case; returns a list of result dicts."""
    import fastact as fa

    libs = [lib for lib in against if _available(lib)]
    cases = [(n, s, d, t) for n in names for s in sizes for d in dtypes for t in threads]
    results = []
    rng = np.random.default_rng(0)
    for k, (name, size, dtype, nthreads) in enumerate(cases, 1):
        if progress:
            bar = "#" * (30 * k // len(cases))
            print(f"\r[{bar:<30}] {k}/{len(cases)} {name} {dtype} n={size:<9}",
                  end="", file=sys.stderr, flush=True)
        x = rng.standard_normal(size).astype(dtype) * 4
        row = {"name": name, "size": size, "dtype": dtype, "threads": nthreads}
        with fa.num_threads(nthreads):
            row["fastact"] = _median_time(fastact_case(name)(x), min_time, repeats)
            for lib in libs:
                factory = BASELINES[name].get(lib)
                if factory is None:
                    continue
                if lib == "torch":
                    import torch
                    torch.set_num_threads(nthreads)
                row[lib] = _median_time(factory(x), min_time, repeats)
        results.append(row)
    if progress:
        print(file=sys.stderr)
    return results, libs


def format_table(results, libs):
    """A plain-text table: times in microseconds and speed-ups (x faster)."""
    head = f"{'function':<10} {'dtype':<8} {'size':>9} {'thr':>3} {'fastact us':>11}"
    for lib in libs:
        head += f" {lib + ' us':>11} {'speed-up':>8}"
    lines = [head, "-" * len(head)]
    for r in results:
        line = (f"{r['name']:<10} {r['dtype']:<8} {r['size']:>9} {r['threads']:>3}"
                f" {r['fastact'] * 1e6:>11.1f}")
        for lib in libs:
            if lib in r:
                line += f" {r[lib] * 1e6:>11.1f} {r[lib] / r['fastact']:>7.1f}x"
            else:
                line += f" {'-':>11} {'-':>8}"
        lines.append(line)
    return "\n".join(lines)


def main(args):
    import fastact as fa

    if args.quick:
        sizes = args.sizes or [1000, 100_000, 1_000_000]
        min_time, repeats = 0.01, 3
    else:
        sizes = args.sizes or [1000, 100_000, 1_000_000, 10_000_000]
        min_time, repeats = 0.05, 7
    names = args.names or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"fastact bench: unknown function(s) {', '.join(unknown)}; "
              f"choose from {', '.join(CASES)}", file=sys.stderr)
        return 2
    threads = args.threads or sorted({1, fa.get_num_threads()})
    results, libs = run(names, sizes, args.dtype, threads, args.against.split(","),
                        min_time, repeats)
    print(format_table(results, libs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": fa._config.config(), "results": results}, f, indent=1)
    return 0

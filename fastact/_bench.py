"""``fastact bench``: time fastact against NumPy/SciPy/PyTorch in one run.

Timings are medians of several repeats of calls long enough for the clock,
the repeats of fastact and its baselines interleaved; speed-ups are ratios
within the same run, since shared machines are noisy.
"""

import json
import sys
import time

import numpy as np

from ._baselines import BASELINES, CASES, fastact_case
from ._baselines_backward import BACKWARD_BASELINES, fastact_backward_case

# The default of --quick: the functions people use most, forward and backward.
QUICK = ("relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "silu", "softplus", "mish",
         "softmax", "logsumexp", "relu_backward", "sigmoid_backward", "gelu_backward",
         "silu_backward")
BACKWARD_NAMES = tuple(name + "_backward" for name in BACKWARD_BASELINES)


def _factories(name):
    """(fastact factory, {library: factory}) for a case name; each factory
    takes the input x. Backward cases (NAME_backward) use grad_output = 1."""
    if name.endswith("_backward"):
        base = name[:-len("_backward")]

        def with_ones(make):
            return lambda x: make(np.ones_like(x), x)
        return (with_ones(fastact_backward_case(base)),
                {lib: with_ones(f) for lib, f in BACKWARD_BASELINES[base].items()})
    return fastact_case(name), BASELINES[name]


def _calls_per_repeat(fn, min_time):
    """Calls of ``fn`` that take at least ``min_time`` seconds together."""
    fn()                                  # warm up (imports, page faults)
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1 << 20:
            return number
        number *= 2 if elapsed <= 0 else max(2, int(min_time / elapsed * 1.2))


def _median_times(fns, min_time, repeats):
    """{key: median seconds per call} of the callables in ``fns``, their
    repeats interleaved (one repeat of each in turn), so that a burst of
    load on a shared machine slows every contestant of a case alike
    instead of one of them (the ratios moved by 2x between runs when each
    was timed in one go)."""
    numbers = {key: _calls_per_repeat(fn, min_time) for key, fn in fns.items()}
    samples = {key: [] for key in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            number = numbers[key]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[key].append((time.perf_counter() - start) / number)
    return {key: float(np.median(times)) for key, times in samples.items()}


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
        own, baselines = _factories(name)
        with fa.num_threads(nthreads):
            fns = {"fastact": own(x)}
            for lib in libs:
                factory = baselines.get(lib)
                if factory is None:
                    continue
                if lib == "torch":
                    import torch
                    torch.set_num_threads(nthreads)
                fns[lib] = factory(x)
            row.update(_median_times(fns, min_time, repeats))
        results.append(row)
    if progress:
        print(file=sys.stderr)
    return results, libs


def geometric_means(results, libs):
    """{library: geometric mean of its time / fastact's} over the rows that
    have the library."""
    means = {}
    for lib in libs:
        ratios = [r[lib] / r["fastact"] for r in results if lib in r]
        if ratios:
            means[lib] = float(np.exp(np.mean(np.log(ratios))))
    return means


def cpu_model():
    """The processor's name (Linux: /proc/cpuinfo), else what platform says."""
    import platform

    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions(libs):
    versions = []
    for lib in libs:
        module = {"scipy": "scipy", "torch": "torch"}.get(lib)
        if module is not None:
            try:
                versions.append(f"{lib} {__import__(module).__version__}")
            except ImportError:
                pass
    return versions


def format_markdown(results, libs, config):
    """The table as Markdown (for the README), with the machine it ran on."""
    versions = ", ".join([f"numpy {config['numpy']}"] + _versions(libs))
    lines = [f"Measured by `fastact bench` on {cpu_model()}, {config['cpus']} CPUs "
             f"({config['simd'].split(' (')[0]}), {config['compiler']}, {versions}; "
             "times in microseconds, speed-up = baseline time / fastact time "
             "(same run).", "",
             "| function | dtype | size | threads | fastact | "
             + " | ".join(f"{lib} | speed-up" for lib in libs) + " |",
             "|---" * (5 + 2 * len(libs)) + "|"]
    for r in results:
        cells = [r["name"], r["dtype"], str(r["size"]), str(r["threads"]),
                 f"{r['fastact'] * 1e6:.1f}"]
        for lib in libs:
            cells += ([f"{r[lib] * 1e6:.1f}", f"{r[lib] / r['fastact']:.2f}x"]
                      if lib in r else ["-", "-"])
        lines.append("| " + " | ".join(cells) + " |")
    means = geometric_means(results, libs)
    lines += ["", "Geometric mean speed-up: " + ", ".join(
        f"{lib} {m:.2f}x" for lib, m in means.items())]
    return "\n".join(lines)


def format_table(results, libs):
    """A plain-text table: times in microseconds and speed-ups (x faster)."""
    head = f"{'function':<18} {'dtype':<8} {'size':>9} {'thr':>3} {'fastact us':>11}"
    for lib in libs:
        head += f" {lib + ' us':>11} {'speed-up':>8}"
    lines = [head, "-" * len(head)]
    for r in results:
        line = (f"{r['name']:<18} {r['dtype']:<8} {r['size']:>9} {r['threads']:>3}"
                f" {r['fastact'] * 1e6:>11.1f}")
        for lib in libs:
            if lib in r:
                line += f" {r[lib] * 1e6:>11.1f} {r[lib] / r['fastact']:>7.1f}x"
            else:
                line += f" {'-':>11} {'-':>8}"
        lines.append(line)
    means = geometric_means(results, libs)
    if means:
        lines.append("geometric mean speed-up: " + ", ".join(
            f"{lib} {m:.2f}x" for lib, m in means.items()))
    return "\n".join(lines)


def main(args):
    import fastact as fa

    if args.quick:
        sizes = args.sizes or [1000, 1_000_000]
        min_time, repeats = 0.01, 3
        names = args.names or list(QUICK)
    else:
        sizes = args.sizes or [1000, 100_000, 1_000_000, 10_000_000]
        min_time, repeats = 0.05, 7
        names = args.names or list(CASES) + list(BACKWARD_NAMES)
    known = set(CASES) | set(BACKWARD_NAMES)
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"fastact bench: unknown function(s) {', '.join(unknown)}; "
              f"choose from {', '.join(sorted(known))}", file=sys.stderr)
        return 2
    threads = args.threads or sorted({1, fa.get_num_threads()})
    results, libs = run(names, sizes, args.dtype, threads, args.against.split(","),
                        min_time, repeats)
    print(format_table(results, libs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": fa._config.config(), "results": results}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(format_markdown(results, libs, fa._config.config()) + "\n")
    return 0

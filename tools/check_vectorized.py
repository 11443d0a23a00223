"""Report which compiled kernel loops use SIMD vector instructions.

Disassembles the kernel modules (objdump) and, for every generated loop
(`_loop_<ufunc>_<float|double>`, the gated units' `_gloop_<name>_<float|double>`,
the v4 build's AVX-512 float32 kernels `fa16_<name>_block` (_simd16.h),
the blocks of the float64 backward loops that redo underflowed derivatives,
`_tblock_<ufunc>_double`, and their OpenMP outlined bodies), counts
packed floating-point arithmetic on 256-bit (ymm) and 512-bit (zmm)
registers and calls into libm (which stop vectorisation; a _tblock's calls are its
scalar redo in long double, _vjp_tails.pxd).

Needs symbols: build with FASTACT_STRIP=0, e.g.
    FASTACT_STRIP=0 python setup.py build_ext --inplace
    python tools/check_vectorized.py fastact/_kernels_v4*.so
"""

import collections
import re
import subprocess
import sys

# any packed single/double instruction (arithmetic, compares, blends, moves)
PACKED = re.compile(r"\s(v\w*p[sd])\s")
# the OpenMP-outlined bodies hold the loops (the serial build has none:
# then the whole loop function counts)
LOOP = re.compile(r"_(?:g?loop|tblock)_(\w+?)_(float|double)(\._omp_fn\.\d+|\.isra\.\d+)?>:")
# the v4 build's AVX-512 float32 kernels (_simd16.h), which its float32
# loops of those ufuncs call instead of their own vectorised loop
SIMD16_BLOCK = re.compile(r"<fa16_(\w+?)_block>:")
IGNORED_CALLS = ("GOMP", "omp_", "__pyx", "_loop", "Py", "fegetexceptflag",
                 "fesetexceptflag")


def analyse(path):
    asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    stats = collections.defaultdict(lambda: {"ymm": 0, "zmm": 0, "xmm": 0, "calls": set()})
    current = None
    for line in asm.splitlines():
        if line.endswith(">:"):
            m = LOOP.search(line)
            b = SIMD16_BLOCK.search(line)
            current = (m.group(1), m.group(2)) if m else (
                ("simd16 " + b.group(1), "float") if b else None)
            continue
        if current is None:
            continue
        if "call" in line:
            target = re.search(r"<([^>@+]+)", line)
            if target and not target.group(1).startswith(IGNORED_CALLS):
                stats[current]["calls"].add(target.group(1))
        if PACKED.search(line):
            for reg in ("zmm", "ymm", "xmm"):
                if reg in line:
                    stats[current][reg] += 1
                    break
    return stats


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    for path in paths:
        stats = analyse(path)
        if not stats:
            print(f"{path}: no loop symbols (build with FASTACT_STRIP=0)")
            continue
        print(f"\n{path}")
        print(f"{'kernel':<22} {'dtype':<7} {'zmm':>5} {'ymm':>5} {'xmm':>5}  vectorised  calls")
        for (kernel, dtype), s in sorted(stats.items()):
            wide = s["zmm"] + s["ymm"]
            verdict = "yes" if wide else "no"
            print(f"{kernel:<22} {dtype:<7} {s['zmm']:>5} {s['ymm']:>5} {s['xmm']:>5}  "
                  f"{verdict:<10}  {', '.join(sorted(s['calls'])) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

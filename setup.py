"""Build fastact's compiled kernels.

- Renders the templates (*.tp) from the one table, fastact/_table.py.
- Builds with OpenMP when the compiler supports it (gcc/clang -fopenmp,
  MSVC /openmp, Apple clang with Homebrew's libomp); otherwise warns and
  builds the same sources serially. FASTACT_OPENMP=0 forces serial.
- FASTACT_DEBUG=1 turns Cython's checks (bounds, wraparound, ...) back on
  and builds with -O0 -g.
- FASTACT_SANITIZE=1 (gcc/clang) builds with AddressSanitizer and
  UndefinedBehaviorSanitizer; any finding aborts. Python must then run with
  the sanitizer runtime preloaded: tools/run_checked.sh does it all.
- CPU dispatch: on x86-64 the kernels are compiled once per instruction-set
  level (baseline x86-64, x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512 with
  512-bit vectors) as _kernels_<level>; fastact/_dispatch.py imports the best
  one the CPU supports. Other architectures and MSVC build the baseline only.
  FASTACT_LEVELS=baseline,v3 limits the levels built.
"""

import os
import platform
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent.resolve()
PKG = HERE / "fastact"
DEBUG = os.environ.get("FASTACT_DEBUG", "0") not in ("", "0")
SANITIZE = os.environ.get("FASTACT_SANITIZE", "0") not in ("", "0")
# Compile and link flags of the sanitized build. No recovery: a finding is a
# crash the test run cannot miss.
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fno-omit-frame-pointer", "-g"]


def load_table():
    """fastact/_table.py as a module, without importing fastact."""
    namespace = {"__name__": "fastact_table"}
    code = (PKG / "_table.py").read_text()
    exec(compile(code, str(PKG / "_table.py"), "exec"), namespace)
    return namespace


# Instruction-set levels and their flags (gcc/clang). The same kernels are
# compiled for each; _dispatch.py chooses at import.
X86_LEVELS = {
    "baseline": [],
    "v3": ["-march=x86-64-v3"],                                   # AVX2, FMA
    "v4": ["-march=x86-64-v4", "-mprefer-vector-width=512"],      # AVX-512
}


def levels():
    """The levels to build here, by name."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        names = ["baseline"]
    else:
        names = list(X86_LEVELS)
    wanted = os.environ.get("FASTACT_LEVELS")
    if wanted:
        names = [n for n in names if n in wanted.split(",")] or ["baseline"]
    if "baseline" not in names:
        names.insert(0, "baseline")       # _dispatch needs it on every CPU
    return names


def write_if_changed(target, text):
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def render_templates():
    """Write X from every X.tp in fastact/ (the kernels and their stubs once
    per level)."""
    from Cython import Tempita

    table = load_table()
    context = {"KERNEL_ROWS": table["kernel_rows"](),
               "ELEMENTWISE": table["ELEMENTWISE"],
               "GATED_KERNELS": table["gated_kernel_rows"]()}
    for template in sorted(PKG.glob("*.tp")):
        text = Tempita.sub(template.read_text(), **context)
        if template.name.startswith("_kernels."):     # .pyx and its .pyi stub
            suffix = template.suffixes[-2]
            for level in levels():
                write_if_changed(PKG / f"_kernels_{level}{suffix}", text)
        else:
            write_if_changed(template.with_suffix(""), text)


# Cython directives, set once for every module. The debug switch turns the
# safety checks back on.
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "cpow": True,
    "embedsignature": True,
}


def compiler_type(cmd):
    return cmd.compiler.compiler_type  # 'unix' or 'msvc'


def openmp_flags(cmd):
    """(compile flags, link flags) that enable OpenMP, or None."""
    if os.environ.get("FASTACT_OPENMP", "1") in ("0", "", "false", "no"):
        return None
    if compiler_type(cmd) == "msvc":
        candidates = [(["/openmp"], [])]
    elif sys.platform == "darwin":
        prefix = os.environ.get("LIBOMP_PREFIX", "/opt/homebrew/opt/libomp")
        candidates = [(["-Xpreprocessor", "-fopenmp", f"-I{prefix}/include"],
                       [f"-L{prefix}/lib", "-lomp"]),
                      (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    for cflags, lflags in candidates:
        if compiles_and_links(cmd, cflags, lflags):
            return cflags, lflags
    return None


def compiles_and_links(cmd, cflags, lflags):
    """Try a tiny OpenMP program with the build's own compiler."""
    source = textwrap.dedent("""
        #include <omp.h>
        int main(void) {
            int n = 0;
            #pragma omp parallel reduction(+:n)
            n += 1;
            return n > 0 ? 0 : 1;
        }
    """)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "check_openmp.c")
        with open(src, "w") as f:
            f.write(source)
        try:
            objects = cmd.compiler.compile([src], output_dir=tmp,
                                           extra_postargs=cflags)
            cmd.compiler.link_executable(objects, "check_openmp",
                                         output_dir=tmp, extra_postargs=lflags)
        except Exception:
            return False
    return True


def compiles(cmd, cflags):
    """Whether the build's compiler accepts these flags."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "check_flags.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        try:
            cmd.compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
        except Exception:
            return False
    return True


class BuildExt(build_ext):
    """Adds OpenMP, the optimisation flags and the instruction-set level of
    each kernel module, per compiler."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1   # the levels compile at once

    def build_extensions(self):
        self.extensions = [ext for ext in self.extensions if self.level_supported(ext)]
        omp = openmp_flags(self)
        if omp is None:
            warnings.warn("fastact: building without OpenMP (FASTACT_OPENMP=0 "
                          "or the compiler does not support it); the kernels "
                          "will run on one thread.")
            cflags, lflags = [], []
        else:
            cflags, lflags = omp
        if compiler_type(self) == "msvc":
            opt = ["/Od", "/Zi"] if DEBUG else ["/O2", "/fp:precise"]
        else:
            # -O3 without -ffast-math: NaN and inf must keep their meaning.
            # No FMA contraction, so a value gets the same bits in a vector
            # body, a scalar tail or another thread's chunk.
            opt = (["-O0", "-g"] if DEBUG else ["-O3", "-g0"]) + [
                "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off",
                "-Wno-unused-function", "-Wno-unreachable-code"]
            if not DEBUG:
                # `cdef inline` must really inline: GCC's size heuristics
                # otherwise leave fa_exp as a call in some loops, and a call
                # stops vectorisation (tools/check_vectorized.py shows it).
                opt.append('-DCYTHON_INLINE=inline __attribute__((always_inline))')
                # Horner loops over constant coefficient tables (up to 36
                # terms) must unroll completely for the same reason.
                opt += ["--param=max-completely-peel-times=40",
                        "--param=max-completely-peeled-insns=1000"]
        if SANITIZE:
            if compiler_type(self) == "msvc":
                raise SystemExit("FASTACT_SANITIZE=1 needs gcc or clang")
            opt += SANITIZE_FLAGS
            lflags = lflags + SANITIZE_FLAGS
        for ext in self.extensions:
            level_flags = [] if compiler_type(self) == "msvc" else X86_LEVELS[ext.level]
            ext.extra_compile_args = opt + level_flags + cflags + ext.extra_compile_args
            ext.extra_link_args = lflags + ext.extra_link_args
            strip = os.environ.get("FASTACT_STRIP", "1") != "0"   # 0: keep symbols
            if strip and not (DEBUG or SANITIZE) and compiler_type(self) == "unix" and sys.platform.startswith("linux"):
                ext.extra_link_args.append("-s")   # strip: small wheel
        super().build_extensions()

    def level_supported(self, ext):
        if ext.level == "baseline":
            return True
        if compiler_type(self) != "msvc" and compiles(self, X86_LEVELS[ext.level]):
            return True
        warnings.warn(f"fastact: the compiler cannot build the {ext.level} "
                      "kernels; that level is left out.")
        return False


def extensions():
    from Cython.Build import cythonize
    import numpy

    render_templates()
    exts = []
    for level in levels():
        ext = Extension(
            f"fastact._kernels_{level}",
            sources=[f"fastact/_kernels_{level}.pyx"],
            include_dirs=[numpy.get_include(), "fastact"],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        )
        ext.level = level
        exts.append(ext)
    # Cython's own dependency tracking misses the cimported .pxd files here,
    # so regenerate the C whenever any kernel source is newer than it.
    sources = [p for pattern in ("*.pxd", "*.pxi", "*.h", "*.tp") for p in PKG.glob(pattern)]
    newest = max(src.stat().st_mtime for src in sources)
    stale = any(not (PKG / f"_kernels_{lvl}.c").exists()
                or (PKG / f"_kernels_{lvl}.c").stat().st_mtime < newest for lvl in levels())
    out = cythonize(exts, compiler_directives=DIRECTIVES,
                    include_path=[str(HERE)], force=stale)
    for ext in out:
        ext.level = ext.name.rsplit("_", 1)[1]       # fastact._kernels_<level>
    return out


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})

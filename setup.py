"""Build fastact's compiled kernels.

- Renders the templates (*.tp) from the one table, fastact/_table.py.
- Builds with OpenMP when the compiler supports it (gcc/clang -fopenmp,
  MSVC /openmp, Apple clang with Homebrew's libomp); otherwise warns and
  builds the same sources serially. FASTACT_OPENMP=0 forces serial.
- FASTACT_DEBUG=1 turns Cython's checks (bounds, wraparound, ...) back on
  and builds with -O0 -g.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent.resolve()
PKG = HERE / "fastact"
DEBUG = os.environ.get("FASTACT_DEBUG", "0") not in ("", "0")


def load_table():
    """fastact/_table.py as a module, without importing fastact."""
    namespace = {"__name__": "fastact_table"}
    code = (PKG / "_table.py").read_text()
    exec(compile(code, str(PKG / "_table.py"), "exec"), namespace)
    return namespace


def render_templates():
    """Write X from every X.tp in fastact/, if its text changed."""
    from Cython import Tempita

    table = load_table()
    context = {"KERNEL_ROWS": table["kernel_rows"](),
               "ELEMENTWISE": table["ELEMENTWISE"],
               "GATED_KERNELS": table["gated_kernel_rows"]()}
    for template in sorted(PKG.glob("*.tp")):
        target = template.with_suffix("")
        text = Tempita.sub(template.read_text(), **context)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)


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


class BuildExt(build_ext):
    """Adds OpenMP and the optimisation flags, per compiler."""

    def build_extensions(self):
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
        for ext in self.extensions:
            ext.extra_compile_args = opt + cflags + ext.extra_compile_args
            ext.extra_link_args = lflags + ext.extra_link_args
            if not DEBUG and compiler_type(self) == "unix" and sys.platform.startswith("linux"):
                ext.extra_link_args.append("-s")   # strip: small wheel
        super().build_extensions()


def extensions():
    from Cython.Build import cythonize
    import numpy

    render_templates()
    ext = Extension(
        "fastact._kernels",
        sources=["fastact/_kernels.pyx"],
        include_dirs=[numpy.get_include(), "fastact"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    # Cython's own dependency tracking misses the cimported .pxd files here,
    # so regenerate the C whenever any kernel source is newer than it.
    c_file = PKG / "_kernels.c"
    sources = [p for pattern in ("*.pxd", "*.pxi", "*.h", "*.tp") for p in PKG.glob(pattern)]
    stale = not c_file.exists() or any(
        src.stat().st_mtime > c_file.stat().st_mtime for src in sources)
    return cythonize([ext], compiler_directives=DIRECTIVES,
                     include_path=[str(HERE)], force=stale)


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})

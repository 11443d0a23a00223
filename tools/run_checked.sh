#!/usr/bin/env bash
# Run tests against a checked build of fastact, built in a temporary copy of
# this tree (the normal build is left alone):
#
#   tools/run_checked.sh sanitize [pytest args]   AddressSanitizer + UBSan
#   tools/run_checked.sh debug    [pytest args]   Cython's bounds/wraparound checks, -O0
#
# Without pytest args it runs the subset CI runs (below). The Python used
# ($PYTHON, default python3) needs numpy, Cython and setuptools to build, and
# the test extras (pip install '.[test]') to test. FASTACT_LEVELS=baseline
# builds one instruction-set level instead of every one this compiler can.
#
# Under the sanitizers CPython must start with the ASan runtime preloaded
# (the interpreter itself is not instrumented) and with leak detection off
# (CPython keeps objects alive at exit by design; the leak test,
# tests/test_memory.py, watches the process's memory instead).
set -euo pipefail

mode="${1:-}"
case "$mode" in
  sanitize) export FASTACT_SANITIZE=1 ;;
  debug) export FASTACT_DEBUG=1 ;;
  *) echo "usage: tools/run_checked.sh sanitize|debug [pytest args...]" >&2; exit 2 ;;
esac
shift

# The subsets CI runs: what is about inputs, layouts, out=, threads and
# fork; not the accuracy sweeps (mpmath-bound, over the same loops) nor the
# CLI. The memory test is meaningless under ASan (its quarantine holds freed
# memory) and runs in the debug build instead.
common=(tests/test_matrix.py tests/test_params.py tests/test_slopes.py
        tests/test_fuzz.py tests/test_fork.py tests/test_properties.py
        tests/test_elementwise_fast_path.py tests/test_axis_fast_path.py
        tests/test_gated_fast_path.py)
if [ "$mode" = sanitize ]; then
  subset=("${common[@]}" tests/test_behaviour.py tests/test_threads.py)
else
  subset=("${common[@]}" tests/test_memory.py)
fi
[ "$#" -gt 0 ] && subset=("$@")

python="${PYTHON:-python3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The sources without build products (they are regenerated).
tar -C "$root" -cf - --exclude=.git --exclude=build --exclude=dist --exclude='*.egg-info' \
    --exclude='*.so' --exclude='fastact/*.c' --exclude=__pycache__ --exclude=.hypothesis \
    --exclude=.pytest_cache --exclude=.benchmarks . | tar -C "$work" -xf -

echo "::: building the $mode build in $work"
start=$SECONDS
(cd "$work" && "$python" setup.py -q build_ext --inplace >build.log 2>&1) \
  || { tail -40 "$work/build.log"; exit 1; }
echo "built in $((SECONDS - start)) s"

if [ "$mode" = sanitize ]; then
  # the ASan runtime the extension was linked with
  so="$(ls "$work"/fastact/_kernels_baseline*.so)"
  libasan="$(ldd "$so" | awk '/libasan/ {print $3}')"
  [ -n "$libasan" ] || { echo "the build is not linked with libasan"; exit 1; }
  nm -D --undefined-only "$so" | grep -q __ubsan_handle \
    || { echo "the build is not instrumented by UBSan"; exit 1; }
  export LD_PRELOAD="$libasan"
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:check_initialization_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # The check is live: relu reading past the end of an array (through a view
  # NumPy cannot check) must be reported from fastact's own loop.
  if (cd "$work" && PYTHONPATH="$work" ASAN_OPTIONS=detect_leaks=0 "$python" -c "
import numpy as np, fastact
a = np.zeros(1000)
fastact.relu(np.lib.stride_tricks.as_strided(a, shape=(1100,)))") 2>"$work/canary.log" \
     || ! grep -q "heap-buffer-overflow" "$work/canary.log" \
     || ! grep -q "_loop_relu" "$work/canary.log"; then
    echo "AddressSanitizer did not report a read past an array in fastact's loop:"
    tail -20 "$work/canary.log"
    exit 1
  fi
  echo "AddressSanitizer reports a read past an array in fastact's loop: live"
fi

# Subprocesses the tests start (fork, thread settings) inherit all of this.
export PYTHONPATH="$work"
cd "$work"
"$python" -c "import fastact, sys; assert fastact.__file__.startswith('$work'), fastact.__file__; fastact.show_config()"
"$python" -m pytest -q -p no:cacheprovider "${subset[@]}"

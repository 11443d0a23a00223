"""fastact.scipy (API.md section 6): scipy.special's expit, log_expit,
softmax, log_softmax and logsumexp with the same signatures, defaults,
results and result dtypes."""

import inspect

import numpy as np
import pytest
import scipy.special as sp

from conftest import run_python
from fastact import scipy as sc

REAL = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
        "float16", "float32", "float64"]


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_signatures_are_scipys(name):
    ours, theirs = inspect.signature(getattr(sc, name)), inspect.signature(getattr(sp, name))
    assert list(ours.parameters) == list(theirs.parameters)
    for p in theirs.parameters.values():
        assert ours.parameters[p.name].default == p.default
        assert ours.parameters[p.name].kind == p.kind


@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize("name", ["expit", "log_expit", "softmax", "log_softmax", "logsumexp"])
def test_values_and_result_dtypes(name, dtype):
    x = np.array([[0, 1, 3], [2, 1, 0]]).astype(dtype)
    if name in ("softmax", "log_softmax") and dtype == "bool":
        # SciPy raises (x - max on bools); the drop-in computes on 0 and 1
        with pytest.raises(TypeError):
            getattr(sp, name)(x)
        got = getattr(sc, name)(x)
        assert got.dtype == np.float16
        np.testing.assert_allclose(got, getattr(sp, name)(x.astype(np.float16)), rtol=2e-3)
        return
    with np.errstate(all="ignore"):
        result = np.asarray(getattr(sp, name)(x)).dtype
        # SciPy's own values for unsigned input wrap around (x - max in
        # uint8): compare with SciPy on the values in float64 instead
        want = np.asarray(getattr(sp, name)(x.astype(np.float64))).astype(result)
    got = getattr(sc, name)(x)
    assert np.asarray(got).dtype == result
    rtol = {np.float16: 2e-3, np.float32: 4e-7}.get(result.type, 1e-14)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def test_defaults_reduce_over_the_whole_array():
    rng = np.random.default_rng(60)
    x = rng.standard_normal((4, 5)) * 3
    np.testing.assert_allclose(sc.softmax(x), sp.softmax(x), rtol=1e-14)
    assert abs(sc.softmax(x).sum() - 1) < 1e-14
    np.testing.assert_allclose(sc.log_softmax(x), sp.log_softmax(x), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(sc.logsumexp(x), sp.logsumexp(x), rtol=1e-15)
    for axis in (0, 1, (0, 1), -1):
        np.testing.assert_allclose(sc.softmax(x, axis), sp.softmax(x, axis), rtol=1e-14)
        np.testing.assert_allclose(sc.logsumexp(x, axis), sp.logsumexp(x, axis), rtol=1e-15)


def test_what_scipy_accepts():
    for name in ("expit", "log_expit", "softmax", "log_softmax", "logsumexp"):
        for x in (3, 2.5, [1.0, 2.0], [[1, 2], [3, 4]], np.float32(1.5), np.array(0.5)):
            got, want = getattr(sc, name)(x), getattr(sp, name)(x)
            assert type(got) is type(want), (name, x)
            np.testing.assert_allclose(got, want, rtol=1e-7)
    assert type(sc.expit(np.float32(2))) is np.float32
    out = np.empty(3)
    assert sc.expit(np.array([1.0, 2.0, 3.0]), out) is out
    np.testing.assert_allclose(out, sp.expit([1.0, 2.0, 3.0]), rtol=1e-15)
    assert sc.log_expit(np.array([1.0, 2.0, 3.0]), out=out) is out
    np.testing.assert_allclose(out, sp.log_expit([1.0, 2.0, 3.0]), rtol=1e-15)


def test_log_expit_tails():
    x = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, np.inf, -np.inf, np.nan])
    with np.errstate(all="raise"):
        got = sc.log_expit(x)
    np.testing.assert_allclose(got, sp.log_expit(x), rtol=1e-15)
    np.testing.assert_allclose(sc.log_expit(x.astype(np.float32)),
                               sp.log_expit(x.astype(np.float32)), rtol=4e-7)


def test_logsumexp_options_match_scipy():
    rng = np.random.default_rng(61)
    for _ in range(30):
        a = rng.standard_normal((3, 4)) * 5
        b = rng.standard_normal((3, 4))
        for axis in (None, 0, 1, (0, 1)):
            for keepdims in (False, True):
                got = sc.logsumexp(a, axis, b, keepdims, True)
                want = sp.logsumexp(a, axis, b, keepdims, True)
                np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-12)
                np.testing.assert_array_equal(got[1], want[1])
    # SciPy's sign of an empty sum
    assert sc.logsumexp([], return_sign=True) == sp.logsumexp([], return_sign=True)
    got, want = sc.logsumexp(np.zeros((2, 0)), 1, return_sign=True), \
        sp.logsumexp(np.zeros((2, 0)), 1, return_sign=True)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_complex_raises_type_error():
    for name in ("expit", "log_expit", "softmax", "log_softmax", "logsumexp"):
        with pytest.raises(TypeError):
            getattr(sc, name)(np.array([1j, 2.0]))


def test_import_does_not_import_scipy():
    out = run_python("-c", "import sys, fastact.scipy as sc; sc.softmax([1.0, 2.0]); "
                           "print('scipy' in sys.modules)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"

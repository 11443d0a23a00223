"""The Examples in the docstrings of every public function run and print
what they say (issue 6). They run on the imported package, so CI checks the
installed docstrings, generated ones included."""

import doctest

import pytest

import fastact as fa
from fastact import scipy as sc

PUBLIC = sorted({name for name in fa.__all__ if callable(getattr(fa, name))})
PUBLIC_SCIPY = sorted(sc.__all__)


def run_examples(obj, name):
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(obj, name, globs={}) if t.examples]
    assert tests, f"{name} has no examples in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} example(s) failed (printed above)"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_function_examples(name):
    run_examples(getattr(fa, name), f"fastact.{name}")


@pytest.mark.parametrize("name", PUBLIC_SCIPY)
def test_scipy_dropin_examples(name):
    run_examples(getattr(sc, name), f"fastact.scipy.{name}")


@pytest.mark.parametrize("name", sorted(n for n, r in fa.ACTIVATIONS.items()
                                        if r.kind == "elementwise"))
def test_notes_quote_the_measured_accuracy(name):
    doc = " ".join(getattr(fa, name).__doc__.split())
    assert "Measured maximum error" in doc and "Notes" in doc, name


@pytest.mark.parametrize("name, words", [
    ("gelu", ["jax.nn.gelu", "keras.ops.gelu", "approximate='tanh'"]),
    ("hard_sigmoid", ["0.2 * x + 0.5", "1/6"]),
    ("leaky_relu", ["Keras uses 0.2", "0.01"]),
])
def test_porting_notes_on_defaults(name, words):
    doc = " ".join(getattr(fa, name).__doc__.split())
    for word in words:
        assert word in doc, (name, word)

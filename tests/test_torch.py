"""PyTorch as the reference for names, defaults and the values at kinks
(issue 3: "defaults, parameter names and the value chosen at kinks match
PyTorch"). Skipped without torch. Where fastact differs on purpose (NaN in
the backward, limits at +-inf, softplus's exact default) the tests say so."""

import inspect

import numpy as np
import pytest

import fastact as fa

torch = pytest.importorskip("torch")
F = torch.nn.functional

# case -> (fastact name, torch callable taking (tensor, **kwargs), kwargs for
#          both, points including the kinks)
KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])
CASES = {
    "relu6": ("relu6", F.relu6, {}, KINKS),
    "leaky_relu": ("leaky_relu", F.leaky_relu, {}, KINKS),
    "leaky_relu_slope": ("leaky_relu", F.leaky_relu, {"negative_slope": 0.2}, KINKS),
    "rrelu": ("rrelu", lambda t, **k: F.rrelu(t, training=False, **k), {}, KINKS),
    "elu": ("elu", F.elu, {}, KINKS),
    "elu_alpha": ("elu", F.elu, {"alpha": 2.0}, KINKS),
    "selu": ("selu", F.selu, {}, KINKS),
    "celu": ("celu", F.celu, {}, KINKS),
    "celu_alpha": ("celu", F.celu, {"alpha": 0.5}, KINKS),
    "log_sigmoid": ("log_sigmoid", F.logsigmoid, {}, KINKS),
    "hard_sigmoid": ("hard_sigmoid", F.hardsigmoid, {}, KINKS),
    "hard_tanh": ("hard_tanh", F.hardtanh, {}, KINKS),
    "hard_tanh_range": ("hard_tanh", F.hardtanh, {"min_val": -0.5, "max_val": 3.0}, KINKS),
    "hard_swish": ("hard_swish", F.hardswish, {}, KINKS),
    "silu": ("silu", F.silu, {}, KINKS),
    "mish": ("mish", F.mish, {}, KINKS),
    "softplus": ("softplus", F.softplus, {"threshold": 20},
                 np.append(KINKS, [19.0, 20.0, 21.0])),
    "softplus_beta": ("softplus", F.softplus, {"beta": 2.0, "threshold": 20},
                      np.append(KINKS, [10.0, 10.5])),
    "softsign": ("softsign", F.softsign, {}, KINKS),
    "hard_shrink": ("hard_shrink", F.hardshrink, {}, KINKS),
    "soft_shrink": ("soft_shrink", F.softshrink, {}, KINKS),
    "soft_shrink_lambd": ("soft_shrink", F.softshrink, {"lambd": 1.0}, KINKS),
    "tanh_shrink": ("tanh_shrink", F.tanhshrink, {}, KINKS),
    "threshold": ("threshold", F.threshold, {"threshold": 0.5, "value": -2.0}, KINKS),
}


def torch_values(fn, x, kwargs):
    t = torch.tensor(x, requires_grad=True)
    y = fn(t, **kwargs)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def grid(points, dtype):
    """The kinks and a grid between them, with the kinks exactly."""
    return np.unique(np.concatenate([points, np.linspace(-8, 8, 321)])).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_kinks_match_pytorch(case, dtype):
    name, fn, kwargs, points = CASES[case]
    x = grid(points, dtype)
    ty, tg = torch_values(fn, x, kwargs)
    y = getattr(fa, name)(x, **kwargs)
    g = getattr(fa, name + "_backward")(1.0, x, **kwargs)
    # PyTorch's own rounding differs by a few ULP in places (and cancels near
    # zeros of derivatives): compare to a few ULP of the dtype, absolutely
    # near 0. At the kinks the choice must be the same: those values are
    # exact (0, 1, the slope) or agree to the same tolerance.
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(y, ty, rtol=8 * eps, atol=8 * eps)
    if case == "hard_sigmoid":
        # PyTorch 2.13's float64 hardsigmoid backward uses 1/6 rounded to
        # float32 (0.1666666716...); fastact gives grad_output / 6 rounded once.
        assert tg[(x > -3) & (x < 3)][0] == np.float32(1 / 6)
        eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(g, tg, rtol=8 * eps, atol=8 * eps)
    at_kinks = np.isin(x, points)               # the kinks' values: the same choice
    np.testing.assert_allclose(g[at_kinks], tg[at_kinks], rtol=8 * eps, atol=0)


def test_prelu_matches_pytorch_per_channel():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5))
    x[0, :, 0] = 0.0                                  # the kink
    w = np.array([0.1, 0.25, -0.3])
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    gy = rng.standard_normal(x.shape)
    ty = F.prelu(tx, tw)
    tgx, tgw = torch.autograd.grad(ty, (tx, tw), torch.tensor(gy))
    np.testing.assert_array_equal(fa.prelu(x, w), ty.detach().numpy())
    gx, gw = fa.prelu_backward(gy, x, weight=w)
    np.testing.assert_array_equal(gx, tgx.numpy())
    np.testing.assert_allclose(gw, tgw.numpy(), rtol=1e-13)


def test_rrelu_training_slopes_follow_pytorch_noise_semantics():
    """PyTorch's noise is 1 where x > 0 and a draw in [lower, upper] where
    x <= 0; the backward multiplies by it."""
    x = np.array([-1.0, 0.0, 2.0, -3.0])
    t = torch.tensor(x, requires_grad=True)
    ty = F.rrelu(t, 0.1, 0.3, training=True)
    (tg,) = torch.autograd.grad(ty.sum(), t)
    y, s = fa.rrelu(x, 0.1, 0.3, training=True, rng=0, return_slopes=True)
    for slopes in (tg.numpy(), s):
        assert slopes[2] == 1.0
        assert np.all((slopes[[0, 1, 3]] >= 0.1) & (slopes[[0, 1, 3]] <= 0.3))


def test_swish_with_beta_one_is_pytorch_silu():
    x = grid(KINKS, np.float64)
    ty, tg = torch_values(F.silu, x, {})
    np.testing.assert_allclose(fa.swish(x), ty, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(fa.swish_backward(1.0, x), tg, rtol=1e-15, atol=1e-16)


def _defaults(fn):
    return {p.name: p.default for p in inspect.signature(fn).parameters.values()
            if p.default is not p.empty and p.name != "inplace"}


@pytest.mark.parametrize("name,torch_fn", [
    ("leaky_relu", F.leaky_relu), ("rrelu", F.rrelu), ("elu", F.elu), ("celu", F.celu),
    ("hard_tanh", F.hardtanh), ("threshold", F.threshold)])
def test_defaults_and_names_match_pytorch_signatures(name, torch_fn):
    ours = fa.ACTIVATIONS[name].params
    for param, default in _defaults(torch_fn).items():
        assert ours[param] == default, (name, param)
    assert set(_defaults(torch_fn)) <= set(ours)


def test_defaults_match_pytorch_modules():
    """For the builtins without a Python signature, the nn modules' defaults."""
    params = {n: fa.ACTIVATIONS[n].params for n in fa.ACTIVATIONS}
    assert params["softplus"]["beta"] == torch.nn.Softplus().beta
    assert params["softplus"]["threshold"] is None          # PyTorch: 20 (documented)
    assert torch.nn.Softplus().threshold == 20
    assert params["hard_shrink"]["lambd"] == torch.nn.Hardshrink().lambd
    assert params["soft_shrink"]["lambd"] == torch.nn.Softshrink().lambd
    assert params["prelu"]["axis"] == 1                      # PyTorch's channel dim
    assert params["gelu"]["approximate"] == "none"


def test_limits_where_pytorch_returns_nan():
    """PyTorch gives NaN at -inf for these (and +-inf for softsign); fastact
    the mathematical limit."""
    x = np.array([-np.inf, np.inf])
    t = torch.tensor(x)
    for name, tfn in (("silu", F.silu), ("mish", F.mish), ("hard_swish", F.hardswish),
                      ("softsign", F.softsign)):
        assert np.isnan(tfn(t).numpy()).any(), name        # PyTorch 2.13
        assert not np.isnan(getattr(fa, name)(x)).any(), name
    np.testing.assert_array_equal(fa.softsign(x), [-1.0, 1.0])

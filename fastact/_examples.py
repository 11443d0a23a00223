"""Examples (doctests) of the public functions, kept apart from the other
docstring text like ``_docs.py``; ``attach`` appends an Examples section to
every docstring that has none. tests/test_doctests.py runs them all."""

EXAMPLES = {
    "tanh": """\
>>> import fastact as fa
>>> fa.tanh([-2.0, 0.0, 1.5])
array([-0.96402758,  0.        ,  0.90514825])""",
    "gelu": """\
>>> import fastact as fa
>>> fa.gelu([-2.0, 0.0, 1.5])
array([-0.04550026,  0.        ,  1.3997892 ])
>>> fa.gelu([-2.0, 0.0, 1.5], approximate='tanh')
array([-0.04540231,  0.        ,  1.39957158])
>>> float(fa.gelu(-10.0))         # the tail is kept, not 0
-7.619853024160525e-23""",
    "relu6": """\
>>> import fastact as fa
>>> fa.relu6([-1.0, 3.0, 8.0])
array([0., 3., 6.])""",
    "leaky_relu": """\
>>> import fastact as fa
>>> fa.leaky_relu([-2.0, 0.0, 1.5])
array([-0.02,  0.  ,  1.5 ])
>>> fa.leaky_relu([-2.0, 0.0, 1.5], negative_slope=0.2)   # Keras' default slope
array([-0.4,  0. ,  1.5])""",
    "elu": """\
>>> import fastact as fa
>>> fa.elu([-2.0, 0.0, 1.5])
array([-0.86466472,  0.        ,  1.5       ])""",
    "selu": """\
>>> import fastact as fa
>>> fa.selu([-2.0, 0.0, 1.5])
array([-1.52016647,  0.        ,  1.57605148])""",
    "celu": """\
>>> import fastact as fa
>>> fa.celu([-2.0, 0.0, 1.5], alpha=2.0)
array([-1.26424112,  0.        ,  1.5       ])""",
    "log_sigmoid": """\
>>> import fastact as fa
>>> fa.log_sigmoid([-800.0, 0.0, 40.0])
array([-8.00000000e+02, -6.93147181e-01, -4.24835426e-18])""",
    "hard_sigmoid": """\
>>> import fastact as fa
>>> fa.hard_sigmoid([-4.0, -1.0, 0.0, 1.5])
array([0.        , 0.33333333, 0.5       , 0.75      ])""",
    "hard_tanh": """\
>>> import fastact as fa
>>> fa.hard_tanh([-2.0, 0.0, 1.5])
array([-1.,  0.,  1.])
>>> fa.hard_tanh([-2.0, 0.0, 1.5], min_val=0.0, max_val=1.0)
array([0., 0., 1.])""",
    "hard_swish": """\
>>> import fastact as fa
>>> fa.hard_swish([-4.0, -1.0, 0.0, 1.5])
array([ 0.        , -0.33333333,  0.        ,  1.125     ])""",
    "silu": """\
>>> import fastact as fa
>>> fa.silu([-2.0, 0.0, 1.5])
array([-0.23840584,  0.        ,  1.22636171])""",
    "swish": """\
>>> import fastact as fa
>>> fa.swish([-2.0, 0.0, 1.5], beta=2.0)
array([-0.03597242,  0.        ,  1.42886119])""",
    "mish": """\
>>> import fastact as fa
>>> fa.mish([-2.0, 0.0, 1.5])
array([-0.25250148,  0.        ,  1.40337827])""",
    "softplus": """\
>>> import fastact as fa
>>> fa.softplus([-30.0, 0.0, 30.0])
array([9.35762297e-14, 6.93147181e-01, 3.00000000e+01])
>>> bool(fa.softplus(30.0) > 30.0)                  # exact: 30 + 9.4e-14
True
>>> bool(fa.softplus(30.0, threshold=20) == 30.0)   # PyTorch's cut-off
True""",
    "softsign": """\
>>> import fastact as fa
>>> fa.softsign([-2.0, 0.0, 1.5])
array([-0.66666667,  0.        ,  0.6       ])""",
    "hard_shrink": """\
>>> import fastact as fa
>>> fa.hard_shrink([-1.0, -0.5, 0.2, 0.75])
array([-1.  ,  0.  ,  0.  ,  0.75])""",
    "soft_shrink": """\
>>> import fastact as fa
>>> fa.soft_shrink([-1.0, -0.5, 0.2, 0.75])
array([-0.5 ,  0.  ,  0.  ,  0.25])""",
    "tanh_shrink": """\
>>> import fastact as fa
>>> fa.tanh_shrink([1e-4, 1.0])
array([3.33333332e-13, 2.38405844e-01])""",
    "threshold": """\
>>> import fastact as fa
>>> fa.threshold([-1.0, 0.5, 2.0], threshold=0.5, value=-9.0)
array([-9., -9.,  2.])""",
    "rrelu": """\
>>> import fastact as fa
>>> fa.rrelu([-2.0, 0.0, 1.5])                       # evaluation: slope (1/8 + 1/3) / 2
array([-0.45833333,  0.        ,  1.5       ])
>>> y, slopes = fa.rrelu([-2.0, 0.0, 1.5], training=True, rng=0, return_slopes=True)
>>> slopes
array([0.25770035, 0.18120557, 1.        ])""",
    "relu_backward": """\
>>> import fastact as fa
>>> fa.relu_backward(1.0, [-2.0, 0.0, 1.5])       # the derivative; 0 at the kink
array([0., 0., 1.])
>>> fa.relu_backward([0.5, 0.5], y=[0.0, 2.0])
array([0. , 0.5])""",
    "sigmoid_backward": """\
>>> import fastact as fa
>>> fa.sigmoid_backward(1.0, [0.0, 80.0])
array([2.50000000e-01, 1.80485139e-35])
>>> fa.sigmoid_backward(1.0, y=[0.5])
array([0.25])""",
    "tanh_backward": """\
>>> import fastact as fa
>>> fa.tanh_backward(1.0, [0.0, 20.0])
array([1.0000000e+00, 1.6993417e-17])""",
    "gelu_backward": """\
>>> import fastact as fa
>>> fa.gelu_backward(1.0, [-2.0, 0.0, 1.5])
array([-0.0852318 ,  0.5       ,  1.12746919])
>>> fa.gelu_backward(1.0, [-2.0, 0.0, 1.5], approximate='tanh')
array([-0.08609926,  0.5       ,  1.12771079])""",
    "relu6_backward": """\
>>> import fastact as fa
>>> fa.relu6_backward(1.0, [-1.0, 0.0, 3.0, 6.0])
array([0., 0., 1., 0.])""",
    "leaky_relu_backward": """\
>>> import fastact as fa
>>> fa.leaky_relu_backward(1.0, [-2.0, 0.0, 1.5])
array([0.01, 0.01, 1.  ])
>>> fa.leaky_relu_backward([2.0, 2.0], y=[-0.02, 3.0])
array([0.02, 2.  ])""",
    "elu_backward": """\
>>> import fastact as fa
>>> fa.elu_backward(1.0, [-2.0, 0.0, 1.5])
array([0.13533528, 1.        , 1.        ])""",
    "selu_backward": """\
>>> import fastact as fa
>>> fa.selu_backward(1.0, [-2.0, 0.0, 1.5])
array([0.23793287, 1.75809934, 1.05070099])""",
    "celu_backward": """\
>>> import fastact as fa
>>> fa.celu_backward(1.0, [-2.0, 0.0, 1.5], alpha=2.0)
array([0.36787944, 1.        , 1.        ])""",
    "log_sigmoid_backward": """\
>>> import fastact as fa
>>> fa.log_sigmoid_backward(1.0, [-800.0, 0.0, 40.0])
array([1.00000000e+00, 5.00000000e-01, 4.24835426e-18])""",
    "hard_sigmoid_backward": """\
>>> import fastact as fa
>>> fa.hard_sigmoid_backward(1.0, [-3.0, 0.0, 3.0])
array([0.        , 0.16666667, 0.        ])""",
    "hard_tanh_backward": """\
>>> import fastact as fa
>>> fa.hard_tanh_backward(1.0, [-2.0, 0.0, 1.5])
array([0., 1., 0.])""",
    "hard_swish_backward": """\
>>> import fastact as fa
>>> fa.hard_swish_backward(1.0, [-3.0, 0.0, 3.0])
array([0. , 0.5, 1. ])""",
    "silu_backward": """\
>>> import fastact as fa
>>> fa.silu_backward(1.0, [-2.0, 0.0, 1.5])
array([-0.09078425,  0.5       ,  1.04129415])""",
    "swish_backward": """\
>>> import fastact as fa
>>> fa.swish_backward(1.0, [-2.0, 0.0, 1.5], beta=2.0)
array([-0.05266461,  0.5       ,  1.08810411])""",
    "mish_backward": """\
>>> import fastact as fa
>>> fa.mish_backward(1.0, [-2.0, 0.0, 1.5])
array([-0.10835509,  0.6       ,  1.08848799])""",
    "softplus_backward": """\
>>> import fastact as fa
>>> fa.softplus_backward(1.0, [-30.0, 0.0, 30.0])
array([9.35762297e-14, 5.00000000e-01, 1.00000000e+00])""",
    "softsign_backward": """\
>>> import fastact as fa
>>> fa.softsign_backward(1.0, [-2.0, 0.0, 1.5])
array([0.11111111, 1.        , 0.16      ])""",
    "hard_shrink_backward": """\
>>> import fastact as fa
>>> fa.hard_shrink_backward(1.0, [-1.0, -0.5, 0.2, 0.75])
array([1., 0., 0., 1.])""",
    "soft_shrink_backward": """\
>>> import fastact as fa
>>> fa.soft_shrink_backward(1.0, [-1.0, -0.5, 0.2, 0.75])
array([1., 0., 0., 1.])""",
    "tanh_shrink_backward": """\
>>> import fastact as fa
>>> fa.tanh_shrink_backward(1.0, [1e-4, 1.0])
array([9.99999993e-09, 5.80025658e-01])""",
    "threshold_backward": """\
>>> import fastact as fa
>>> fa.threshold_backward(1.0, [-1.0, 0.5, 2.0], threshold=0.5, value=-9.0)
array([0., 0., 1.])""",
    "prelu_backward": """\
>>> import numpy as np, fastact as fa
>>> x = np.array([[-1.0, -1.0], [2.0, -4.0]])
>>> grad_input, grad_weight = fa.prelu_backward(1.0, x, weight=[0.1, 0.5])
>>> grad_input
array([[0.1, 0.5],
       [1. , 0.5]])
>>> grad_weight
array([-1., -5.])""",
    "rrelu_backward": """\
>>> import fastact as fa
>>> y, slopes = fa.rrelu([-2.0, 0.0, 1.5], training=True, rng=0, return_slopes=True)
>>> fa.rrelu_backward(1.0, [-2.0, 0.0, 1.5], slopes=slopes, training=True)
array([0.25770035, 0.18120557, 1.        ])""",
    "glu": """\
>>> import fastact as fa
>>> fa.glu([1.0, 2.0, 0.0, 100.0])             # a = [1, 2], b = [0, 100]
array([0.5, 2. ])""",
    "swiglu": """\
>>> import fastact as fa
>>> fa.swiglu([1.0, 2.0, 3.0, -1.0])
array([ 2.19317574, -1.76159416])""",
    "geglu": """\
>>> import fastact as fa
>>> fa.geglu([1.0, 2.0, 3.0, -1.0])
array([ 2.52403424, -1.95449974])
>>> fa.geglu([1.0, 2.0, 3.0, -1.0], approximate='tanh')
array([ 2.52357597, -1.95459769])""",
    "reglu": """\
>>> import fastact as fa
>>> fa.reglu([1.0, -2.0, 3.0, 5.0])
array([3., 0.])""",
    "glu_backward": """\
>>> import fastact as fa
>>> fa.glu_backward(1.0, [1.0, 2.0, 0.0, 100.0])    # [d/da, d/db]
array([5.00000000e-01, 1.00000000e+00, 2.50000000e-01, 7.44015195e-44])""",
    "swiglu_backward": """\
>>> import fastact as fa
>>> fa.swiglu_backward(1.0, [1.0, 2.0, 3.0, -1.0])
array([ 2.78301154, -1.09078425,  0.73105858,  1.76159416])""",
    "geglu_backward": """\
>>> import fastact as fa
>>> fa.geglu_backward(1.0, [1.0, 2.0, 3.0, -1.0])
array([ 3.24994641, -1.0852318 ,  0.84134475,  1.95449974])""",
    "reglu_backward": """\
>>> import fastact as fa
>>> fa.reglu_backward(1.0, [1.0, -2.0, 3.0, 5.0])
array([3., 0., 1., 0.])""",
    "softmin": """\
>>> import fastact as fa
>>> fa.softmin([1.0, 2.0, 3.0])
array([0.66524096, 0.24472847, 0.09003057])""",
    "softmax_backward": """\
>>> import numpy as np, fastact as fa
>>> x = np.array([1.0, 2.0, 3.0])
>>> fa.softmax_backward([1.0, 0.0, 0.0], x)   # row 0 of the Jacobian
array([ 0.08192507, -0.02203304, -0.05989202])
>>> fa.softmax_backward([1.0, 0.0, 0.0], y=fa.softmax(x))
array([ 0.08192507, -0.02203304, -0.05989202])""",
    "log_softmax_backward": """\
>>> import numpy as np, fastact as fa
>>> x = np.array([1.0, 2.0, 3.0])
>>> fa.log_softmax_backward([0.0, 0.0, -1.0], x)   # cross-entropy, label 2
array([ 0.09003057,  0.24472847, -0.33475904])""",
    "softmin_backward": """\
>>> import fastact as fa
>>> fa.softmin_backward([1.0, 0.0, 0.0], [1.0, 2.0, 3.0])
array([-0.22269543,  0.1628034 ,  0.05989202])""",
    "logsumexp_backward": """\
>>> import numpy as np, fastact as fa
>>> fa.logsumexp_backward(1.0, [1.0, 2.0, 3.0])     # the softmax
array([0.09003057, 0.24472847, 0.66524096])
>>> fa.logsumexp_backward(1.0, [-np.inf, -np.inf])    # 0, not NaN
array([0., 0.])""",
    "maxout_backward": """\
>>> import fastact as fa
>>> fa.maxout_backward([10.0, 20.0], [1.0, 5.0, 3.0, 2.0], 2)
array([ 0., 10., 20.,  0.])""",
    "get_num_threads": """\
>>> import fastact as fa
>>> fa.get_num_threads() >= 1
True""",
    "set_num_threads": """\
>>> import fastact as fa
>>> fa.set_num_threads(1)        # one thread for large calls too
>>> fa.get_num_threads()
1
>>> fa.set_num_threads(None)     # back to OpenMP's default""",
    "num_threads": """\
>>> import numpy as np, fastact as fa
>>> with fa.num_threads(1):
...     y = fa.gelu(np.ones(1_000_000))
>>> y[:2]
array([0.84134475, 0.84134475])""",
    "show_config": """\
>>> import fastact as fa
>>> fa.show_config()   # doctest: +ELLIPSIS
  fastact: ...
...""",
}


def _indent(doc):
    """The indentation of a docstring's body (0 for generated ones)."""
    lines = [line for line in doc.splitlines()[1:] if line.strip()]
    return min((len(line) - len(line.lstrip()) for line in lines), default=0)


def attach(namespace):
    """Append the examples to the docstrings of the functions in
    ``namespace`` that have no Examples section yet."""
    for name, text in EXAMPLES.items():
        fn = namespace.get(name)
        if fn is None or "\nExamples\n" in (fn.__doc__ or ""):
            continue
        doc = fn.__doc__.rstrip() + "\n"
        pad = " " * _indent(doc)
        body = "\n".join(pad + line if line else line
                         for line in ["Examples", "--------", *text.splitlines()])
        fn.__doc__ = f"{doc}\n{body}\n"

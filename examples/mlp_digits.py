"""A multi-layer perceptron trained with NumPy and fastact alone (no autograd).

scikit-learn's digits (1797 handwritten 8x8 digits, shipped with the package:
no download), 64 -> 128 (gelu) -> 64 (gelu) -> 10 (log_softmax), trained by
mini-batch SGD with momentum on the cross-entropy. The forward pass calls
fastact's functions, and the backward pass their ``*_backward`` (vector-
Jacobian products); only the matrix products are NumPy's.

Reaches 98.0% test accuracy (450 digits held out, seed 0) in 40 epochs, in
well under a minute; ``--quick`` trains 10 epochs: 96.9%.

    pip install 'fastact[examples]'
    python examples/mlp_digits.py [--quick]
"""

import argparse

import numpy as np

import fastact as fa


def load(seed=0):
    """(x_train, y_train, x_test, y_test), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    return train_test_split(x, digits.target, test_size=0.25, random_state=seed,
                            stratify=digits.target)


def init(sizes, rng):
    """He-normal weights and zero biases, float32."""
    return [(rng.standard_normal((m, n)).astype(np.float32) * np.sqrt(2 / m),
             np.zeros(n, np.float32)) for m, n in zip(sizes[:-1], sizes[1:])]


def forward(params, x):
    """The log-probabilities and what the backward needs (each layer's
    input and pre-activation)."""
    saved, h = [], x
    for k, (w, b) in enumerate(params):
        z = h @ w + b
        saved.append((h, z))
        h = fa.gelu(z) if k < len(params) - 1 else fa.log_softmax(z, axis=-1)
    return h, saved


def backward(params, saved, logp, labels):
    """Gradients of the mean cross-entropy with respect to every parameter."""
    n = len(labels)
    g = np.zeros_like(logp)
    g[np.arange(n), labels] = -1.0 / n                  # d loss / d log p
    grads = []
    for k in range(len(params) - 1, -1, -1):
        h, z = saved[k]
        if k == len(params) - 1:
            g = fa.log_softmax_backward(g, y=logp, axis=-1)  # from the output alone
        else:
            g = fa.gelu_backward(g, z)
        w, _ = params[k]
        grads.append((h.T @ g, g.sum(axis=0)))
        g = g @ w.T
    return grads[::-1]


def accuracy(params, x, y):
    return float((forward(params, x)[0].argmax(axis=1) == y).mean())


def train(epochs=40, batch=32, lr=0.05, momentum=0.9, seed=0, verbose=True):
    """Train and return the test accuracy."""
    x_train, x_test, y_train, y_test = load(seed)
    rng = np.random.default_rng(seed)
    params = init([64, 128, 64, 10], rng)
    velocity = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        loss = 0.0
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            logp, saved = forward(params, x_train[idx])
            loss -= logp[np.arange(len(idx)), y_train[idx]].sum()
            grads = backward(params, saved, logp, y_train[idx])
            for (w, b), (vw, vb), (gw, gb) in zip(params, velocity, grads):
                vw *= momentum
                vw -= lr * gw
                vb *= momentum
                vb -= lr * gb
                w += vw
                b += vb
        if verbose and (epoch % 5 == 4 or epoch == epochs - 1):
            print(f"epoch {epoch + 1:>3}: train loss {loss / len(order):.4f}, "
                  f"test accuracy {accuracy(params, x_test, y_test):.4f}")
    return accuracy(params, x_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 epochs instead of 40")
    args = parser.parse_args(argv)
    acc = train(epochs=10 if args.quick else 40)
    print(f"test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()

"""SELU's self-normalisation (Klambauer et al., 2017), next to tanh, relu and elu.

Push standard-normal data through a deep fully connected network with LeCun
normal weights (N(0, 1/fan_in)) and no biases, and print the mean and the
standard deviation of the activations after every few layers. With SELU they
stay near 0 and 1 all the way down; with tanh, relu and elu the spread
shrinks layer after layer (relu's to nothing).

    python examples/selu_self_normalisation.py            # 100 layers, 512 wide
    python examples/selu_self_normalisation.py --quick    # 30 layers, 128 wide
"""

import argparse

import numpy as np

import fastact as fa

ACTIVATIONS = {"selu": fa.selu, "tanh": fa.tanh, "relu": fa.relu, "elu": fa.elu}


def run(layers=100, width=512, batch=1000, seed=0):
    """{name: [(mean, std) after each layer]} for every activation, with the
    same input and weights for each."""
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((batch, width))
    weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(layers)]
    stats = {}
    for name, act in ACTIVATIONS.items():
        h, rows = x0, []
        for w in weights:
            h = act(h @ w)
            rows.append((float(h.mean()), float(h.std())))
        stats[name] = rows
    return stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller network")
    args = parser.parse_args(argv)
    layers, width, batch = (30, 128, 500) if args.quick else (100, 512, 1000)
    stats = run(layers, width, batch)
    print(f"{layers} layers of width {width}, batch {batch}: mean / std after each layer")
    print(f"{'layer':>5}" + "".join(f"{name:>18}" for name in stats))
    step = max(1, layers // 10)
    for i in [0, *range(step - 1, layers, step)]:
        print(f"{i + 1:>5}" + "".join(f"{rows[i][0]:>8.3f} / {rows[i][1]:<7.3f}"
                                      for rows in stats.values()))
    return stats


if __name__ == "__main__":
    main()

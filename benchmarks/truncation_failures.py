"""How likely local truncation is to fail over the MNIST benchmark's training.

    python -m benchmarks.truncation_failures            # the benchmark's setting
    python -m benchmarks.truncation_failures --quick    # a small run for CI

Local truncation (``sy.settings.truncation == "local"``) fails for one
element with probability about |x| / 2^63, where x is the product at double
scale (base**(2*precision)). This trains the benchmark's network in
plaintext, from the same weights, and adds up |x| / 2^63 over every product
the encrypted run divides (matrix products, elementwise products, squares):
the expected number of failing elements in one encrypted training run.
"""

import argparse

import torch
from torch.utils._python_dispatch import TorchDispatchMode

import pyprivate as sy

from .mnist_encrypted import Net, batches, train_plain

aten = torch.ops.aten
PRODUCTS = {aten.mm.default, aten.addmm.default, aten.mul.Tensor, aten.pow.Tensor_Scalar}


class ProductMagnitudes(TorchDispatchMode):
    """Adds up |x| / 2^63 over the outputs of products of two tensors, at double fixed-point scale."""

    def __init__(self, scale: float):
        super().__init__()
        self.scale, self.expected_failures, self.elements, self.largest = scale, 0.0, 0, 0.0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tensors = [a for a in args if isinstance(a, torch.Tensor) and a.numel() > 1]
        if func in PRODUCTS and (len(tensors) >= 2 or func is aten.pow.Tensor_Scalar):
            x = out.detach().double().abs() * self.scale
            self.expected_failures += (x / 2.0**63).sum().item()
            self.elements += out.numel()
            self.largest = max(self.largest, x.max().item())
        return out


def run(activation="relu", n_train=640, epochs=10, batch_size=64, lr=0.02, precision=3, seed=0):
    train = batches(*sy.data.load_mnist("train", limit=n_train), batch_size)
    torch.manual_seed(seed)
    counter = ProductMagnitudes(10.0 ** (2 * precision))
    with counter:
        train_plain(Net(activation), train, epochs, lr)
    return {"activation": activation, "elements": counter.elements,
            "expected_failures": counter.expected_failures, "largest": counter.largest}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 training items, 1 epoch")
    args = parser.parse_args(argv)
    size = dict(n_train=128, epochs=1) if args.quick else {}
    results = []
    for activation in ("relu", "square"):
        r = run(activation, **size)
        results.append(r)
        print(f"{activation:6s}: {r['elements']:.2e} divided elements, largest |x| 2^{torch.tensor(r['largest']).log2().item():.1f}, "
              f"expected failing elements per training run {r['expected_failures']:.1e}")
    return results


if __name__ == "__main__":
    main()

"""Audits: what the parties see, and what the dealer sees.

* Every opened value must be masked: uniform, and distributed the same
  whatever the secret is.
* The dealer only ever receives shapes and public constants.
* A party step only ever receives its own party's handles (checked with a
  backend whose handles are opaque and tagged with their owner).
"""

import re
from dataclasses import dataclass

import pytest
import torch

from pyprivate.crypto import (
    PRNG, Dealer, LocalParties, eq, ltz, matmul, max_argmax, mul, reconstruct, relu, share, square, truncate,
)
from conftest import bit_frequencies, make_parties, random_int64, shared

N = 20_000
SIGMA = 0.5 / N**0.5

PROTOCOLS = {
    "mul": lambda p, x: mul(p, x, x),
    "square": square,
    "matmul": lambda p, x: matmul(p, x, x),
    "truncate": lambda p, x: truncate(p, x, 1000),
    "ltz": ltz,
    "relu": lambda p, x: relu(p, x)[0],
}


def secrets(shape):
    """Two very different secrets: all zeros, and large values of both signs."""
    return torch.zeros(shape, dtype=torch.int64), random_int64(shape, 99, bits=60)


def opened_by_label(protocol, secret, seed):
    p = make_parties(2, seed=seed)
    protocol(p, shared(p, secret, seed=seed))
    by_label = {}
    for record in p.opened:
        by_label.setdefault(record.label, []).append(record.value.reshape(-1))
    return {label: torch.cat(values) for label, values in by_label.items()}


@pytest.mark.parametrize("name", PROTOCOLS)
def test_opened_values_are_uniform_and_independent_of_the_secret(name):
    shape = (100, 100) if name == "matmul" else (N,)
    zeros, large = secrets(shape)
    log_a = opened_by_label(PROTOCOLS[name], zeros, seed=1)
    log_b = opened_by_label(PROTOCOLS[name], large, seed=2)
    assert log_a.keys() == log_b.keys()
    for label in log_a:
        width = int(re.match(r"carry\.w(\d+)\.", label)[1]) if label.startswith("carry.") else 64
        f_a, f_b = bit_frequencies(log_a[label], width), bit_frequencies(log_b[label], width)
        tolerance = 6 * 0.5 / len(log_a[label]) ** 0.5
        assert ((f_a - f_b).abs() < 1.5 * tolerance).all(), label
        if label == "b2a.e":  # a single masked bit
            assert abs(f_a[0] - 0.5) < tolerance and (f_a[1:] == 0).all()
        else:
            assert ((f_a - 0.5).abs() < tolerance).all(), label


@pytest.mark.parametrize("name", PROTOCOLS)
def test_no_opened_value_reveals_the_secret(name):
    x = random_int64((50, 50), 5, bits=40)
    p = make_parties(2)
    PROTOCOLS[name](p, shared(p, x))
    assert p.opened
    for record in p.opened:
        if record.value.shape == x.shape:
            assert (record.value == x).double().mean() < 0.01, record.label


@pytest.mark.parametrize("n", [2, 3])
def test_only_masked_labels_are_ever_opened(n):
    p = make_parties(n)
    x = shared(p, random_int64((5, 5), 6, bits=40))
    for protocol in PROTOCOLS.values():
        protocol(p, x)
    eq(p, x, x), max_argmax(p, x, dim=1)
    masked = {"beaver.mul.eps", "beaver.mul.delta", "beaver.matmul.eps", "beaver.matmul.delta",
              "beaver.square.eps", "trunc.c", "b2a.e"}
    if n == 2:  # the sign by the carry tree: every level's masked words; ReLU's x - a, in its first round
        masked |= {f"carry.w{w}.{name}" for w in (64, 32, 16, 8, 4, 2, 1) for name in ("eps", "delta")}
        masked |= {"relu.eps"}
    else:  # the sign by the Kogge-Stone adder
        masked |= {"and.eps", "and.delta"}
    assert {record.label for record in p.opened} == masked


class SpyDealer(Dealer):
    """Records every argument the dealer receives."""

    def __init__(self):
        super().__init__(PRNG(seed=0))
        self.arguments = []
        for name in ("beaver_triple", "binary_triple", "dabit", "relu_dabit", "truncation_material", "carry_material"):
            method = getattr(self, name)
            setattr(self, name, self._spy(method))

    def _spy(self, method):
        def spied(*args, **kwargs):
            self.arguments.extend(args)
            self.arguments.extend(kwargs.values())
            return method(*args, **kwargs)
        return spied


def test_the_dealer_only_sees_shapes_and_public_constants():
    dealer = SpyDealer()
    p = LocalParties(2, dealer)
    x = shared(p, random_int64((5, 5), 7, bits=40))
    for protocol in PROTOCOLS.values():
        protocol(p, x)
    max_argmax(p, x, dim=0)
    assert dealer.arguments
    shape = lambda a: isinstance(a, tuple) and all(isinstance(d, int) for d in a)  # noqa: E731
    assert all(a is None or isinstance(a, (int, str)) or shape(a) for a in dealer.arguments)


@dataclass(frozen=True)
class Handle:
    """An opaque handle: protocols cannot do arithmetic on it, and it knows its owner."""

    owner: int
    _value: torch.Tensor


class CheckedParties(LocalParties):
    """A backend that refuses to let a party touch a handle owned by another party."""

    def run(self, step_name, per_party_args, **public):
        for i, args in enumerate(per_party_args):
            assert all(h.owner == i for h in args), f"{step_name}: party {i} got another party's share"
        assert not any(isinstance(v, Handle) for v in public.values())
        unwrapped = [[h._value for h in args] for args in per_party_args]
        return [self._wrap(i, out) for i, out in enumerate(super().run(step_name, unwrapped, **public))]

    def deal(self, shares):
        return [Handle(i, s) for i, s in enumerate(super().deal(shares))]

    def reveal(self, handles):
        return [h._value.clone() for h in handles]

    def shape(self, handles):
        return handles[0]._value.shape

    @classmethod
    def _wrap(cls, i, out):
        return tuple(cls._wrap(i, t) for t in out) if isinstance(out, tuple) else Handle(i, out)


@pytest.mark.parametrize("n", [2, 3])
def test_protocols_keep_every_share_with_its_owner(n):
    p = CheckedParties(n, Dealer(PRNG(seed=3)))
    x = random_int64((4, 4), 8, bits=40)
    sx = p.deal(share(x, n, PRNG(seed=4)))
    plain = lambda handles: reconstruct([h._value for h in handles])  # noqa: E731
    assert torch.equal(plain(mul(p, sx, sx)), x * x)
    assert torch.equal(plain(matmul(p, sx, sx)), x @ x)
    assert torch.equal(plain(square(p, sx)), x * x)
    assert torch.equal(plain(ltz(p, sx)), (x < 0).long())
    assert torch.equal(plain(relu(p, sx)[0]), torch.relu(x))
    assert torch.equal(plain(eq(p, sx, sx)), torch.ones_like(x))
    assert torch.equal(plain(max_argmax(p, sx, dim=1)[0]), x.max(1).values)
    assert set((plain(truncate(p, sx, 1000)) - x // 1000).unique().tolist()) <= {0, 1}

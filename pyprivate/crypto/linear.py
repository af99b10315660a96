"""Linear operations on additive shares: free, local, no communication.

Because sharing is additive, anything linear can be done share by share:

* x + y: party i computes x_i + y_i.
* c * x for a public integer c: party i computes c * x_i.
* x + c for a public c: exactly one party (party 0) adds c; if all did,
  the result would be x + n*c.

Each step below is a party step (it sees only its own shares and public
values); the wrappers run it at every party through ``Parties``.
"""

import torch

from .parties import Parties, party_step


def _public(value, party_index: int) -> torch.Tensor:
    value = torch.as_tensor(value, dtype=torch.int64)
    return value if party_index == 0 else torch.zeros_like(value)


@party_step("arith.add")
def add_step(i, n, x, y):
    """x_i + y_i."""
    return x + y


@party_step("arith.sub")
def sub_step(i, n, x, y):
    """x_i - y_i."""
    return x - y


@party_step("arith.neg")
def neg_step(i, n, x):
    """-x_i."""
    return -x


@party_step("arith.add_public")
def add_public_step(i, n, x, *, value):
    """x_i + value at party 0, x_i elsewhere."""
    return x + _public(value, i)


@party_step("arith.public_sub")
def public_sub_step(i, n, x, *, value):
    """value - x_i at party 0, -x_i elsewhere."""
    return _public(value, i) - x


@party_step("arith.mul_public")
def mul_public_step(i, n, x, *, value):
    """value * x_i at every party."""
    return x * torch.as_tensor(value, dtype=torch.int64)


def add(parties: Parties, x: list, y: list) -> list:
    """Shares of x + y."""
    return parties.run("arith.add", [[a, b] for a, b in zip(x, y)])


def sub(parties: Parties, x: list, y: list) -> list:
    """Shares of x - y."""
    return parties.run("arith.sub", [[a, b] for a, b in zip(x, y)])


def neg(parties: Parties, x: list) -> list:
    """Shares of -x."""
    return parties.run("arith.neg", [[a] for a in x])


def add_public(parties: Parties, x: list, value) -> list:
    """Shares of x + value for a public integer (tensor) ``value``."""
    return parties.run("arith.add_public", [[a] for a in x], value=value)


def public_sub(parties: Parties, value, x: list) -> list:
    """Shares of value - x for a public integer (tensor) ``value``."""
    return parties.run("arith.public_sub", [[a] for a in x], value=value)


def mul_public(parties: Parties, x: list, value) -> list:
    """Shares of value * x for a public integer (tensor) ``value``."""
    return parties.run("arith.mul_public", [[a] for a in x], value=value)

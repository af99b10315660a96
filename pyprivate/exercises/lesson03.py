"""Checked exercises of lesson 3, secret sharing: fixed point, shares, a Beaver product by hand."""

import random

import torch

from ..i18n import N_
from .checklist import Checklist, answer_of, expect
from .common import NOT_A_FUNCTION, NOT_A_TENSOR

check = Checklist("03-secret-sharing")

TOY_MOD = 100  # the lesson's toy ring


@check.exercise("q1", N_("The integer behind a fixed precision number"))
def _(stored):
    expect(isinstance(stored, int) and not isinstance(stored, bool),
           N_("Expected a whole number (an int), got {kind}."), kind=type(stored).__name__,
           hint=N_("Fixed precision stores integers: the value times the scale, rounded."))
    expect(stored != 2718, N_("2718 is 2.7186 × 1000 cut off, not rounded."),
           hint=N_("Round to the nearest integer: is 2718.6 nearer to 2718 or to 2719?"))
    expect(stored != 27186, N_("27186 uses 4 fractional digits; the default is 3."),
           hint=N_("The default scale is 10 ** 3 = 1000."))
    expect(stored == 2719, N_("{stored} is not what fix_precision() stores for 2.7186."), stored=stored,
           hint=N_("Multiply by the scale 1000 and round to the nearest integer."))


def _reconstruct_cases():
    yield [torch.tensor([5]), torch.tensor([-2])], [3]
    secret = torch.tensor([42, 7, -3])
    first = torch.randint(-2**63, 2**63 - 1, (3,), dtype=torch.int64)
    yield [first, secret - first], secret.tolist()


@check.exercise("q2", N_("Put a secret back together"))
def _(reconstruct):
    expect(callable(reconstruct), NOT_A_FUNCTION, kind=type(reconstruct).__name__)
    for shares, secret in _reconstruct_cases():
        result = answer_of(reconstruct, shares)
        expect(torch.is_tensor(result), NOT_A_TENSOR,
               kind=type(result).__name__)
        expect(result.tolist() == secret, N_("For shares that hide {secret}, your function returned {got}."),
               secret=secret, got=result.tolist(),
               hint=N_("Add all the shares: int64 arithmetic wraps around modulo 2^64 by itself."))


@check.hidden("q2")
def _(reconstruct):
    generator = torch.Generator().manual_seed(3)
    for parties in (3, 5):
        secret = torch.randint(-10**6, 10**6, (4, 2), generator=generator)
        shares = [torch.randint(-2**63, 2**63 - 1, (4, 2), generator=generator) for _ in range(parties - 1)]
        shares.append(secret - sum(shares))
        result = answer_of(reconstruct, shares)
        expect(torch.is_tensor(result) and result.shape == secret.shape and torch.equal(result, secret),
               N_("With {n} shares of a 4×2 tensor, your function does not give the secret back."), n=parties,
               hint=N_("Add every share, however many there are, and keep the tensor's shape."))


def _beaver_reference(x_sh, y_sh, a_sh, b_sh, c_sh, mod):
    eps = sum(x - a for x, a in zip(x_sh, a_sh)) % mod
    delta = sum(y - b for y, b in zip(y_sh, b_sh)) % mod
    z_sh = [(c + eps * b + a * delta) % mod for a, b, c in zip(a_sh, b_sh, c_sh)]
    z_sh[0] = (z_sh[0] + eps * delta) % mod
    return z_sh


def _split(value, parties, rng, mod):
    shares = [rng.randrange(mod) for _ in range(parties - 1)]
    return shares + [(value - sum(shares)) % mod]


def _beaver_case(x, y, parties, rng):
    a, b = rng.randrange(TOY_MOD), rng.randrange(TOY_MOD)
    return [_split(v, parties, rng, TOY_MOD) for v in (x, y, a, b, a * b % TOY_MOD)]


def _check_beaver(beaver_multiply, cases):
    expect(callable(beaver_multiply), NOT_A_FUNCTION, kind=type(beaver_multiply).__name__)
    for x, y, shares in cases:
        z_sh = answer_of(beaver_multiply, *shares)
        z_sh = list(z_sh)
        expect(len(z_sh) == len(shares[0]), N_("Expected one share per worker ({n}), got {got}."),
               n=len(shares[0]), got=len(z_sh))
        expect(sum(z_sh) % TOY_MOD == x * y % TOY_MOD,
               N_("Your shares add up to {got}, but x × y = {want} (mod 100)."),
               got=sum(z_sh) % TOY_MOD, want=x * y % TOY_MOD,
               hint=N_("z_i = c_i + eps × b_i + a_i × delta, and only worker 0 adds eps × delta."))
        expect([z % TOY_MOD for z in z_sh] == _beaver_reference(*shares, TOY_MOD),
               N_("The shares add up to x × y, but they are not the shares Beaver's protocol gives."),
               hint=N_("Each worker must compute its own share from c_i, b_i and a_i; do not reconstruct x or y."))


@check.exercise("q3", N_("A Beaver product by hand"))
def _(beaver_multiply):
    rng = random.Random(11)
    _check_beaver(beaver_multiply, [(7, 6, _beaver_case(7, 6, 2, rng)), (9, 12, _beaver_case(9, 12, 2, rng))])


@check.hidden("q3")
def _(beaver_multiply):
    rng = random.Random(2024)
    cases = [(x, y, _beaver_case(x, y, parties, rng))
             for x, y, parties in [(0, 55, 2), (99, 99, 2), (13, 8, 3), (47, 2, 4)]]
    _check_beaver(beaver_multiply, cases)

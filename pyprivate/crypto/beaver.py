"""Beaver products: multiplying two secret-shared values.

Products are not linear, so parties cannot multiply shares locally. Beaver's
trick (1991) spends one triple (a, b, c = a*b) from the dealer and one
opening. With eps = x - a and delta = y - b,

    x*y = (a + eps)(b + delta) = c + eps*b + a*delta + eps*delta,

and every term on the right is either shared (c, b, a) times public
(eps, delta), or public. Opening eps and delta is safe: a and b are uniform
over Z_2^64 and used once, so eps and delta are uniform too (one-time pad).

The same identity holds for any bilinear op in place of *, for example
matmul: x@y = c + eps@b + a@delta + eps@delta with c = a@b. For a square
one triple (a, a*a) is enough: x*x = c + 2*eps*a + eps*eps.

The triple has the operands' own shapes (a like x, b like y), so broadcasting
and batched matmul work exactly as in torch and eps/delta stay small.
"""

from .dealer import BEAVER_OPS
from .parties import Parties, party_step


@party_step("beaver.mask")
def mask_step(i, n, x, a):
    """eps_i = x_i - a_i: this party's share of the masked value."""
    return x - a


@party_step("beaver.finish")
def finish_step(i, n, a, b, c, *, eps, delta, op):
    """z_i = c_i + op(eps, b_i) + op(a_i, delta) [+ op(eps, delta) at party 0]."""
    f = BEAVER_OPS[op]
    z = c + f(eps, b) + f(a, delta)  # c already has the result's (broadcast) shape
    return z + f(eps, delta) if i == 0 else z


@party_step("beaver.finish_square")
def finish_square_step(i, n, a, c, *, eps):
    """z_i = c_i + 2*eps*a_i [+ eps*eps at party 0]."""
    z = c + 2 * eps * a
    return z + eps * eps if i == 0 else z


def _product(parties: Parties, op: str, x: list, y: list) -> list:
    shape_x, shape_y = parties.shape(x), parties.shape(y)
    a, b, c = (parties.deal(s) for s in parties.dealer.beaver_triple(op, shape_x, shape_y, parties.n))
    eps = parties.run("beaver.mask", [[xi, ai] for xi, ai in zip(x, a)])
    delta = parties.run("beaver.mask", [[yi, bi] for yi, bi in zip(y, b)])
    eps, delta = parties.open_many([eps, delta], [f"beaver.{op}.eps", f"beaver.{op}.delta"])
    return parties.run("beaver.finish", [list(t) for t in zip(a, b, c)], eps=eps, delta=delta, op=op)


def mul(parties: Parties, x: list, y: list) -> list:
    """Shares of x * y (elementwise, with torch broadcasting).

    1. The dealer deals a triple a (shaped like x), b (like y), c = a * b.
    2. Each party masks its shares: eps_i = x_i - a_i, delta_i = y_i - b_i.
    3. The parties open eps and delta (one round); they are uniformly masked.
    4. Each party computes z_i = c_i + eps * b_i + a_i * delta, and party 0
       adds eps * delta. Then sum_i z_i = x * y.
    """
    return _product(parties, "mul", x, y)


def matmul(parties: Parties, x: list, y: list) -> list:
    """Shares of x @ y, with torch.matmul's batching and 1-D rules.

    1. The dealer deals a triple a (shaped like x), b (like y), c = a @ b.
    2. Each party masks its shares: eps_i = x_i - a_i, delta_i = y_i - b_i.
    3. The parties open eps and delta (one round).
    4. Each party computes z_i = c_i + eps @ b_i + a_i @ delta, and party 0
       adds eps @ delta.
    """
    return _product(parties, "matmul", x, y)


def square(parties: Parties, x: list) -> list:
    """Shares of x * x, with a cheaper triple (a, a*a) and one opening.

    1. The dealer deals a (shaped like x) and c = a * a.
    2. Each party masks its share: eps_i = x_i - a_i.
    3. The parties open eps (one round).
    4. Each party computes z_i = c_i + 2 * eps * a_i, and party 0 adds eps * eps.
    """
    a, c = (parties.deal(s) for s in parties.dealer.beaver_triple("square", parties.shape(x), None, parties.n))
    eps = parties.run("beaver.mask", [[xi, ai] for xi, ai in zip(x, a)])
    eps = parties.open(eps, "beaver.square.eps")
    return parties.run("beaver.finish_square", [[ai, ci] for ai, ci in zip(a, c)], eps=eps)

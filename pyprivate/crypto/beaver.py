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

import functools

import torch

from . import bilinear, kept_masks, step_masks, truncation
from .parties import Parties, party_step


@party_step("beaver.mask_one")
def mask_one_step(i, n, x, a):
    """Reveal eps_i = x_i - a_i, this party's share of the masked value."""
    return (), (_masked(x, a),)


@party_step("beaver.mask_two")
def mask_two_step(i, n, x, y, a, b):
    """Reveal eps_i = x_i - a_i and delta_i = y_i - b_i."""
    return (), (_masked(x, a), _masked(y, b))


def _masked(x, a):
    """x - a, laid out like the mask a (contiguous) even when x is a transposed view (``W.t()``).

    The opened value travels contiguous anyway; computing it in that layout
    saves a second, strided copy of it before it is sent.
    """
    return torch.sub(x, a, out=torch.empty_like(a)) if x.shape == a.shape else x - a


@party_step("beaver.finish")
def finish_step(i, n, a, b, c, *, eps, delta, op):
    """z_i = c_i + op(eps, b_i) + op(a_i, delta) [+ op(eps, delta) at party 0].

    For "square" (b = a, delta unused): z_i = c_i + 2*eps*a_i [+ eps*eps at party 0].
    """
    if op == "square":
        z = c + 2 * eps * a
        return z + eps * eps if i == 0 else z
    f = bilinear.lookup(op)
    # Party 0 folds eps * delta into its first product: op(eps, b_0 + delta).
    b = b + delta if i == 0 else b
    if op == "matmul" and c.dim() == eps.dim() == b.dim() == 2:
        return bilinear.matmul_finish(c, eps, b, a, delta)
    return c + f(eps, b) + f(a, delta)  # c has the result's (broadcast) shape


@party_step("beaver.finish_divide_local")
def finish_divide_local_step(i, n, a, b, c, *addend, eps, delta, op, divisor):
    """Finish the product, then divide this party's share on its own (SecureML, two parties).

    With an ``addend`` share (a layer's bias), add it too: addmm in one step.
    """
    z = truncation.divide_own(i, finish_step(i, n, a, b, c, eps=eps, delta=delta, op=op), divisor)
    return z.add_(addend[0]) if addend else z


@party_step("beaver.finish_kept")
def finish_kept_step(i, n, a, b, c, *, eps, delta, op, divisor, transposed):
    """A backward product from a forward's kept masks (:mod:`.step_masks`), divided on this party's own.

    ``transposed`` names the operand that is the forward's, used transposed
    (matrices): "second" for grad_x = g @ y.T (b and delta are y's), "first"
    for grad_y = x.T @ g (a and eps are x's), "" for neither (``mul``).
    The transposes are local views. Without a ``divisor``, no division.
    """
    if transposed == "first":
        a, eps = a.t(), eps.t()
    elif transposed == "second":
        b, delta = b.t(), delta.t()
    if divisor is None:
        return finish_step(i, n, a, b, c, eps=eps, delta=delta, op=op)
    return finish_divide_local_step(i, n, a, b, c, eps=eps, delta=delta, op=op, divisor=divisor)


@party_step("beaver.finish_and_mask")
def finish_and_mask_step(i, n, a, b, c, r, *, eps, delta, op, offset):
    """Finish the product, then reveal it masked for truncation: z_i + r_i (+ offset at party 0)."""
    z = finish_step(i, n, a, b, c, eps=eps, delta=delta, op=op)
    return (), (truncation.mask_step(i, n, z, r, offset=offset),)


@party_step("beaver.with_public")
def with_public_step(i, n, x, *, public, op, shared_first):
    """op(x_i, public) (or op(public, x_i)): a bilinear op with one public operand is linear in the other."""
    f = bilinear.lookup(op)
    return f(x, public) if shared_first else f(public, x)


@functools.lru_cache(maxsize=256)
def result_shape(op: str, shape_x: tuple, shape_y: tuple | None) -> tuple:
    """The shape of ``op(x, y)``, or torch's own error (on shapes only, no data) if they do not fit."""
    meta = lambda shape: torch.empty(shape, device="meta")
    return tuple(bilinear.lookup(op)(meta(shape_x), meta(shape_y) if shape_y is not None else None).shape)


def _product(parties: Parties, op: str, x: list, y: list | None, divisor: int | None = None,
             addend: list | None = None, grads: tuple | None = None) -> list:
    """op(x, y) (or x*x for "square"), then divided by ``divisor`` if given, in 1 or 2 rounds.

    Everything the dealer gives (the triple and, if needed, the truncation
    material) comes in one bundle, and each round is one message per party.
    With two parties and ``sy.settings.truncation == "local"`` (the default)
    each party divides its own share as it finishes: no material, no round;
    then a shared ``addend`` (broadcast to the result) is added in the same step.
    ``grads`` (whether x and y need gradients) lets a forward matrix product
    keep its masks for the backward pass (:mod:`.step_masks`).
    """
    shape_x = tuple(parties.shape(x))
    shape_y = None if y is None else tuple(parties.shape(y))
    shape = result_shape(op, shape_x, shape_y)  # shapes that do not fit fail here, before anything is dealt
    local = divisor is not None and truncation.divides_locally(parties)
    if addend is not None and not local:
        raise ValueError("an addend is only added with local truncation; add it afterwards")
    if y is not None and addend is None and (divisor is None or local):
        found = step_masks.find(op, x, y)
        if found is not None and (found[0].kind == "beaver" or divisor is None):
            return _backward_product(parties, *found, divisor)
    backward = step_masks.wanted(grads, op, shape_x, shape_y) if local else ""
    kept = keep = None
    if y is not None and op != "square":
        kept = kept_masks.find(parties, y)
        keep = None if kept is not None else kept_masks.new_key(parties)
    if kept is not None:
        items = [("beaver_triple_kept", dict(op=op, shape_a=shape_x, key=kept.key))]
    else:
        items = [("beaver_triple", dict(op=op, shape_a=shape_x, shape_b=shape_y,
                                        **({} if keep is None else {"keep": keep}),
                                        **({"backward": backward} if backward else {})))]
    if divisor is not None and not local:
        items.append(("truncation_material", dict(shape=shape, divisor=divisor)))
    items += kept_masks.forget_items(parties)  # last: the dealt items above keep their places
    try:
        dealt = [tuple(parties.deal(s) for s in sharings) for sharings in parties.dealer.bundle(items, parties.n)]
    except Exception:
        if kept is not None or keep is not None:
            kept_masks.forget_dealer(parties)  # the dealer's kept values may no longer be what we think
        raise
    triple = dealt[0]
    if op == "square":
        (a, c), b = triple, None
        _, (eps,) = parties.run_open("beaver.mask_one", [[xi, ai] for xi, ai in zip(x, a)], ["beaver.square.eps"])
        delta, operands = None, [[ai, ai, ci] for ai, ci in zip(a, c)]
    elif kept is not None:
        # y's mask was kept (kept_masks): open only x - a', reuse b and the delta opened before.
        (a, c), b, delta = triple, kept.b, kept.delta
        _, (eps,) = parties.run_open("beaver.mask_one", [[xi, ai] for xi, ai in zip(x, a)], [f"beaver.{op}.eps"])
        operands = [list(t) for t in zip(a, b, c)]
    else:
        a, b, c = triple[:3]
        _, (eps, delta) = parties.run_open(
            "beaver.mask_two", [[xi, yi, ai, bi] for xi, yi, ai, bi in zip(x, y, a, b)],
            [f"beaver.{op}.eps", f"beaver.{op}.delta"],
        )
        operands = [list(t) for t in zip(a, b, c)]
        if keep is not None:
            kept_masks.remember(parties, y, keep, b, delta, shape_y)
        if backward:
            step_masks.remember(parties, op, x, y, backward, a, b, eps, delta, *triple[3:])
    if divisor is None:
        return parties.run("beaver.finish", operands, eps=eps, delta=delta, op=op)
    if local:
        operands = [ops + [addend[i]] for i, ops in enumerate(operands)] if addend is not None else operands
        return parties.run("beaver.finish_divide_local", operands, eps=eps, delta=delta, op=op, divisor=divisor)
    r, r_msb, r_div = dealt[1]
    offset = truncation.offset_for(divisor)
    _, (masked,) = parties.run_open(
        "beaver.finish_and_mask", [ops + [ri] for ops, ri in zip(operands, r)], ["trunc.c"],
        eps=eps, delta=delta, op=op, offset=offset,
    )
    return truncation.finish(parties, r_msb, r_div, masked, divisor)


def _backward_product(parties: Parties, entry, role: str, g: list, divisor: int | None) -> list:
    """A backward product from its forward's kept masks: grad_x = g @ y.T or grad_y = x.T @ g (or g * y, x * g).

    Opens g - a_g if no product of this backward pass has yet; then each
    party finishes on its own (see :mod:`.step_masks`).
    """
    op = entry.op
    if entry.eps_g is None:
        _, (eps_g,) = parties.run_open(
            "beaver.mask_one", [[gi, ai] for gi, ai in zip(g, entry.a_g)], [f"beaver.{op}.eps"])
        step_masks.opened(entry, g, eps_g)
    c = entry.c[role]
    if entry.kind == "relu":  # grad * bit = e*grad + (1 - 2e) * (grad * r): see comparison.relu
        step, operands, public = "relu.grad_finish", zip(g, entry.b, c), dict(e=entry.eps, eps=entry.eps_g)
    else:
        if role == "grad_x":
            operands, eps, delta, transposed = zip(entry.a_g, entry.b, c), entry.eps_g, entry.delta, "second"
        else:
            operands, eps, delta, transposed = zip(entry.a, entry.a_g, c), entry.eps, entry.eps_g, "first"
        step, public = "beaver.finish_kept", dict(eps=eps, delta=delta, op=op, divisor=divisor,
                                                  transposed=transposed if op == "matmul" else "")
    result = parties.run(step, [list(t) for t in operands], **public)
    step_masks.used(entry, role)
    return result


def mul(parties: Parties, x: list, y: list, divisor: int | None = None) -> list:
    """Shares of x * y (elementwise, with torch broadcasting), divided by ``divisor`` if given.

    1. The dealer deals a triple a (shaped like x), b (like y), c = a * b.
    2. Each party masks its shares: eps_i = x_i - a_i, delta_i = y_i - b_i.
    3. The parties open eps and delta (one round); they are uniformly masked.
    4. Each party computes z_i = c_i + eps * b_i + a_i * delta, and party 0
       adds eps * delta. Then sum_i z_i = x * y.
    5. With a divisor (a fixed-point product), each party divides z_i on its
       own (two parties, ``settings.truncation == "local"``), or masks z_i
       for truncation in the same message and one more round divides
       (see :mod:`.truncation`).
    """
    return _product(parties, "mul", x, y, divisor)


def matmul(parties: Parties, x: list, y: list, divisor: int | None = None, addend: list | None = None,
           grads: tuple | None = None) -> list:
    """Shares of x @ y, with torch.matmul's batching and 1-D rules (then / divisor, then + addend).

    1. The dealer deals a triple a (shaped like x), b (like y), c = a @ b.
    2. Each party masks its shares: eps_i = x_i - a_i, delta_i = y_i - b_i.
    3. The parties open eps and delta (one round).
    4. Each party computes z_i = c_i + eps @ b_i + a_i @ delta, and party 0
       adds eps @ delta; with a divisor, it masks z_i for truncation.
    5. With local truncation, each party divides z_i and adds its share of
       ``addend`` (the bias of a linear layer) in the same step.

    With ``grads`` (which operands need a gradient) in a forward pass, the
    triple also brings what the backward products need, and the masks are
    kept for them (:mod:`.step_masks`).
    """
    return _product(parties, "matmul", x, y, divisor, addend, grads)


def bilinear_product(parties: Parties, x: list, y: list, divisor: int | None = None, *, op: str) -> list:
    """Shares of op(x, y) for any bilinear op named in :mod:`.bilinear` (a convolution and its gradients).

    The same steps as :func:`matmul` with op in place of @: the dealer's
    triple is c = op(a, b), and each party finishes with op(eps, b_i) and
    op(a_i, delta) (party 0 adds op(eps, delta)).
    """
    return _product(parties, op, x, y, divisor)


def square(parties: Parties, x: list, divisor: int | None = None) -> list:
    """Shares of x * x, with a cheaper triple (a, a*a) and one opening (then / divisor).

    1. The dealer deals a (shaped like x) and c = a * a.
    2. Each party masks its share: eps_i = x_i - a_i.
    3. The parties open eps (one round).
    4. Each party computes z_i = c_i + 2 * eps * a_i, and party 0 adds eps * eps.
    """
    return _product(parties, "square", x, None, divisor)

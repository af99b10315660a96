"""The kernels of AdditiveSharingTensor: integer ring arithmetic on shares.

Linear operations are local to each party (one message per worker);
products use Beaver triples, comparisons the A2B/B2A protocols, and
division by a public integer the dealer-assisted truncation. Any other
operation raises an error naming it.
"""

import torch
from ..tree import leaves, tree_map

from ..crypto import argmax as argmax_protocol
from ..crypto import beaver, comparison, linear, truncation
from ..errors import PyPrivateError, UnsupportedOperationError
from . import share_view
from .pointer import op_label
from .sharing import OPS, AdditiveSharingTensor, check_workers

aten = torch.ops.aten


def _shared(x):
    return isinstance(x, AdditiveSharingTensor)


def _public(x):
    """A public operand as an int64 tensor (or int)."""
    if isinstance(x, torch.Tensor):
        if x.is_floating_point():
            raise PyPrivateError("shared integers only mix with integers: encode floats with .fix_precision() first")
        return x.long()
    if isinstance(x, float) and not x.is_integer():
        raise PyPrivateError("shared integers only mix with integers: encode floats with .fix_precision() first")
    return int(x)


def _wrap(shares, parties):
    return AdditiveSharingTensor(shares, parties)


def _parties(func, *tensors):
    return check_workers(op_label(func), tensors)


def _as_shares(parties, value, like):
    """Shares of ``value``: a shared tensor as is, a public one held by party 0."""
    if _shared(value):
        return value.handles
    zero = linear.sub(parties, like.handles, like.handles)
    return linear.add_public(parties, zero, _public(value))


# -- structure: the same operation on every share ---------------------------
SHAREWISE = [
    aten.view.default, aten._unsafe_view.default, aten.t.default, aten.transpose.int, aten.permute.default,
    aten.reshape.default, aten.expand.default, aten.unsqueeze.default, aten.squeeze.dim, aten.squeeze.default,
    aten.select.int,
    aten.slice.Tensor, aten.index.Tensor, aten.clone.default, aten.sum.default, aten.sum.dim_IntList,
    aten.cat.default, aten.stack.default, aten.flip.default, aten.movedim.int, aten.unbind.int,
    aten.split.Tensor, aten.squeeze.dims, aten.repeat.default,
    aten.slice_backward.default, aten.select_backward.default,
]


@OPS.implements(*SHAREWISE)
def sharewise(func, args, kwargs):
    flat = leaves((args, kwargs))
    parties = _parties(func, *flat)
    x = args[0]
    if _shared(x) and share_view.can_wait(func, x.handles, args[1:], kwargs):
        shape = share_view.result_shape(func, x.shape, args[1:], kwargs)  # also torch's own check of the arguments
        return _wrap([share_view.ShareView.of(h, func, args[1:], kwargs, shape) for h in x.handles], parties)
    if func is not aten.index.Tensor and any(isinstance(a, torch.Tensor) and not _shared(a) for a in flat):
        raise UnsupportedOperationError(f"{op_label(func)} cannot mix shared and public tensors")
    name = share_view.op_name(func)
    per_party = [tree_map(lambda a, i=i: a.handles[i] if _shared(a) else a, list(args)) for i in range(parties.n)]
    results = parties.command(name, per_party, kwargs)
    if isinstance(results[0], (list, tuple)):
        return type(results[0])(_wrap(list(col), parties) for col in zip(*results))
    return _wrap(results, parties)


@OPS.implements(aten.detach.default, aten.alias.default, aten.lift_fresh.default)
def alias(func, args, kwargs):
    return _wrap(args[0].handles, args[0].parties)


# -- linear arithmetic --------------------------------------------------------
def add_values(func, a, b):
    parties = _parties(func, a, b)
    if _shared(a) and _shared(b):
        return _wrap(linear.add(parties, a.handles, b.handles), parties)
    x, value = (a, b) if _shared(a) else (b, a)
    return _wrap(linear.add_public(parties, x.handles, _public(value)), parties)


def negate(func, x):
    if _shared(x):
        return _wrap(linear.neg(x.parties, x.handles), x.parties)
    return -_public(x)


def scale_by(func, x, factor):
    factor = _public(factor)
    if _shared(x):
        return _wrap(linear.mul_public(x.parties, x.handles, factor), x.parties)
    return _public(x) * factor


@OPS.implements(aten.add.Tensor, aten.add.Scalar)
def add(func, args, kwargs):
    a, b = args[:2]
    alpha = kwargs.get("alpha", args[2] if len(args) > 2 else 1)
    return add_values(func, a, b if alpha == 1 else scale_by(func, b, alpha))


@OPS.implements(aten.sub.Tensor, aten.sub.Scalar)
def sub(func, args, kwargs):
    a, b = args[:2]
    alpha = kwargs.get("alpha", args[2] if len(args) > 2 else 1)
    if alpha == 1 and _shared(a) and _shared(b):  # one step, not a negation and then an addition
        parties = _parties(func, a, b)
        return _wrap(linear.sub(parties, a.handles, b.handles), parties)
    return add_values(func, a, negate(func, b if alpha == 1 else scale_by(func, b, alpha)))


@OPS.implements(aten.rsub.Scalar, aten.rsub.Tensor)
def rsub(func, args, kwargs):
    a, b = args[:2]
    alpha = kwargs.get("alpha", 1)
    return add_values(func, b, negate(func, a if alpha == 1 else scale_by(func, a, alpha)))


@OPS.implements(aten.neg.default)
def neg(func, args, kwargs):
    return negate(func, args[0])


# -- products -----------------------------------------------------------------
@OPS.implements(aten.mul.Tensor, aten.mul.Scalar)
def mul(func, args, kwargs):
    a, b = args
    if _shared(a) and _shared(b):
        parties = _parties(func, a, b)
        return _wrap(beaver.mul(parties, a.handles, b.handles), parties)
    return scale_by(func, a, b) if _shared(a) else scale_by(func, b, a)


@OPS.implements(aten.mm.default, aten.bmm.default, aten.matmul.default)
def matmul(func, args, kwargs):
    a, b = args
    parties = _parties(func, a, b)
    if _shared(a) and _shared(b):
        return _wrap(beaver.matmul(parties, a.handles, b.handles), parties)
    # A public matrix multiplies each share on its own: (sum_i x_i) @ P = sum_i (x_i @ P).
    name = f"{func._opname}.{func._overloadname}"
    per_party = [[a.handles[i] if _shared(a) else _public(a), b.handles[i] if _shared(b) else _public(b)]
                 for i in range(parties.n)]
    return _wrap(parties.command(name, per_party), parties)


@OPS.implements(aten.pow.Tensor_Scalar)
def power(func, args, kwargs):
    x, exponent = args
    if exponent == 2:
        return _wrap(beaver.square(x.parties, x.handles), x.parties)
    if exponent == 1:
        return alias(func, (x,), {})
    raise UnsupportedOperationError(f"shared tensors support the powers 1 and 2, not {exponent}")


@OPS.implements(aten.div.Tensor, aten.div.Scalar, aten.floor_divide.default)
def divide(func, args, kwargs):
    x, divisor = args
    if _shared(divisor) or not _shared(x):
        raise UnsupportedOperationError("a shared tensor can only be divided by a public number")
    divisor = float(divisor) if not isinstance(divisor, torch.Tensor) else float(divisor.item())
    if not divisor.is_integer() or divisor <= 0:
        raise UnsupportedOperationError(f"a shared integer can be divided by a positive integer, not {divisor}")
    return _wrap(truncation.truncate(x.parties, x.handles, int(divisor)), x.parties)


# -- comparisons --------------------------------------------------------------
_COMPARE = {"gt": comparison.gt, "lt": comparison.lt, "ge": comparison.ge, "le": comparison.le, "eq": comparison.eq}


@OPS.implements(*[getattr(getattr(aten, n), o) for n in (*_COMPARE, "ne") for o in ("Tensor", "Scalar")])
def compare(func, args, kwargs):
    a, b = args
    parties = _parties(func, a, b)
    like = a if _shared(a) else b
    x, y = _as_shares(parties, a, like), _as_shares(parties, b, like)
    if func._opname == "ne":
        return _wrap(linear.public_sub(parties, 1, comparison.eq(parties, x, y)), parties)
    return _wrap(_COMPARE[func._opname](parties, x, y), parties)


@OPS.implements(aten.relu.default)
def relu(func, args, kwargs):
    return args[0].relu_with_bit()[0]


def _max_argmax(x, dim, keepdim):
    if dim is None:
        x, dim = sharewise(aten.view.default, (x, [-1]), {}), 0
    values, index = argmax_protocol.max_argmax(x.parties, x.handles, dim, onehot=False)
    values, index = _wrap(values, x.parties), _wrap(index, x.parties)
    if keepdim:
        values, index = (sharewise(aten.unsqueeze.default, (t, dim), {}) for t in (values, index))
    return values, index


@OPS.implements(aten.max.dim)
def max_dim(func, args, kwargs):
    x, dim = args[:2]
    return _max_argmax(x, dim, kwargs.get("keepdim", args[2] if len(args) > 2 else False))


@OPS.implements(aten.argmax.default)
def argmax(func, args, kwargs):
    x = args[0]
    dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
    return _max_argmax(x, dim, kwargs.get("keepdim", args[2] if len(args) > 2 else False))[1]


@OPS.implements(aten.max.default)
def max_all(func, args, kwargs):
    return _max_argmax(args[0], None, False)[0]


# -- in place: compute, then let the wrapper hold the new shares ------------------
def _in_place(kernel):
    def run(func, args, kwargs):
        target = args[0]
        result = kernel(func, args, kwargs)
        target.handles = _as_shares(target.parties, result, target) if not _shared(result) else result.handles
        return target

    return run


for _name, _kernel in {"add_": add, "sub_": sub, "mul_": mul}.items():
    for _overload in ("Tensor", "Scalar"):
        OPS.implements(getattr(getattr(aten, _name), _overload))(_in_place(_kernel))


@OPS.implements(aten.copy_.default)
def copy_(func, args, kwargs):
    target, source = args[:2]
    target.handles = _as_shares(target.parties, source, target)
    return target


@OPS.implements(aten.zero_.default)
def zero_(func, args, kwargs):
    target = args[0]
    target.handles = linear.sub(target.parties, target.handles, target.handles)
    return target

"""The kernels of FixedPrecisionTensor.

Each kernel maps a float operation to integer operations on the children
(which may be local int64 tensors or AdditiveSharingTensors) and keeps the
scale: a product of two encoded values is divided by the scale once
("truncation"); comparisons and argmax give integers that are re-encoded.
Public operands (Python numbers, plain tensors) are encoded on the fly;
integral public factors multiply exactly, with no truncation.
"""

import torch
from ..tree import leaves, tree_map

from ..errors import NotRemoteError, PyPrivateError, UnsupportedOperationError
from .fixed_precision import OPS, FixedPrecisionTensor
from ..crypto import truncation
from .sharing import AdditiveSharingTensor, check_workers
from .sharing_ops import SHAREWISE

aten = torch.ops.aten


def _fpt(x):
    return isinstance(x, FixedPrecisionTensor)


def encoder_of(args):
    """The encoder shared by every FixedPrecisionTensor in ``args``."""
    encoders = {(t.base, t.precision_fractional): t.encoder for t in leaves(args) if _fpt(t)}
    if len(encoders) > 1:
        raise PyPrivateError(f"cannot mix fixed precision settings {sorted(encoders)} in one operation")
    return next(iter(encoders.values()))


def dtype_of(args):
    return next(t.dtype for t in leaves(args) if _fpt(t))


def enc(x, encoder):
    """An operand as an integer at the encoder's scale."""
    if _fpt(x):
        return x.child
    if isinstance(x, torch.Tensor):
        return encoder.encode(x)
    return int(encoder.encode(torch.tensor(float(x))).item())


def wrap(child, encoder, dtype=torch.float32):
    return FixedPrecisionTensor(child, encoder, dtype)


def divide_int(child, divisor):
    """child / divisor for a public positive integer: truncation on shares, floor division locally."""
    if isinstance(child, AdditiveSharingTensor):
        return child.truncate(divisor)
    return torch.div(child, divisor, rounding_mode="floor")


def _integral(x):
    """A public factor as an int if it is a whole number, else None."""
    if isinstance(x, torch.Tensor):
        if x.is_floating_point():
            return None
        return x.long()
    if isinstance(x, bool) or (isinstance(x, float) and x.is_integer()):
        return int(x)
    return x if isinstance(x, int) else None


def mul_public(child, factor, encoder):
    """child * factor for a public number or tensor; exact when the factor is integral."""
    exact = _integral(factor)
    if exact is not None:
        return child * exact
    return divide_int(child * enc(factor, encoder), encoder.scale)


def secret_product(a, b, op, scale, grads=None):
    """op(a, b) / scale for integer children; one fused protocol when both are shared.

    ``grads``: whether the operands need gradients (a matrix product then
    keeps its masks for the backward pass).
    """
    if isinstance(a, AdditiveSharingTensor) and (b is None or isinstance(b, AdditiveSharingTensor)):
        return a.product(b, op, scale, grads)
    if op == "square":
        return divide_int(a * a, scale)
    return divide_int(a * b if op == "mul" else torch.matmul(a, b), scale)


def _add(a, b):
    return a + b if isinstance(a, torch.Tensor) else b + a


# -- arithmetic ----------------------------------------------------------------
@OPS.implements(aten.add.Tensor, aten.add.Scalar, aten.sub.Tensor, aten.sub.Scalar, aten.rsub.Tensor, aten.rsub.Scalar)
def add_sub(func, args, kwargs):
    e = encoder_of(args)
    a, b = args[:2]
    if func._opname == "rsub":
        a, b = b, a
    alpha = kwargs.get("alpha", 1)
    ca, cb = enc(a, e), enc(b, e) if alpha == 1 else mul_public(enc(b, e), alpha, e)
    if func._opname in ("sub", "rsub"):  # a - b in one step when both are tensors (shared: one message, not two)
        return wrap(ca - cb if isinstance(ca, torch.Tensor) else _add(ca, -cb), e, dtype_of(args))
    return wrap(_add(ca, cb), e, dtype_of(args))


@OPS.implements(aten.neg.default)
def neg(func, args, kwargs):
    return wrap(-args[0].child, args[0].encoder, args[0].dtype)


@OPS.implements(aten.mul.Tensor, aten.mul.Scalar)
def mul(func, args, kwargs):
    e, (a, b) = encoder_of(args), args
    if _fpt(a) and _fpt(b):
        return wrap(secret_product(a.child, b.child, "mul", e.scale), e, dtype_of(args))
    x, factor = (a, b) if _fpt(a) else (b, a)
    return wrap(mul_public(x.child, factor, e), e, x.dtype)


@OPS.implements(aten.div.Tensor, aten.div.Scalar)
def div(func, args, kwargs):
    x, d = args
    if _fpt(d):
        raise UnsupportedOperationError("division by a fixed precision (secret) value is not supported; divide by a public number")
    if kwargs.get("rounding_mode") is not None:
        raise UnsupportedOperationError("fixed precision division supports no rounding_mode")
    d = d.item() if isinstance(d, torch.Tensor) and d.numel() == 1 else d
    if isinstance(d, torch.Tensor):
        return wrap(mul_public(x.child, 1.0 / d, x.encoder), x.encoder, x.dtype)
    whole = _integral(d)
    if whole is not None and whole > 0:
        return wrap(divide_int(x.child, whole), x.encoder, x.dtype)
    return wrap(mul_public(x.child, 1.0 / d, x.encoder), x.encoder, x.dtype)


@OPS.implements(aten.mm.default, aten.bmm.default)
def matmul(func, args, kwargs):
    e = encoder_of(args)
    return wrap(secret_product(enc(args[0], e), enc(args[1], e), "matmul", e.scale, _grads(args[:2])), e,
                dtype_of(args))


def _grads(operands):
    """Whether each operand needs a gradient (seen here, under autograd, as it was when the op was called)."""
    return tuple(isinstance(t, torch.Tensor) and t.requires_grad for t in operands)


@OPS.implements(aten.dot.default, aten.mv.default)
def dot_mv(func, args, kwargs):
    """``v @ w`` and ``M @ v``: one matrix product, with the vectors as a row and a column."""
    e = encoder_of(args)
    a, b = enc(args[0], e), enc(args[1], e)
    a = a.view(1, -1) if func is aten.dot.default else a
    product = secret_product(a, b.view(-1, 1), "matmul", e.scale)
    return wrap(product.view(() if func is aten.dot.default else (-1,)), e, dtype_of(args))


@OPS.implements(aten.addmm.default)
def addmm(func, args, kwargs):
    bias, m1, m2 = args[:3]
    e, beta, alpha = encoder_of(args), kwargs.get("beta", 1), kwargs.get("alpha", 1)
    a, b, shift, grads = enc(m1, e), enc(m2, e), enc(bias, e), _grads((m1, m2))
    if alpha == 1 and beta == 1 and all(isinstance(t, AdditiveSharingTensor) for t in (a, b, shift)):
        fused = a.matmul_add(b, e.scale, shift, grads)  # nn.Linear: the bias joins the product's last step
        if fused is not None:
            return wrap(fused, e, dtype_of(args))
    product = secret_product(a, b, "matmul", e.scale, grads)
    product = product if alpha == 1 else mul_public(product, alpha, e)
    shift = shift if beta == 1 else mul_public(shift, beta, e)
    return wrap(_add(product, shift), e, dtype_of(args))


@OPS.implements(aten.pow.Tensor_Scalar)
def power(func, args, kwargs):
    x, exponent = args
    if exponent == 2:
        return wrap(secret_product(x.child, None, "square", x.encoder.scale), x.encoder, x.dtype)
    if exponent == 1:
        return wrap(x.child, x.encoder, x.dtype)
    raise UnsupportedOperationError(f"fixed precision tensors support x ** 2 and x ** 1, not x ** {exponent}")


@OPS.implements(aten.mean.default, aten.mean.dim)
def mean(func, args, kwargs):
    x = args[0]
    total = aten.sum.default(x.child) if func is aten.mean.default else aten.sum.dim_IntList(x.child, *args[1:], **kwargs)
    count = x.numel() // max(total.numel(), 1)
    return wrap(divide_int(total, count), x.encoder, x.dtype)


@OPS.implements(aten.sum.default, aten.sum.dim_IntList)
def sum_(func, args, kwargs):
    x = args[0]
    kwargs = {k: v for k, v in kwargs.items() if k != "dtype"}
    dtype = torch.int64 if x.dtype == torch.bool else x.dtype
    return wrap(func(x.child, *args[1:], **kwargs), x.encoder, dtype)


@OPS.implements(aten.mse_loss.default)
def mse_loss(func, args, kwargs):
    x, target = args[:2]
    reduction = kwargs.get("reduction", args[2] if len(args) > 2 else 1)
    e = encoder_of(args)
    diff = _add(enc(x, e), -enc(target, e))
    squared = secret_product(diff, None, "square", e.scale)
    if reduction == 0:
        return wrap(squared, e, x.dtype)
    total = aten.sum.default(squared)
    return wrap(divide_int(total, x.numel()) if reduction == 1 else total, e, x.dtype)


@OPS.implements(aten.mse_loss_backward.default)
def mse_loss_backward(func, args, kwargs):
    grad, x, target, reduction = args[:4]
    e = encoder_of(args)
    diff = _add(enc(x, e), -enc(target, e)) * 2
    out = secret_product(diff, enc(grad, e), "mul", e.scale)
    return wrap(divide_int(out, x.numel()) if reduction == 1 else out, e, x.dtype)


# -- activations and comparisons -------------------------------------------------
@OPS.implements(aten.relu.default, aten.relu_.default)
def relu(func, args, kwargs):
    """relu(x), keeping the comparison's bit for the backward pass; ``relu_`` (``inplace=True``) too."""
    x = args[0]
    if isinstance(x.child, AdditiveSharingTensor):
        value, bit = x.child.relu_with_bit(x.requires_grad)
    else:
        bit = (x.child > 0).long()
        value = x.child * bit
    if func is aten.relu_.default:
        out, x.child = x, value
    else:
        out = wrap(value, x.encoder, x.dtype)
    out._relu_bit = bit  # backward multiplies by this bit instead of comparing again
    return out


@OPS.implements(aten.threshold_backward.default)
def threshold_backward(func, args, kwargs):
    grad, out, threshold = args
    if threshold != 0:
        raise UnsupportedOperationError("only ReLU's threshold of 0 is supported")
    bit = getattr(out, "_relu_bit", None)
    if bit is None:
        bit = enc(out, out.encoder) > 0
        bit = bit.long() if not isinstance(bit, AdditiveSharingTensor) else bit
    e = encoder_of(args)
    return wrap(enc(grad, e) * bit, e, grad.dtype if _fpt(grad) else out.dtype)


def _bits(result):
    return result.long() if result.dtype == torch.bool and not isinstance(result, AdditiveSharingTensor) else result


@OPS.implements(*[getattr(getattr(aten, n), o) for n in ("eq", "ne", "gt", "lt", "ge", "le") for o in ("Tensor", "Scalar")])
def compare(func, args, kwargs):
    e = encoder_of(args)
    a, b = args
    if not _fpt(a):
        a, b = b, a
        func = {"gt": aten.lt, "lt": aten.gt, "ge": aten.le, "le": aten.ge}.get(func._opname, getattr(aten, func._opname)).Tensor
    cb = enc(b, e)
    bits = _bits(getattr(aten, func._opname).Tensor(a.child, cb if isinstance(cb, torch.Tensor) else torch.tensor(cb)))
    return wrap(bits * e.scale, e, torch.bool)


def _index(child, e):
    return _bits(child) * e.scale


@OPS.implements(aten.argmax.default)
def argmax(func, args, kwargs):
    x = args[0]
    return wrap(_index(func(x.child, *args[1:], **kwargs), x.encoder), x.encoder, torch.int64)


@OPS.implements(aten.max.dim)
def max_dim(func, args, kwargs):
    x = args[0]
    values, index = func(x.child, *args[1:], **kwargs)
    return wrap(values, x.encoder, x.dtype), wrap(_index(index, x.encoder), x.encoder, torch.int64)


@OPS.implements(aten.max.default)
def max_all(func, args, kwargs):
    x = args[0]
    return wrap(func(x.child), x.encoder, x.dtype)


# -- structure, constants, copies ---------------------------------------------
@OPS.implements(*[op for op in SHAREWISE if op._opname != "sum"])
def structural(func, args, kwargs):
    if func is aten.view.default and list(args[1]) == list(args[0].shape):
        return alias(func, args[:1], {})  # e.g. torch.utils.swap_tensors' view_as: no work, no messages
    e = encoder_of(args)
    result = func(*tree_map(lambda a: a.child if _fpt(a) else a, args), **kwargs)
    dtype = dtype_of(args)
    if isinstance(result, (list, tuple)):
        return type(result)(wrap(r, e, dtype) for r in result)
    return wrap(result, e, dtype)


_IN_PLACE_VIEWS = {
    aten.squeeze_.dim: aten.squeeze.dim, aten.squeeze_.default: aten.squeeze.default,
    aten.squeeze_.dims: aten.squeeze.dims, aten.unsqueeze_.default: aten.unsqueeze.default,
    aten.t_.default: aten.t.default, aten.transpose_.default: aten.transpose.int,
}


@OPS.implements(*_IN_PLACE_VIEWS)
def in_place_view(func, args, kwargs):
    """``x.squeeze_(0)`` and the like (``vector @ matrix`` ends with one): new shape, same values.

    The child is reshaped first, so a wrong argument fails before anything
    changes; then the wrapper's own sizes are set by torch's kernel, which
    touches no data.
    """
    target = args[0]
    child = _IN_PLACE_VIEWS[func](target.child, *args[1:], **kwargs)
    with torch.utils._mode_utils.no_dispatch():
        func(target, *args[1:], **kwargs)
    target.child = child
    return target


@OPS.implements(aten.detach.default, aten.alias.default, aten.lift_fresh.default, aten.clone.default)
def alias(func, args, kwargs):
    x = args[0]
    out = wrap(x.child, x.encoder, x.dtype)
    if hasattr(x, "_relu_bit"):
        out._relu_bit = x._relu_bit
    return out


@OPS.implements(aten._to_copy.default)
def to_copy(func, args, kwargs):
    x, dtype = args[0], kwargs.get("dtype") or args[0].dtype
    if not dtype.is_floating_point:
        raise UnsupportedOperationError("a fixed precision tensor can only change to another float dtype")
    return wrap(x.child, x.encoder, dtype)


_CONSTANT_LIKE = {
    aten.zeros_like.default: 0.0, aten.ones_like.default: 1.0, aten.empty_like.default: 0.0,
    aten.new_zeros.default: 0.0, aten.new_ones.default: 1.0, aten.new_empty.default: 0.0,
    aten.new_empty_strided.default: 0.0, aten.full_like.default: None, aten.new_full.default: None,
}


@OPS.implements(*_CONSTANT_LIKE)
def constant_like(func, args, kwargs):
    """Public constants, held locally: they reveal nothing."""
    x = args[0]
    shape = list(args[1]) if func._opname.startswith("new_") else list(x.shape)
    value = _CONSTANT_LIKE[func]
    if value is None:
        value = float(args[2] if func is aten.new_full.default else args[1])
    return wrap(x.encoder.encode(torch.full(shape, value, dtype=torch.float64)), x.encoder, x.dtype)


@OPS.implements(aten.bernoulli_.float)
def bernoulli_(func, args, kwargs):
    """``mask.bernoulli_(p)`` on a public tensor: how dropout draws its mask.

    The mask is random and independent of the data, so it may be public:
    dropout multiplies the (possibly shared) activations by it, a product
    with a public tensor. Drawn with torch's generator, like torch does.
    """
    target = args[0]
    if isinstance(target.child, AdditiveSharingTensor):
        raise UnsupportedOperationError("bernoulli_ draws public random values; it cannot fill a shared tensor")
    p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
    mask = torch.empty(target.shape, dtype=target.dtype).bernoulli_(p, generator=kwargs.get("generator"))
    target.child = target.encoder.encode(mask)
    return target


@OPS.implements(aten.copy_.default)
def copy_(func, args, kwargs):
    target, source = args[:2]
    target.child = enc(source, target.encoder)
    return target


@OPS.implements(aten.zero_.default)
def zero_(func, args, kwargs):
    target = args[0]
    target.child = torch.zeros(target.shape, dtype=torch.int64)
    return target


def _in_place(kernel, out_of_place):
    def run(func, args, kwargs):
        target = args[0]
        target.child = kernel(out_of_place, args, kwargs).child
        return target

    return run


for _name, _kernel in {"add": add_sub, "sub": add_sub, "mul": mul, "div": div}.items():
    for _overload in ("Tensor", "Scalar"):
        _op = getattr(getattr(aten, _name), _overload)
        OPS.implements(getattr(getattr(aten, f"{_name}_"), _overload))(_in_place(_kernel, _op))


@OPS.implements(aten._local_scalar_dense.default, aten.is_nonzero.default, aten.equal.default)
def to_python(func, args, kwargs):
    raise NotRemoteError(
        "a fixed precision value is not a Python number yet: decode it with .float_precision() "
        "(after .get() if it is shared)"
    )


@OPS.implements(aten._foreach_add_.List)
def foreach_add_(func, args, kwargs):
    """``torch._foreach_add_(params, grads, alpha=-lr)``: a whole optimizer step at once.

    When every tensor is shared among the same workers and ``alpha`` needs a
    truncation, all parameters are updated in one protocol run instead of
    one per parameter. With two workers that run is local: each divides its
    own shares (no dealer, no round; see ``truncation.scaled_add_many_local``
    for why the rare failure of local truncation is acceptable for updates).
    """
    targets, others = args[0], args[1]
    alpha = kwargs.get("alpha", args[2] if len(args) > 2 else 1)
    e = encoder_of(targets)
    children = [enc(o, e) for o in others]
    tensors = [t.child for t in targets] + children
    shared = [c for c in tensors if isinstance(c, AdditiveSharingTensor)]
    if _integral(alpha) is None and len(shared) == len(tensors) and all(
            c.parties.same_workers(shared[0].parties) for c in shared):
        parties = check_workers("_foreach_add_", shared)
        new = truncation.scaled_add_many_local(parties, [t.child.handles for t in targets], [c.handles for c in children],
                                         int(e.encode(torch.tensor(float(alpha))).item()), e.scale)
        for target, shares in zip(targets, new):
            target.child = AdditiveSharingTensor(shares, parties)
        parties.dealer.end_step()  # the next training step's material can be dealt ahead
        return None
    for target, child in zip(targets, children):
        target.child = _add(target.child, child if alpha == 1 else mul_public(child, alpha, e))
    return None

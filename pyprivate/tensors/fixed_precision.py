"""FixedPrecisionTensor: real numbers carried as scaled integers.

The wrapper presents a float dtype to PyTorch, so autograd, ``nn.Module``
and ``torch.optim`` treat it as an ordinary float tensor. Inside, ``child``
is an int64 tensor holding ``round(value * base**precision)``: a local
tensor after ``.fix_precision()``, or an :class:`AdditiveSharingTensor`
after ``.share(...)``. The kernels in :mod:`.fixed_precision_ops` do the
integer arithmetic on the child and truncate products back to the scale.
"""

import torch

from ..errors import NotRemoteError, PyPrivateError, UnsupportedOperationError
from .encoding import FixedPointEncoder
from .op_table import OpTable
from .pointer import PointerTensor, op_label, pointer_and_fixed_precision
from .sharing import AdditiveSharingTensor

OPS = OpTable("FixedPrecisionTensor")


class FixedPrecisionTensor(torch.Tensor):
    """A float-looking tensor whose ``child`` holds integers scaled by ``encoder.scale``."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, child, encoder, dtype=torch.float32, requires_grad=False):
        fpt = torch.Tensor._make_wrapper_subclass(
            cls, child.shape, dtype=dtype, device="cpu", requires_grad=requires_grad
        )
        fpt.child, fpt.encoder = child, encoder
        return fpt

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def encode(cls, tensor, base=10, precision_fractional=3):
        """``tensor.fix_precision()``: encode a float (or integer) tensor."""
        if isinstance(tensor, FixedPrecisionTensor):
            raise PyPrivateError("this tensor is already in fixed precision")
        encoder = FixedPointEncoder(base, precision_fractional)
        dtype = tensor.dtype if tensor.is_floating_point() else torch.float32
        return cls(encoder.encode(tensor.detach()), encoder, dtype=dtype, requires_grad=tensor.requires_grad)

    @property
    def base(self):
        return self.encoder.base

    @property
    def precision_fractional(self):
        return self.encoder.precision

    @property
    def is_shared(self):
        return isinstance(self.child, AdditiveSharingTensor)

    def float_precision(self):
        """Decode back to an ordinary float tensor (the values must be local: ``.get()`` first)."""
        if self.is_shared:
            raise NotRemoteError("these values are still secret-shared: call .get() before .float_precision()")
        return self.encoder.decode(self.child, self.dtype)

    def share(self, *workers, crypto_provider=None, requires_grad=False):
        """Split the encoded values into additive shares, one per worker."""
        if self.is_shared:
            raise PyPrivateError("this tensor is already shared; .get() it before sharing it again")
        child = AdditiveSharingTensor.share_secret(self.child, workers, crypto_provider)
        return FixedPrecisionTensor(child, self.encoder, self.dtype, requires_grad=requires_grad or self.requires_grad)

    def get(self):
        """Reconstruct shared values here (still in fixed precision: then ``.float_precision()``).

        A result computed only from public values (for instance the gradient
        of ``(x * public).sum()``) is already local; ``.get()`` returns it as is.
        """
        child = self.child.get() if self.is_shared else self.child
        return FixedPrecisionTensor(child, self.encoder, self.dtype)

    def copy(self):
        """A detached copy; for shared values, with fresh shares (``x.copy().get()`` keeps ``x``)."""
        child = self.child.copy() if self.is_shared else self.child.clone()
        return FixedPrecisionTensor(child, self.encoder, self.dtype)

    def refresh(self):
        """The same values with fresh random shares (differentiable: gradients pass through)."""
        if not self.is_shared:
            raise NotRemoteError("only shared tensors can be refreshed; call .share(...) first")
        return _Refresh.apply(self)

    def fix_precision(self, *args, **kwargs):
        raise PyPrivateError("this tensor is already in fixed precision")

    def numpy(self, *args, **kwargs):
        raise NotRemoteError(self._not_numbers_yet("numpy()"))

    def tolist(self):
        raise NotRemoteError(self._not_numbers_yet("tolist()"))

    def _not_numbers_yet(self, call):
        if self.is_shared:
            return f"{call} needs plain numbers, and these are shares of fixed precision integers: x.get().float_precision() first"
        return f"{call} needs plain numbers, and these are fixed precision integers: x.float_precision() first"

    def send(self, *workers, **kwargs):
        """Shared values already live on their workers; local ones are sent as floats or shared."""
        if self.is_shared:
            return self.child.send()  # raises: .get() it first
        raise UnsupportedOperationError(
            "a fixed precision tensor cannot be sent to one worker: send the float tensor before encoding it "
            "(x.send(bob); x.send(bob).fix_precision() encodes it at bob), or share it among workers "
            "(x.fix_precision().share(bob, alice, crypto_provider=james))"
        )

    def __repr__(self, **kwargs):
        head = f"(Wrapper)>FixedPrecisionTensor(base={self.base}, precision_fractional={self.precision_fractional})"
        if self.requires_grad:
            head = "(Wrapper)>AutogradTensor>" + head.removeprefix("(Wrapper)>")
        if self.is_shared:
            return head + ">" + repr(self.child).removeprefix("(Wrapper)>")
        return f"{head}>{self.child!r}"

    __str__ = __repr__

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        if len(types) > 1 and any(issubclass(t, PointerTensor) for t in types):
            pointer = next(a for a in args if isinstance(a, PointerTensor))
            raise pointer_and_fixed_precision(op_label(func), pointer.location)
        return OPS(func, args, kwargs or {})


class _Refresh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return FixedPrecisionTensor(x.child.refresh(), x.encoder, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad

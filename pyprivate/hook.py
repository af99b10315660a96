"""TorchHook: the one place where pyprivate adds methods to torch.

``sy.TorchHook(torch)`` gives every tensor ``.send(worker)``, ``.get()``,
``.copy()``, ``.move(worker)``, ``.fix_precision()``, ``.share(...)`` and
``.float_precision()``; every ``nn.Module`` ``.send``, ``.get``, ``.copy``,
``.move``, ``.location``,
``.fix_precision``, ``.share`` and ``.float_precision``; and every optimizer
``.fix_precision()``. Calling it again changes nothing.
"""

import torch
from torch import nn, optim

from . import modules
from .errors import NotRemoteError, PyPrivateError, UnsupportedOperationError
from .tensors import AdditiveSharingTensor, FixedPrecisionTensor, PointerTensor
from .workers.client import local_worker


def _tensor_send(self, worker, private=False):
    """Send this tensor to ``worker`` and return a pointer to it.

    With ``private=True`` it is private data at ``worker``: nobody (the
    sender included) can ``.get()`` it, or anything computed from it, until
    the worker's owner approves a request (``ptr.request("why")``).
    """
    return PointerTensor.from_tensor(self, worker, private=private)


def _tensor_copy(self):
    """A copy of this tensor (detached from autograd); on a pointer, a copy made at its worker."""
    return self.detach().clone()


def _tensor_move(self, worker):
    raise NotRemoteError("this tensor is local: .send(worker) sends it; .move(worker) moves a pointer's data "
                         "from its worker straight to another")


def _tensor_get(self):
    raise NotRemoteError("this tensor is already local: .get() is for pointers, which .send(worker) returns")


def _tensor_fix_precision(self, base=10, precision_fractional=3):
    """Encode this tensor as integers scaled by base**precision_fractional (1.2345 -> 1235)."""
    return FixedPrecisionTensor.encode(self, base, precision_fractional)


def _tensor_share(self, *workers, crypto_provider=None, requires_grad=False):
    """Secret-share an integer tensor among ``workers`` (encode floats with .fix_precision() first)."""
    if self.is_floating_point():
        raise PyPrivateError("shares are integers: call .fix_precision() before .share(...) on a float tensor")
    return AdditiveSharingTensor.share_secret(self, workers, crypto_provider)


def _tensor_float_precision(self):
    raise NotRemoteError("this tensor is not in fixed precision: .float_precision() undoes .fix_precision()")


def _optimizer_fix_precision(self):
    """Returns the optimizer, ready for fixed precision parameters (as in the tutorials).

    Only ``optim.SGD`` is supported; any other optimizer raises
    :class:`UnsupportedOperationError` here rather than at its first step.
    Fixed precision tensors encode the optimizer's numbers themselves. For
    plain SGD this also turns on torch's ``foreach`` update, so that a step
    updates every secret-shared parameter in one secure protocol run.
    """
    if not isinstance(self, optim.SGD):
        raise UnsupportedOperationError(
            f"only optim.SGD runs on fixed precision parameters (momentum and weight_decay work), not "
            f"{type(self).__name__}: Adam, RMSprop and Adagrad divide by a square root of the gradients, "
            "which has no secure implementation here"
        )
    for group in self.param_groups:
        plain = not (group.get("momentum") or group.get("weight_decay") or group.get("maximize"))
        group["foreach"] = plain or group.get("foreach")
    return self


_TENSOR_METHODS = {
    "send": _tensor_send,
    "get": _tensor_get,
    "move": _tensor_move,
    "copy": _tensor_copy,
    "fix_precision": _tensor_fix_precision,
    "share": _tensor_share,
    "float_precision": _tensor_float_precision,
}
_MODULE_METHODS = {
    "send": modules.send_module,
    "get": modules.get_module,
    "copy": modules.copy_module,
    "move": modules.move_module,
    "location": property(modules.module_location),
    "fix_precision": modules.fix_precision_module,
    "share": modules.share_module,
    "float_precision": modules.float_precision_module,
}
_hooked = False


class TorchHook:
    """Adds pyprivate's methods to ``torch``; ``hook.local_worker`` is the worker "me"."""

    def __init__(self, torch_module=torch):
        if torch_module is not torch:
            raise TypeError("TorchHook expects the torch module: sy.TorchHook(torch)")
        self.torch = torch_module
        self.local_worker = local_worker
        install()

    def __repr__(self):
        return "<TorchHook: tensors and modules have .send(), .get(), .fix_precision(), .share() ...>"


def install():
    """Add the methods (idempotent)."""
    global _hooked
    if _hooked:
        return
    for name, method in _TENSOR_METHODS.items():
        setattr(torch.Tensor, name, method)
    for name, method in _MODULE_METHODS.items():
        setattr(nn.Module, name, method)
    optim.Optimizer.fix_precision = _optimizer_fix_precision
    # PointerTensor defines its own versions; keep them.
    _hooked = True

"""TorchHook: the one place where pyprivate adds methods to torch.

``sy.TorchHook(torch)`` gives every tensor ``.send(worker)`` and ``.get()``,
and every ``nn.Module`` ``.send(worker)``, ``.get()``, ``.copy()`` and
``.location``. Calling it again changes nothing.
"""

import torch
from torch import nn

from . import modules
from .errors import NotRemoteError
from .tensors.pointer import PointerTensor
from .workers.client import local_worker


def _tensor_send(self, worker):
    """Send this tensor to ``worker`` and return a pointer to it."""
    return PointerTensor.from_tensor(self, worker)


def _tensor_get(self):
    raise NotRemoteError("this tensor is already local: .get() is for pointers, which .send(worker) returns")


_TENSOR_METHODS = {"send": _tensor_send, "get": _tensor_get}
_MODULE_METHODS = {
    "send": modules.send_module,
    "get": modules.get_module,
    "copy": modules.copy_module,
    "location": property(modules.module_location),
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
        return "<TorchHook: torch tensors have .send() and .get()>"


def install():
    """Add the methods (idempotent)."""
    global _hooked
    if _hooked:
        return
    for name, method in _TENSOR_METHODS.items():
        setattr(torch.Tensor, name, method)
    for name, method in _MODULE_METHODS.items():
        setattr(nn.Module, name, method)
    # PointerTensor defines its own versions; keep them.
    _hooked = True

"""Moving whole ``nn.Module``s: ``model.send(bob)``, ``model.get()``, ``model.location``.

Parameters are replaced **in place** with ``torch.utils.swap_tensors``: each
``nn.Parameter`` stays the same Python object and only its contents change
(to a pointer, and back). An optimizer created before ``model.send(bob)``
therefore keeps updating the model, wherever it is.
"""

import copy

import torch
from torch import nn

from .errors import AlreadyRemoteError, NotRemoteError, WorkerMismatchError
from .tensors.pointer import PointerTensor
from .workers.client import check_worker


def swap_module_tensors(module, convert):
    """Replace every parameter and buffer ``t`` of ``module`` with ``convert(t)``, in place.

    All conversions run first, so if one fails the module is left unchanged.
    """
    slots = [(m, "_parameters", n, t) for m in module.modules() for n, t in m._parameters.items() if t is not None]
    slots += [(m, "_buffers", n, t) for m in module.modules() for n, t in m._buffers.items() if t is not None]
    converted = [convert(t) for *_, t in slots]
    for (m, kind, name, old), new in zip(slots, converted):
        if kind == "_parameters":
            grad = new.grad
            new = nn.Parameter(new, requires_grad=old.requires_grad)
            new.grad = grad
        torch.utils.swap_tensors(old, new)
    return module


def module_location(module):
    """The worker holding the module's parameters, or ``None`` if they are local."""
    tensors = list(module.parameters()) + list(module.buffers())
    locations = {id(t.location): t.location for t in tensors if isinstance(t, PointerTensor)}
    if not locations:
        return None
    if len(locations) > 1 or len(tensors) != sum(isinstance(t, PointerTensor) for t in tensors):
        where = sorted(w.id for w in locations.values())
        raise WorkerMismatchError(f"this model is split across workers {where} (or partly local)")
    return next(iter(locations.values()))


def send_module(module, worker):
    """Send every parameter and buffer to ``worker``; returns the module."""
    check_worker(worker, "send")
    where = module_location(module)
    if where is not None:
        raise AlreadyRemoteError(f"this model is already at {where.id}; call model.get() before sending it elsewhere")
    return swap_module_tensors(module, lambda t: PointerTensor.from_tensor(t.detach(), worker))


def get_module(module):
    """Bring every parameter (with its gradient) and buffer back; returns the module."""
    if module_location(module) is None:
        raise NotRemoteError("this model is already local: model.get() is for a model sent with model.send(worker)")

    def fetch(t):
        grad = t.grad
        value = t.detach().get()
        if grad is not None:
            value.grad = grad.get() if isinstance(grad, PointerTensor) else grad
        return value

    return swap_module_tensors(module, fetch)


def copy_module(module):
    """A deep copy of a local model (for instance, one per worker before sending)."""
    where = module_location(module)
    if where is not None:
        raise AlreadyRemoteError(f"copy() works on a local model; this one is at {where.id}, so call model.get() first")
    return copy.deepcopy(module)

"""Moving whole ``nn.Module``s: ``model.send(bob)``, ``model.get()``, ``model.move(alice)``, ``model.copy()``.

Parameters are replaced **in place** with ``torch.utils.swap_tensors``: each
``nn.Parameter`` stays the same Python object and only its contents change
(to a pointer, and back). An optimizer created before ``model.send(bob)``
therefore keeps updating the model, wherever it is.
"""

import copy

import torch
from torch import nn

from .errors import AlreadyRemoteError, NotRemoteError, PyPrivateError, UnsupportedOperationError, WorkerMismatchError
from .tensors.fixed_precision import FixedPrecisionTensor
from .tensors.pointer import PointerTensor, move_pointers
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
    if any(isinstance(t, FixedPrecisionTensor) for t in module.parameters()):
        shared = any(_is_shared(t) for t in module.parameters())
        raise (AlreadyRemoteError if shared else UnsupportedOperationError)(
            "this model is secret-shared: it already lives on its workers; model.get() it first" if shared else
            "a fixed precision model cannot be sent to one worker: send it before encoding it (model.send(bob)), "
            "or share it (model.fix_precision().share(bob, alice, crypto_provider=james))"
        )
    where = module_location(module)
    if where is not None:
        raise AlreadyRemoteError(f"this model is already at {where.id}; model.move({worker.id}) moves it there "
                                 "directly, or call model.get() before sending it elsewhere")
    return swap_module_tensors(module, lambda t: PointerTensor.from_tensor(t.detach(), worker))


def _check_local(module, action):
    where = module_location(module)
    if where is not None:
        raise AlreadyRemoteError(f"{action} works on a local model; this one is at {where.id}, so call model.get() first")


def _is_shared(t):
    return isinstance(t, FixedPrecisionTensor) and t.is_shared


def get_module(module):
    """Bring every parameter and buffer back; returns the module.

    Gradients stay behind at the worker (and are deleted with their
    pointers): a gradient reveals the worker's data, and the model owner
    only needs the updated weights.

    For a secret-shared model the values are reconstructed, still in fixed
    precision (then ``model.float_precision()``).
    """
    if any(_is_shared(t) for t in module.parameters()):
        return swap_module_tensors(module, lambda t: t.detach().get() if _is_shared(t) else t.detach())
    if module_location(module) is None:
        raise NotRemoteError("this model is already local: model.get() is for a model sent with model.send(worker)")

    return swap_module_tensors(module, lambda t: t.detach().get())


def copy_module(module):
    """A deep copy of a model; a model at a worker is copied there (``model.copy().send(bob)``, tutorial part 4)."""
    if module_location(module) is None:
        return copy.deepcopy(module)
    # The copies are made at the worker; deepcopy then uses them in place of the originals.
    memo = {}
    for t in list(module.parameters()) + list(module.buffers()):
        twin = t.copy()
        memo[id(t)] = nn.Parameter(twin, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else twin
    return copy.deepcopy(module, memo)


def move_module(module, worker):
    """Move every parameter and buffer straight from its worker to ``worker``; returns the module.

    The worker sends them itself, in one message: the data never passes
    through this process. Gradients stay behind (and are deleted with
    their pointers), as with ``model.get()``.
    """
    check_worker(worker, "move")
    if any(isinstance(t, FixedPrecisionTensor) for t in module.parameters()):
        raise UnsupportedOperationError("move() moves a model that was sent to one worker; this one is in fixed "
                                        "precision (or secret-shared among its workers)")
    if module_location(module) is None:
        raise NotRemoteError("this model is local: model.send(worker) sends it; model.move(worker) moves a model "
                             "that is already at a worker")
    tensors = list(module.parameters()) + list(module.buffers())
    move_pointers(tensors, worker)
    for t in module.parameters():
        t.grad = None
    return module


def fix_precision_module(module, base=10, precision_fractional=3):
    """Encode every parameter and buffer in fixed precision, in place; returns the module."""
    if any(isinstance(t, FixedPrecisionTensor) for t in module.parameters()):
        raise PyPrivateError("this model is already in fixed precision")
    _check_local(module, "fix_precision()")
    return swap_module_tensors(module, lambda t: FixedPrecisionTensor.encode(t.detach(), base, precision_fractional))


def share_module(module, *workers, crypto_provider=None, requires_grad=False):
    """Secret-share every fixed precision parameter and buffer among ``workers``, in place."""
    _check_local(module, "share()")
    tensors = list(module.parameters()) + list(module.buffers())
    if not all(isinstance(t, FixedPrecisionTensor) for t in tensors):
        raise PyPrivateError("share the model after encoding it: model.fix_precision().share(bob, alice, ...)")
    return swap_module_tensors(module, lambda t: t.detach().share(*workers, crypto_provider=crypto_provider))


def float_precision_module(module):
    """Decode every fixed precision parameter back to float, in place (``.get()`` a shared model first)."""
    if any(_is_shared(t) for t in module.parameters()):
        raise NotRemoteError("this model is still secret-shared: call model.get() before model.float_precision()")
    return swap_module_tensors(
        module, lambda t: t.detach().float_precision() if isinstance(t, FixedPrecisionTensor) else t.detach()
    )

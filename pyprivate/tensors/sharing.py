"""AdditiveSharingTensor: a secret split into random-looking shares, one per worker.

``secret = share_0 + share_1 + ... (mod 2^64)``. Each share alone is uniform
noise; each lives in its own worker's store and is reached by a pointer.
The tensor is an int64 ``torch.Tensor`` wrapper: its ``__torch_dispatch__``
runs the secure protocols of :mod:`pyprivate.crypto` on the workers, with
the crypto provider dealing the correlated randomness.
"""

import functools

import torch

from ..crypto import beaver, bilinear, comparison, sharing, truncation
from ..crypto.prng import PRNG
from ..errors import AlreadyRemoteError, PyPrivateError, WorkerMismatchError
from ..workers.client import check_worker, local_worker, request
from ..workers.messages import GetObject
from .op_table import OpTable
from .pointer import PointerTensor
from .share_view import Share, ShareView
from .worker_parties import WorkerParties

OPS = OpTable("AdditiveSharingTensor")
_prng = PRNG()


def seed(value):
    """Make the data owner's share generation reproducible (tests and demonstrations only)."""
    global _prng
    _prng = PRNG(value)


class AdditiveSharingTensor(torch.Tensor):
    """Shares of an int64 tensor, held by ``workers``; see the module docstring."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, shares, parties):
        ast = torch.Tensor._make_wrapper_subclass(cls, shares[0].shape, dtype=torch.int64, device="cpu")
        ast.handles, ast.parties = list(shares), parties
        return ast

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def share_secret(cls, secret, workers, crypto_provider=None):
        """Split the int64 tensor ``secret`` here and send one share to each worker."""
        workers = check_share_workers(workers, crypto_provider)
        if isinstance(secret, (PointerTensor, AdditiveSharingTensor)):
            raise AlreadyRemoteError("this tensor is already remote or shared; .get() it before sharing it")
        shares = sharing.share(secret, len(workers), _prng)
        pointers = [PointerTensor.from_tensor(s, w, lazy=True) for s, w in zip(shares, workers)]
        return cls(pointers, WorkerParties(workers, crypto_provider))

    @property
    def shares(self):
        """Pointers to the shares, one per worker.

        A share may still be a lazy view (``x.t()``, see :mod:`.share_view`):
        it is applied first, one message per worker. Protocols use
        ``handles``, which may hold views, and so save those messages.
        """
        if any(isinstance(h, ShareView) for h in self.handles):
            self.handles = self.parties.command("alias.default", [[h] for h in self.handles])
        self._handles_to_pointers()
        return self.handles

    def _handles_to_pointers(self):
        """Turn light handles into PointerTensors to the same objects (no message)."""
        self.handles = [h.as_pointer() if isinstance(h, Share) else h for h in self.handles]

    @shares.setter
    def shares(self, value):
        self.handles = list(value)

    @property
    def workers(self):
        return self.parties.workers

    @property
    def crypto_provider(self):
        return self.parties.crypto_provider

    def get(self):
        """Reconstruct the secret here; the shares are removed from the workers."""
        for i, s in enumerate(self.shares):
            self.parties._ref(s, i)
        values = [request(s.location, GetObject(s.id_at_location, remove=True)) for s in self.shares]
        for s in self.shares:
            s._ref.alive = False
        return sharing.reconstruct(values)

    def copy(self):
        """New shares of the same secret, so that ``.copy().get()`` leaves this tensor in place."""
        return self.refresh()

    def refresh(self):
        """The same secret with fresh shares (adds a random sharing of zero from the crypto provider)."""
        (zero,) = self.parties.dealer.zero_shares(self.shape, self.parties.n)
        return AdditiveSharingTensor(self.parties.run("arith.add", [list(p) for p in zip(self.handles, zero)]), self.parties)

    def truncate(self, divisor):
        """Shares of self / divisor, off by at most one unit; how is ``sy.settings.truncation``'s choice."""
        return self._like(truncation.divide(self.parties, self.handles, int(divisor)))

    def product(self, other, op="mul", divisor=None, grads=None):
        """Shares of op(self, other), divided by ``divisor`` if given.

        ``op`` is "mul", "matmul", "square" (``other`` is None) or another
        bilinear op of :mod:`pyprivate.crypto.bilinear` (a convolution).
        Fixed precision uses this to truncate in the same protocol run as the
        Beaver product (one dealer bundle, one round fewer). ``grads``
        (whether self and other need gradients) lets a matrix product keep
        its masks for the backward pass (``crypto/step_masks.py``).
        """
        parties = check_workers(bilinear.kind(op), [self, other] if other is not None else [self])
        if op == "square":
            return AdditiveSharingTensor(beaver.square(parties, self.handles, divisor), parties)
        if op == "matmul":
            return AdditiveSharingTensor(beaver.matmul(parties, self.handles, other.handles, divisor, grads=grads),
                                         parties)
        protocol = beaver.mul if op == "mul" else functools.partial(beaver.bilinear_product, op=op)
        return AdditiveSharingTensor(protocol(parties, self.handles, other.handles, divisor), parties)

    def with_public(self, public, op, shared_first=True):
        """Shares of op(self, public) (or op(public, self)): each party applies op to its share, no message between them.

        Right for any op that is linear in the shared operand (every bilinear op).
        """
        if not isinstance(public, torch.Tensor) or public.is_floating_point():
            raise PyPrivateError("shared integers only mix with integers: encode floats with .fix_precision() first")
        per_party = [[h] for h in self.handles]
        return self._like(self.parties.run("beaver.with_public", per_party, public=public.long(), op=op,
                                           shared_first=shared_first))

    def matmul_add(self, other, divisor, addend, grads=None):
        """Shares of self @ other / divisor + addend (a linear layer), in one protocol run when it can.

        With local truncation the bias is added in the product's last step.
        Returns None, and the caller multiplies and adds in two runs, without
        local truncation or when ``addend`` would broadcast the product to a
        larger shape.
        """
        parties = check_workers("addmm", [self, other, addend])
        shape = beaver.result_shape("matmul", tuple(self.shape), tuple(other.shape))
        if not truncation.divides_locally(parties) or _broadcast_shape(tuple(addend.shape), shape) != shape:
            return None
        return AdditiveSharingTensor(beaver.matmul(parties, self.handles, other.handles, divisor, addend.handles, grads),
                                     parties)

    def relu_with_bit(self, grad=False):
        """(relu(x), [x > 0]) as shares; keep the bit for the backward pass (and, with ``grad``, its mask)."""
        value, bit = comparison.relu(self.parties, self.handles, grad)
        return self._like(value), self._like(bit)

    def _like(self, shares):
        return AdditiveSharingTensor(shares, self.parties)

    def send(self, *args, **kwargs):
        raise AlreadyRemoteError("a shared tensor already lives on its workers; .get() it first")

    def __repr__(self, **kwargs):
        lines = ["(Wrapper)>[AdditiveSharingTensor]"]
        self._handles_to_pointers()
        lines += [f"\t-> {s!r}" for s in self.handles]
        provider = self.crypto_provider.id if self.crypto_provider is not None else "none"
        lines.append(f"\t*crypto provider: {provider}*")
        return "\n".join(lines)

    __str__ = __repr__

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return OPS(func, args, kwargs or {})


@functools.lru_cache(maxsize=256)
def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """``torch.broadcast_shapes(a, b)``, remembered: torch works it out in Python, 60 us a call."""
    return tuple(torch.broadcast_shapes(a, b))


def check_share_workers(workers, crypto_provider=None):
    """The workers of ``.share(*workers, crypto_provider=...)`` as a list, or a clear error."""
    workers = [check_worker(w, "share") for w in workers]
    if len(workers) < 2:
        raise PyPrivateError("secret sharing needs at least two workers, e.g. .share(bob, alice)")
    if len({id(w) for w in workers}) != len(workers):
        raise PyPrivateError("each share must go to a different worker")
    if any(w is local_worker for w in workers):
        raise PyPrivateError("the local worker 'me' cannot hold a share of data it owns")
    if crypto_provider is not None:
        check_worker(crypto_provider, "share(crypto_provider=...)")
        if any(w is crypto_provider for w in workers):
            raise PyPrivateError("the crypto provider must not also hold a share: it knows the triples")
    return workers


def check_workers(name, tensors):
    """The common WorkerParties of the shared tensors among ``tensors``."""
    shared = [t for t in tensors if isinstance(t, AdditiveSharingTensor)]
    first = shared[0].parties
    provider = next((t.crypto_provider for t in shared if t.crypto_provider is not None), None)
    for t in shared[1:]:
        if not t.parties.same_workers(first):
            raise WorkerMismatchError(
                f"{name}: these tensors are shared among different workers ({first.names()} vs "
                f"{t.parties.names()}); share both among the same workers, in the same order"
            )
    if provider is not None and first.crypto_provider is None:
        return WorkerParties(first.workers, provider)
    return first

"""Running secure protocols on real workers.

:class:`WorkerParties` is the backend of :mod:`pyprivate.crypto` in which
party *i* is a worker: a handle is a :class:`~.share_view.Share` (a light
pointer) to that party's share, a protocol step is a ``RunStep`` message (one per party and step),
opening fetches copies of masked shares, and the dealer is the crypto
provider *worker*, which sends its shares straight to the parties so that
the data scientist's process never sees them.
"""

from ..tree import tree_map

from ..crypto import step_masks
from ..crypto.parties import Parties
from ..errors import CryptoProviderError, ObjectNotFoundError, WorkerMismatchError
from ..workers import directory
from ..workers.client import RemoteRef, reply_value, request, request_each
from ..workers.messages import Deal, ErrorReply, GetObject, Ref, RunCommand, RunStep, TensorMeta
from . import deal_ahead
from .pointer import PointerTensor
from .share_view import Share, ShareView


def _handles(metas, worker):
    """Light handles (:class:`Share`) to the objects a worker reports in ``metas``."""
    def to_handle(meta):
        if isinstance(meta, TensorMeta):
            return Share(RemoteRef(worker, meta.obj_id, lazy=True), meta.shape, meta.dtype)
        return meta

    return tree_map(to_handle, metas)


class RemoteDealer:
    """Stands for the crypto provider worker: each call is one ``Deal`` message."""

    def __init__(self, provider, workers):
        self.provider, self.workers = provider, workers

    def bundle(self, items, n):
        """Deal ``items`` (``[(material, params)]``): dealt ahead if planned (:mod:`.deal_ahead`), else now."""
        self._check_provider()
        return deal_ahead.plan_for(self.provider, self.workers).bundle(items, self._deal_now)

    def end_step(self):
        """A training step ended (an optimizer step): plan to deal the next one ahead; forward masks go."""
        step_masks.end_step(self.workers)
        if self.provider is not None:
            deal_ahead.plan_for(self.provider, self.workers).end_step()

    def _check_provider(self):
        if self.provider is None:
            names = ", ".join(w.id for w in self.workers)
            raise CryptoProviderError(
                "this operation on shared values needs a crypto provider, a worker that deals correlated "
                f"randomness: share with .share({names}, crypto_provider=james)"
            )

    def _deal_now(self, items):
        """Deal ``items`` in one request to the provider, which sends one message to each party."""
        directory.check_current(self.workers + [self.provider])
        items = [[material, params] for material, params in items]
        dealt = request(self.provider, Deal(items, [w.id for w in self.workers]))
        return [tuple([_handles(meta, w) for meta, w in zip(sharing, self.workers)] for sharing in item)
                for item in dealt]

    def _deal(self, material, **params):
        return self.bundle([(material, params)], len(self.workers))[0]

    def beaver_triple(self, op, shape_a, shape_b, n):
        return self._deal("beaver_triple", op=op, shape_a=tuple(shape_a),
                          shape_b=None if shape_b is None else tuple(shape_b))

    def binary_triple(self, shape, n):
        return self._deal("binary_triple", shape=tuple(shape))

    def dabit(self, shape, n):
        return self._deal("dabit", shape=tuple(shape))

    def truncation_material(self, shape, n, divisor):
        return self._deal("truncation_material", shape=tuple(shape), divisor=int(divisor))

    def zero_shares(self, shape, n):
        return self._deal("zero_shares", shape=tuple(shape))


class WorkerParties(Parties):
    """The workers holding the shares, in party order, and their crypto provider."""

    def __init__(self, workers, crypto_provider=None, log_opened=False):
        self.workers = list(workers)
        self.crypto_provider = crypto_provider
        dealer = RemoteDealer(crypto_provider, self.workers)
        super().__init__(len(self.workers), dealer=dealer, log_opened=log_opened)

    def same_workers(self, other):
        return len(self.workers) == len(other.workers) and all(a is b for a, b in zip(self.workers, other.workers))

    def names(self):
        return ", ".join(w.id for w in self.workers)

    def _ref(self, handle, i):
        """The reference to party i's share ``handle`` in a message (with a lazy view's operations)."""
        base = handle.base if isinstance(handle, ShareView) else handle
        if not isinstance(base, (PointerTensor, Share)) or base.location is not self.workers[i]:
            raise WorkerMismatchError(f"share {i} is not held by {self.workers[i].id}")
        if not base._ref.alive:
            raise ObjectNotFoundError(f"a share at {self.workers[i].id} was already fetched or deleted")
        return Ref(base.id_at_location, handle.ops) if base is not handle else Ref(base.id_at_location)

    def _round(self, messages):
        """Send message i to party i, all at once, and return the replies' values in party order.

        When one party fails, the others' new objects are released before the error is raised.
        """
        replies = request_each(self.workers, messages)
        failed = next((reply for reply in replies if isinstance(reply, ErrorReply)), None)
        if failed is not None:
            for worker, reply in zip(self.workers, replies):
                if not isinstance(reply, ErrorReply):
                    _handles(reply.value, worker)  # dropped at once: their objects are released
            reply_value(failed)  # raises
        return [reply.value for reply in replies]

    def _per_party(self, name, per_party_args, refs_of):
        """``refs_of(args, i)`` for every party i, once the number of parties is checked."""
        if len(per_party_args) != self.n:
            raise ValueError(f"{name}: expected args for {self.n} parties")
        return [refs_of(args, i) for i, args in enumerate(per_party_args)]

    def _handle_refs(self, args, i):
        return [self._ref(h, i) for h in args]

    def run(self, step_name, per_party_args, **public):
        refs = self._per_party(step_name, per_party_args, self._handle_refs)
        values = self._round([RunStep(step_name, i, self.n, r, public) for i, r in enumerate(refs)])
        return [_handles(value, worker) for value, worker in zip(values, self.workers)]

    def run_revealing(self, step_name, per_party_args, **public):
        refs = self._per_party(step_name, per_party_args, self._handle_refs)
        values = self._round([RunStep(step_name, i, self.n, r, public, reveal=True) for i, r in enumerate(refs)])
        return [(_handles(kept, worker), tuple(revealed)) for (kept, revealed), worker in zip(values, self.workers)]

    def command(self, op_name, per_party_args, kwargs=None):
        """Run one torch operation on every party's share (``per_party_args`` hold handles)."""
        refs = self._per_party(op_name, per_party_args, lambda args, i: tree_map(
            lambda a: self._ref(a, i) if isinstance(a, (PointerTensor, Share, ShareView)) else a, args))
        values = self._round([RunCommand(op_name, r, kwargs or {}) for r in refs])
        return [_handles(value, worker) for value, worker in zip(values, self.workers)]

    def deal(self, shares):
        for i, handle in enumerate(shares):
            self._ref(handle, i)  # the remote dealer already placed them; check where
        return list(shares)

    def reveal(self, handles):
        return self._round([GetObject(self._ref(h, i).obj_id, remove=False) for i, h in enumerate(handles)])

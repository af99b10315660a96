"""Private data at a worker: what may leave it, decided by the worker that holds it.

Opt-in: data sent with ``x.send(bob, private=True)`` is private at Bob, and
so is everything Bob computes from it (a result of any operation with a
private input, including an in-place update such as an optimizer step, a
copy, or its fixed-point encoding). Nobody can ``.get()`` a private object,
the sender included, until Bob's owner approves a request for it:

    ptr.request("the trained model, for the report")     # the data scientist asks
    bob.requests                                           # the owner looks: pending requests
    bob.requests[0].approve()                              # ... or .deny(); then ptr.get() works
    bob.policy = lambda request: request.shape.numel() == 1  # or approve some kinds automatically

The worker enforces this when a message arrives, whoever sent it and
however (bytes or an in-process handover), so a client that writes its own
messages cannot read private data either. An operation on private data whose
result is not a tensor (``.item()``, a comparison to a Python bool) is
refused: its answer would travel in the reply. Moving private data to another
worker (``ptr.move(alice)``) or secret-sharing it (``ptr.share(bob, alice)``)
needs the same approval as fetching it: an approved request lets its
requester take that one object out, in any of these ways. A moved object
stays private at the destination ("moved from bob" in its requests). Shares
do not: once the owner approves sharing, the shares are protected by the
secret sharing alone (no party sees a value unless the parties open it), and
what the protocols open is up to whoever runs them (see the threat model).

What stays visible: shapes and dtypes of results, which operations ran, and
their timing. A party that may run any torch operation on private data can
learn from those; approve requests with that in mind.
"""

import itertools
import time
from dataclasses import dataclass, field

from ..errors import PrivateDataError

MAX_OPS = 12  # operations a provenance remembers (the most recent ones)

_request_ids = itertools.count(1)


@dataclass(frozen=True)
class Provenance:
    """Where a private object comes from: the private objects it was computed from, and by which operations."""

    sources: frozenset
    ops: tuple = ()

    def after(self, op):
        return Provenance(self.sources, (self.ops + (op,))[-MAX_OPS:])

    @staticmethod
    def merged(provenances, op):
        sources = frozenset().union(*(p.sources for p in provenances))
        ops = max((p.ops for p in provenances), key=len, default=())
        return Provenance(sources, ops).after(op)


@dataclass
class Request:
    """A request to release one private object, waiting at the worker that holds it."""

    id: int
    obj_id: int
    requester: str
    reason: str
    shape: tuple
    dtype: str
    provenance: Provenance
    governance: "Governance" = field(repr=False)
    status: str = "pending"  # "approved" or "denied"
    created: float = field(default_factory=time.time)

    def approve(self):
        """Let ``requester`` fetch this object (only this one)."""
        self.governance.decide(self, "approved")
        return self

    def deny(self):
        """Refuse it; the object stays private."""
        self.governance.decide(self, "denied")
        return self

    def __repr__(self):
        ops = " -> ".join(self.provenance.ops) or "sent as private data"
        return (f"<request {self.id} from {self.requester}: object {self.obj_id}, shape {list(self.shape)}, "
                f"{self.dtype}, computed by {ops}; reason: {self.reason!r}; {self.status}>")


@dataclass
class Release:
    """What left the worker: a private object fetched after an approval."""

    obj_id: int
    requester: str
    request_id: int
    shape: tuple
    time: float


class Governance:
    """One worker's private objects, the requests for them, and its owner's policy."""

    def __init__(self, worker_id):
        self.worker_id = worker_id
        self.private = {}  # obj_id -> Provenance
        self.requests = []
        self.released = []
        self.policy = None  # request -> True (approve), False (deny) or None (leave it pending)

    # -- marking ---------------------------------------------------------------------------
    def mark(self, obj_id, provenance=None):
        self.private[obj_id] = provenance or Provenance(frozenset({obj_id}))

    def provenance_of(self, obj_ids):
        return [self.private[i] for i in obj_ids if i in self.private]

    def inherit(self, result_ids, input_ids, op):
        """Results of ``op`` are private when an input is."""
        sources = self.provenance_of(input_ids)
        if sources:
            provenance = Provenance.merged(sources, op)
            for obj_id in result_ids:
                self.private[obj_id] = provenance

    def forget(self, obj_id):
        self.private.pop(obj_id, None)

    # -- leaving ---------------------------------------------------------------------------
    def approval(self, obj_id, requester, what=None):
        """The approved request that lets ``requester`` take the private object ``obj_id``; else raise."""
        approved = next((r for r in self.requests if r.obj_id == obj_id and r.requester == requester
                         and r.status == "approved"), None)
        if approved is None:
            pending = any(r.obj_id == obj_id and r.requester == requester and r.status == "pending"
                          for r in self.requests)
            how = ("your request is still pending: the owner approves it at the worker "
                   f"({self.worker_id}.requests)") if pending else (
                (f"to {what}, ask with" if what else "ask for it with") + " ptr.request(\"why you need it\"); "
                f"the owner approves or denies at the worker ({self.worker_id}.requests)")
            raise PrivateDataError(f"object {obj_id} at {self.worker_id} is private data, or computed from it: "
                                   f"{how}")
        return approved

    def check_leaving(self, obj_ids, requester, what=None):
        """The approvals that let ``requester`` take these objects out: fetch them, or ``what`` ("move it to alice").

        Moving or secret-sharing private data hands it to other workers, so it
        needs the same approval as a ``.get()``. None for an object that is
        not private. :meth:`left` logs it once it is done.
        """
        return [self.approval(i, requester, what) if i in self.private else None for i in obj_ids]

    def left(self, obj_ids, objs, approvals, where, forget):
        """Log the approved objects that left as ``where`` ("alice (moved for {requester})"); ``forget`` them if
        they left this worker's store."""
        for obj_id, obj, approved in zip(obj_ids, objs, approvals):
            if approved is not None:
                self.released.append(Release(obj_id, where.format(requester=approved.requester), approved.id,
                                             tuple(obj.shape), time.time()))
            if forget:
                self.forget(obj_id)

    def refuse(self, obj_ids, what):
        """Refuse ``what`` (a protocol step) on private objects."""
        private = [i for i in obj_ids if i in self.private]
        if private:
            raise PrivateDataError(f"{what} is not allowed on private data at {self.worker_id} (object "
                                   f"{private[0]}): ask for a result with ptr.request(...) instead")

    # -- requests ----------------------------------------------------------------------------
    def add_request(self, obj_id, requester, reason, obj):
        if obj_id not in self.private:
            raise PrivateDataError(f"object {obj_id} at {self.worker_id} is not private: fetch it with .get()")
        if not isinstance(reason, str) or not reason.strip():
            raise PrivateDataError("say why you need the data: ptr.request(\"the average, for the report\")")
        for existing in self.requests:
            if existing.obj_id == obj_id and existing.requester == requester and existing.status != "denied":
                return existing
        request = Request(next(_request_ids), obj_id, requester, reason, tuple(obj.shape),
                          str(obj.dtype).removeprefix("torch."), self.private[obj_id], self)
        self.requests.append(request)
        if self.policy is not None:
            try:
                verdict = self.policy(request)
            except Exception:  # a broken policy decides nothing: the owner still can
                verdict = None
            if verdict is True:
                request.approve()
            elif verdict is False:
                request.deny()
        return request

    def decide(self, request, status):
        if request.status != "pending":
            raise PrivateDataError(f"request {request.id} was already {request.status}")
        request.status = status

    def pending(self):
        return [r for r in self.requests if r.status == "pending"]
